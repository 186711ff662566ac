"""Tiers: upgrades the moment qualifying points cross a threshold, multipliers, progress, the window."""

from __future__ import annotations

from server.core import clock
from server.models import Member, Notification, Purchase
from tests.points_support import ADJUST_POINTS, member_of, utc
from tests.support import RECORD_PURCHASE, Api, Caller

PROGRESS = """
{
  viewer {
    tier { code }
    tierProgress {
      current { code } next { code }
      qualifyingPoints pointsToNext percentToNext windowStart windowEnd retainedUntil
    }
    notifications { edges { node { kind title } } }
  }
}
"""


async def buy(api: Api, partner: Caller, caller: Caller, amount: str, order_id: str, **extra) -> dict:
    variables = {"input": {"memberEmail": caller.email, "orderId": order_id, "amount": amount, **extra}}
    return (await api.run(RECORD_PURCHASE, variables, partner))["recordPurchase"]


async def progress(api: Api, caller: Caller) -> dict:
    return (await api.run(PROGRESS, caller=caller))["viewer"]


async def test_upgrade_happens_as_soon_as_a_threshold_is_crossed_with_a_notification(api: Api) -> None:
    partner = await api.partner(["purchases:write"])
    caller = await api.member()

    below = await buy(api, partner, caller, "4999.00", "T-1")
    crossing = await buy(api, partner, caller, "1.00", "T-2")

    assert below["member"]["tier"]["code"] == "silver"
    assert crossing["member"]["tier"]["code"] == "gold"
    viewer = await progress(api, caller)
    assert [e["node"]["kind"] for e in viewer["notifications"]["edges"]] == ["TIER_UPGRADE"]
    assert viewer["notifications"]["edges"][0]["node"]["title"] == "Welcome to Gold"
    member = await member_of(caller)
    assert member.tier_code == "gold"


async def test_the_new_multiplier_applies_to_later_purchases_and_diamond_follows(api: Api) -> None:
    partner = await api.partner(["purchases:write"])
    caller = await api.member()
    await buy(api, partner, caller, "5000.00", "M-1")

    gold = await buy(api, partner, caller, "99.99", "M-2")  # 124.9875 → 124
    assert gold["pointsEarned"] == 124
    # 5,124 + 14,876 × 1.25 = 5,124 + 18,595 ≥ 20,000
    diamond = await buy(api, partner, caller, "14876.00", "M-3")
    after = await buy(api, partner, caller, "10.01", "M-4")  # 15.015 → 15

    assert (diamond["pointsEarned"], diamond["member"]["tier"]["code"]) == (18595, "diamond")
    assert after["pointsEarned"] == 15
    kinds = await Notification.filter(kind="TIER_UPGRADE").values_list("params", flat=True)
    assert sorted(p["tier_code"] for p in kinds) == ["diamond", "gold"]


async def test_one_big_purchase_can_jump_two_tiers(api: Api) -> None:
    partner = await api.partner(["purchases:write"])
    caller = await api.member()

    result = await buy(api, partner, caller, "20000.00", "BIG-1")

    assert result["member"]["tier"]["code"] == "diamond"
    assert await Notification.filter(kind="TIER_UPGRADE").count() == 1


async def test_tier_progress_fields_on_the_base_tier(api: Api) -> None:
    partner = await api.partner(["purchases:write"])
    with clock.travel(utc(2026, 3, 10)):
        caller = await api.member()
        await buy(api, partner, caller, "1000.00", "P-1")
        viewer = await progress(api, caller)

    assert viewer["tierProgress"] == {
        "current": {"code": "silver"},
        "next": {"code": "gold"},
        "qualifyingPoints": 1000,
        "pointsToNext": 4000,
        "percentToNext": 20.0,
        "windowStart": "2025-03-10",
        "windowEnd": "2026-03-10",
        "retainedUntil": None,
    }


async def test_tier_progress_on_gold_and_diamond_with_retention_twelve_months_after_reaching(api: Api) -> None:
    partner = await api.partner(["purchases:write"])
    with clock.travel(utc(2026, 3, 10)):
        caller = await api.member()
        await buy(api, partner, caller, "5000.00", "G-1")
    with clock.travel(utc(2026, 4, 2)):
        await buy(api, partner, caller, "6000.00", "G-2")  # 7,500 more at ×1.25
        gold = (await progress(api, caller))["tierProgress"]
        await buy(api, partner, caller, "6000.00", "G-3")
        diamond = (await progress(api, caller))["tierProgress"]

    assert gold == {
        "current": {"code": "gold"},
        "next": {"code": "diamond"},
        "qualifyingPoints": 12500,
        "pointsToNext": 7500,
        "percentToNext": 50.0,
        "windowStart": "2025-04-02",
        "windowEnd": "2026-04-02",
        "retainedUntil": "2027-03-10",
    }
    assert diamond["current"] == {"code": "diamond"} and diamond["next"] is None
    assert (diamond["qualifyingPoints"], diamond["pointsToNext"], diamond["percentToNext"]) == (20000, 0, 100.0)
    assert diamond["retainedUntil"] == "2027-04-02"


async def test_spending_points_does_not_reduce_qualifying_points(api: Api) -> None:
    partner = await api.partner(["purchases:write"])
    staff = await api.staff()
    caller = await api.member()
    await buy(api, partner, caller, "3000.00", "S-1")

    spend = {"memberId": caller.member_id, "delta": -2500, "reason": "Voucher", "key": "q-spend"}
    assert (await api.run(ADJUST_POINTS, spend, staff))["adjustPoints"]["userErrors"] == []

    viewer = await progress(api, caller)
    assert viewer["tierProgress"]["qualifyingPoints"] == 3000
    assert (await member_of(caller)).balance == 500


async def test_only_purchases_within_the_trailing_twelve_months_qualify(api: Api) -> None:
    partner = await api.partner(["purchases:write"])
    with clock.travel(utc(2026, 6, 15)):
        caller = await api.member()
        old = await buy(api, partner, caller, "4000.00", "W-1", occurredAt="2025-06-14T12:00:00+00:00")
        recent = await buy(api, partner, caller, "1500.00", "W-2", occurredAt="2025-06-15T12:00:00+00:00")
        viewer = await progress(api, caller)

    # Both earn points, but only the one inside the window qualifies: no upgrade to gold.
    assert (old["pointsEarned"], recent["pointsEarned"]) == (4000, 1500)
    assert viewer["tierProgress"]["qualifyingPoints"] == 1500
    assert viewer["tier"]["code"] == "silver"
    with clock.travel(utc(2026, 6, 17)):
        assert (await progress(api, caller))["tierProgress"]["qualifyingPoints"] == 0
    assert (await Member.get(email=caller.email)).balance == 5500


async def test_a_purchase_from_a_till_a_minute_fast_still_upgrades_at_once(api: Api) -> None:
    partner = await api.partner(["purchases:write"])
    caller = await api.member()
    with clock.travel(utc(2026, 5, 5, 10)):
        result = await buy(api, partner, caller, "5000.00", "FAST-1", occurredAt="2026-05-05T10:02:00+00:00")

    assert result["member"]["tier"]["code"] == "gold"
    purchase = await Purchase.get(order_id="FAST-1")
    assert purchase.occurred_at <= utc(2026, 5, 5, 10, 1)

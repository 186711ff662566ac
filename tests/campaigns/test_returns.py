"""What a draft would have done (simulateCampaign) and what a campaign returned (Campaign.results)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from server import campaigns
from server.campaigns.audience import held_out
from server.core import clock
from server.models import AuditEntry, Campaign, CampaignAward, LedgerEntry
from tests.campaigns.support import CAMPAIGN, REFUND, SIMULATE, campaign_input, purchase, upsert
from tests.points_support import new_member
from tests.support import Api


async def _counts() -> tuple[int, ...]:
    return (await Campaign.all().count(), await CampaignAward.all().count(), await LedgerEntry.all().count(),
            await AuditEntry.all().count())


async def test_simulation_replays_real_purchases_and_writes_nothing(api: Api) -> None:
    staff = await api.staff()
    partner = await api.partner()
    first, second = await api.member(timezone="UTC"), await api.member(timezone="UTC")
    now = clock.now()
    for hours_ago, who, amount in ((72, first, "100.00"), (48, second, "50.00"), (20, first, "20.00")):
        with clock.travel(now - timedelta(hours=hours_ago)):
            await purchase(api, partner, who.email, amount)
    before = await _counts()

    draft = campaign_input(multiplier="2", budgetPoints=150)
    found = (await api.run(SIMULATE, {"input": draft, "days": 7}, staff))["simulateCampaign"]

    assert found == {
        "membersReached": 2, "pointsCost": 150,
        "budgetExhaustedOn": (now - timedelta(days=2)).date().isoformat(),
    }
    unlimited = campaign_input(multiplier="2", perMemberCap=110)
    assert (await api.run(SIMULATE, {"input": unlimited, "days": 7}, staff))["simulateCampaign"] == {
        "membersReached": 2, "pointsCost": 110 + 50, "budgetExhaustedOn": None,
    }
    short = (await api.run(SIMULATE, {"input": draft, "days": 1}, staff))["simulateCampaign"]
    assert short == {"membersReached": 1, "pointsCost": 20, "budgetExhaustedOn": None}
    assert await _counts() == before


async def test_simulation_refuses_bad_days_and_outsiders(api: Api) -> None:
    staff = await api.staff()
    member = await api.member()
    for days in (0, 366):
        response = await api.raw(SIMULATE, {"input": campaign_input(), "days": days}, staff)
        errors = response.json()["errors"]
        assert errors[0]["extensions"] == {"code": "INVALID_INPUT", "field": "days"}
    bad = await api.raw(SIMULATE, {"input": campaign_input(recurrence="FREQ=SECONDLY")}, staff)
    assert bad.json()["errors"][0]["extensions"] == {"code": "INVALID_SCHEDULE", "field": "recurrence"}
    assert (await api.run(SIMULATE, {"input": campaign_input()}, member))["simulateCampaign"] is None


async def test_results_hand_computed(api: Api) -> None:
    staff = await api.staff()
    partner = await api.partner()
    made = await upsert(api, staff, name="Bonus", multiplier=None, bonusPoints=100, holdoutPercent=50)
    cid = made["campaign"]["id"]
    row_id = (await Campaign.get()).id
    members = [await new_member() for _ in range(6)]
    out = lambda: sum(held_out(row_id, m.id, 50) for m in members)  # noqa: E731
    while min(out(), len(members) - out()) < 2:
        members.append(await new_member())  # at least two members in each group, whatever ids this run hands out
    treated = [m for m in members if not held_out(row_id, m.id, 50)]
    held = [m for m in members if held_out(row_id, m.id, 50)]
    await api.run("mutation($id: ID!) { setCampaignStatus(id: $id, status: ACTIVE) { userErrors { code } } }",
                  {"id": cid}, staff)

    await purchase(api, partner, treated[0].email, "100.00")               # +100 campaign points
    await purchase(api, partner, treated[1].email, "50.00", order_id="T2")  # +100, then a fifth refunded
    await api.run(REFUND, {"orderId": "T2", "amount": "10.00"}, partner)    # -20 campaign points
    await purchase(api, partner, held[0].email, "30.00")                    # held out: no campaign points

    got = (await api.run(CAMPAIGN, {"id": cid}, staff))["campaign"]
    per_treated = (Decimal("140.00") / len(treated)).quantize(Decimal("0.01"))
    per_held = (Decimal("30.00") / len(held)).quantize(Decimal("0.01"))
    assert got["pointsAwarded"] == 180 and got["membersReached"] == 2
    results = got["results"]
    assert results["attributedRevenue"] == "140.00"
    assert results["pointsCost"] == "1.80"  # 180 points × 0.01
    assert abs(results["roi"] - (140 * 0.30 - 1.80) / 1.80) < 1e-9
    assert (results["treatedMembers"], results["holdoutMembers"]) == (len(treated), len(held))
    assert results["revenuePerTreatedMember"] == str(per_treated)
    assert results["revenuePerHoldoutMember"] == str(per_held)
    assert abs(results["lift"] - float(per_treated / per_held - 1)) < 1e-9
    # The domain verb the KPI dashboard calls gives the same figures.
    same = (await campaigns.results([row_id]))[row_id]
    assert same.attributed_revenue == Decimal("140.00") and same.points_cost == Decimal("1.80")


async def test_results_without_cost_or_holdout_are_null_where_undefined(api: Api) -> None:
    staff = await api.staff()
    made = (await upsert(api, staff))["campaign"]
    results = (await api.run(CAMPAIGN, {"id": made["id"]}, staff))["campaign"]["results"]
    assert results == {
        "attributedRevenue": "0.00", "pointsCost": "0.00", "roi": None, "treatedMembers": 0, "holdoutMembers": 0,
        "revenuePerTreatedMember": "0.00", "revenuePerHoldoutMember": None, "lift": None,
    }

"""Campaign points on purchases and check-ins: stacking, breakdown, ledger entries, refunds, audience."""

from __future__ import annotations

from server.models import CampaignAward, LedgerEntry, LedgerKind
from tests.campaigns.support import (
    OFFERS,
    REFUND,
    active_campaign,
    lines,
    purchase,
    upsert,
)
from tests.points_support import assert_ledger_consistent, member_of
from tests.support import Api


async def test_tier_then_the_single_best_multiplier_then_every_bonus(api: Api) -> None:
    staff = await api.staff()
    partner = await api.partner()
    buyer = await api.member()
    await purchase(api, partner, buyer.email, "5000.00")  # reaches gold (×1.25) before any campaign runs
    await active_campaign(api, staff, name="Double", multiplier="2")
    await active_campaign(api, staff, name="Triple", multiplier="3")
    await active_campaign(api, staff, name="Fifty more", multiplier=None, bonusPoints=50)
    await active_campaign(api, staff, name="Half again", multiplier="1.5", bonusPoints=10)

    result = await purchase(api, partner, buyer.email, "100.00")

    # 100 base, +25 for gold; triple (not 2 × 3 × 1.5) on the 125: +250; then 50 and 10 bonuses.
    assert lines(result) == [
        ("base", "Base", 100), ("tier", "Gold", 25), ("campaign", "Triple", 250),
        ("campaign", "Fifty more", 50), ("campaign", "Half again", 10),
    ]
    assert result["pointsEarned"] == 435 == sum(points for _, _, points in lines(result))
    member = await member_of(buyer)
    entries = await LedgerEntry.filter(member_id=member.id, kind=LedgerKind.CAMPAIGN).order_by("id")
    assert [(e.delta, e.description) for e in entries] == [
        (250, "Campaign: Triple"), (50, "Campaign: Fifty more"), (10, "Campaign: Half again"),
    ]
    assert (await assert_ledger_consistent(member.id)).balance == 5000 + 435


async def test_a_replayed_report_answers_the_same_breakdown(api: Api) -> None:
    staff = await api.staff()
    partner = await api.partner()
    buyer = await api.member()
    await active_campaign(api, staff, name="Member day", multiplier="2", bonusPoints=5)
    first = await purchase(api, partner, buyer.email, "80.00", order_id="R-1")
    again = await purchase(api, partner, buyer.email, "80.00", order_id="R-1")
    assert again["replayed"] is True
    assert lines(again) == lines(first) == [("base", "Base", 80), ("campaign", "Member day", 85)]
    assert again["pointsEarned"] == first["pointsEarned"] == 165
    assert await CampaignAward.filter(points__gt=0).count() == 1


async def test_minimum_amount_audience_and_status_decide_who_earns(api: Api) -> None:
    staff = await api.staff()
    partner = await api.partner()
    silver = await api.member()
    gold = await api.member()
    await purchase(api, partner, gold.email, "5000.00")
    await active_campaign(api, staff, name="Gold only", multiplier=None, bonusPoints=40, tierCodes=["gold"])
    await active_campaign(api, staff, name="Big baskets", multiplier=None, bonusPoints=7, minAmount="200.00")
    draft = await upsert(api, staff, name="Not started", multiplier="5")
    assert draft["campaign"]["status"] == "DRAFT"

    small_silver = await purchase(api, partner, silver.email, "199.99")
    big_silver = await purchase(api, partner, silver.email, "200.00")
    small_gold = await purchase(api, partner, gold.email, "10.00")

    assert lines(small_silver) == [("base", "Base", 199)]
    assert lines(big_silver) == [("base", "Base", 200), ("campaign", "Big baskets", 7)]
    assert lines(small_gold) == [("base", "Base", 10), ("tier", "Gold", 2), ("campaign", "Gold only", 40)]


async def test_refunds_take_campaign_points_back_in_proportion(api: Api) -> None:
    staff = await api.staff()
    partner = await api.partner()
    buyer = await api.member()
    campaign = await active_campaign(api, staff, name="Triple", multiplier="3", bonusPoints=11)
    await purchase(api, partner, buyer.email, "100.00", order_id="F-1")  # 100 + 200 + 11 = 311

    first = (await api.run(REFUND, {"orderId": "F-1", "amount": "25.00"}, partner))["refundPurchase"]
    rest = (await api.run(REFUND, {"orderId": "F-1", "amount": None}, partner))["refundPurchase"]

    # A quarter: 25 of the purchase's 100, 52 of the campaign's 211 (rounded down); then the rest.
    assert lines(first) == [("base", "Base", -25), ("campaign", "Triple", -52)]
    assert lines(rest) == [("base", "Base", -75), ("campaign", "Triple", -159)]
    assert first["pointsEarned"] == -77 and rest["pointsEarned"] == -234
    assert rest["member"]["points"]["balance"] == 0
    member = await member_of(buyer)
    await assert_ledger_consistent(member.id)
    taken = await LedgerEntry.filter(member_id=member.id, reference=f"campaign:{_row(campaign)}", delta__lt=0)
    assert sorted(e.delta for e in taken) == [-159, -52]
    assert all("Triple" in e.description for e in taken)
    from server.models import Campaign

    assert (await Campaign.get(id=_row(campaign))).points_awarded == 0


def _row(campaign: dict) -> int:
    from strawberry import relay

    return int(relay.GlobalID.from_id(campaign["id"]).node_id)


async def test_check_in_campaigns_add_their_bonus(api: Api) -> None:
    staff = await api.staff()
    member = await api.member()
    await active_campaign(api, staff, name="Check-in week", trigger="CHECK_IN", multiplier=None, bonusPoints=15)
    data = await api.run("mutation { checkIn { pointsEarned userErrors { code } } }", None, member)
    assert data["checkIn"]["pointsEarned"] == 5 + 15
    row = await member_of(member)
    entry = await LedgerEntry.get(member_id=row.id, kind=LedgerKind.CAMPAIGN)
    assert (entry.delta, entry.description) == (15, "Campaign: Check-in week")


async def test_members_see_offers_in_their_language_and_not_the_back_office_figures(api: Api) -> None:
    staff = await api.staff()
    english = await api.member()
    chinese = await api.member(locale="zh-CN")
    await active_campaign(
        api, staff, name="Member day", recurrence="FREQ=DAILY", multiplier="2", budgetPoints=1000
    )
    offer = (await api.run(OFFERS, None, english))["viewer"]["offers"]
    assert [o["headline"] for o in offer] == ["Member day: double points"]
    assert offer[0]["campaign"]["budgetPoints"] is None and offer[0]["campaign"]["pointsAwarded"] == 0
    zh = (await api.run(OFFERS, None, chinese))["viewer"]["offers"]
    assert [o["headline"] for o in zh] == ["Member day：双倍积分"]


def test_headlines_name_the_day_and_the_gift_in_each_language() -> None:
    from decimal import Decimal

    from server.campaigns.offers import headline
    from server.models import Campaign, CampaignTrigger

    member_day = Campaign(
        id=1, name="Member day", trigger=CampaignTrigger.PURCHASE, recurrence="FREQ=MONTHLY;BYMONTHDAY=8",
        multiplier=Decimal("2.00"), bonus_points=None, min_amount=None,
    )
    assert headline(member_day, "en") == "Member day on the 8th: double points"
    assert headline(member_day, "zh-CN") == "Member day（每月 8 日）：双倍积分"
    weekend = Campaign(
        id=2, name="Saturday", trigger=CampaignTrigger.PURCHASE, recurrence="FREQ=WEEKLY;BYDAY=SA",
        multiplier=Decimal("1.5"), bonus_points=20, min_amount=Decimal("100.00"),
    )
    assert headline(weekend, "en") == "Saturday: 1.5× points and +20 bonus points on 100.00 or more"
    check_in = Campaign(id=3, name="Streak week", trigger=CampaignTrigger.CHECK_IN, multiplier=None,
                        bonus_points=10, recurrence=None, min_amount=None)
    assert headline(check_in, "en") == "Streak week: +10 points for checking in"


async def test_held_out_members_and_paused_campaigns_give_nothing_but_the_purchase_goes_through(api: Api) -> None:
    from server.campaigns.audience import held_out
    from server.models import Campaign
    from tests.campaigns.support import set_status

    staff = await api.staff()
    partner = await api.partner()
    made = await active_campaign(api, staff, name="Half held out", multiplier=None, bonusPoints=9, holdoutPercent=50)
    cid = (await Campaign.get()).id
    callers, rows = [], []
    while len(callers) < 4 or len({held_out(cid, row.id, 50) for row in rows}) < 2:  # members of both groups
        callers.append(await api.member())
        rows.append(await member_of(callers[-1]))
    outcomes = [(await purchase(api, partner, c.email, "10.00"))["pointsEarned"] for c in callers]
    assert outcomes == [10 if held_out(cid, row.id, 50) else 19 for row in rows]
    assert set(outcomes) == {10, 19}

    await set_status(api, staff, made["id"], "PAUSED")
    treated = next(c for c, row in zip(callers, rows, strict=True) if not held_out(cid, row.id, 50))
    assert lines(await purchase(api, partner, treated.email, "10.00")) == [("base", "Base", 10)]

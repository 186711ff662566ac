"""Budgets and per-member caps are exact with real concurrent requests on two server processes.

50 members buy at once against a budget that covers 9½ awards: the campaign gives exactly its
budget (the award that crosses it gets the remainder), every purchase still succeeds with its
own points. One member buying 30 times at once against a per-member cap is treated the same way.
"""

from __future__ import annotations

from pathlib import Path

from server.models import Campaign, CampaignAward, LedgerEntry, LedgerKind, Member
from tests.campaigns.support import PURCHASE, active_campaign
from tests.points_support import assert_ledger_consistent, race, two_servers
from tests.support import Api


async def test_fifty_purchases_at_once_spend_exactly_the_budget(api: Api, tmp_path: Path) -> None:
    staff = await api.staff()
    partner = await api.partner()
    buyers = [await api.member() for _ in range(50)]
    await active_campaign(api, staff, name="Bonus ten", multiplier=None, bonusPoints=10, budgetPoints=95)
    requests = [
        (PURCHASE, {"input": {"memberEmail": b.email, "orderId": f"RACE-{n}", "amount": "20.00"}}, partner)
        for n, b in enumerate(buyers)
    ]

    async with two_servers(tmp_path) as urls:
        answers = [data["recordPurchase"] for data in await race(urls, requests)]

    assert all(a["userErrors"] == [] for a in answers)
    assert all(a["earnBreakdown"][0] == {"source": "base", "label": "Base", "points": 20} for a in answers)
    bonuses = sorted(sum(line["points"] for line in a["earnBreakdown"][1:]) for a in answers)
    assert sum(bonuses) == 95
    assert bonuses.count(10) == 9 and bonuses.count(5) == 1 and bonuses.count(0) == 40
    assert all(a["pointsEarned"] == 20 + bonus for a, bonus in zip(
        sorted(answers, key=lambda a: a["pointsEarned"]), bonuses, strict=True
    ))
    campaign = await Campaign.get()
    assert campaign.points_given == campaign.points_awarded == 95
    assert sum(await CampaignAward.all().values_list("points", flat=True)) == 95
    assert sum(await LedgerEntry.filter(kind=LedgerKind.CAMPAIGN).values_list("delta", flat=True)) == 95
    for member in await Member.filter(email__in=[b.email for b in buyers]):
        await assert_ledger_consistent(member.id)


async def test_one_member_buying_at_once_gets_exactly_the_cap(api: Api, tmp_path: Path) -> None:
    staff = await api.staff()
    partner = await api.partner()
    buyer = await api.member()
    await active_campaign(api, staff, name="Capped", multiplier=None, bonusPoints=10, perMemberCap=45)
    requests = [
        (PURCHASE, {"input": {"memberEmail": buyer.email, "orderId": f"CAP-{n}", "amount": "3.00"}}, partner)
        for n in range(30)
    ]

    async with two_servers(tmp_path) as urls:
        answers = [data["recordPurchase"] for data in await race(urls, requests)]

    assert all(a["userErrors"] == [] for a in answers)
    bonuses = sorted((a["pointsEarned"] - 3 for a in answers), reverse=True)
    assert bonuses[:5] == [10, 10, 10, 10, 5] and set(bonuses[5:]) == {0}
    member = await assert_ledger_consistent((await Member.get(email=buyer.email)).id)
    assert member.balance == 30 * 3 + 45

"""GRANT campaigns: the job gives each audience member the gift once, catches up, respects the budget."""

from __future__ import annotations

from server.campaigns.audience import held_out
from server.core import clock
from server.models import CampaignAward, LedgerEntry, LedgerKind, LifecycleStage, MemberInsight, Notification
from tests.campaigns.support import active_campaign, utc
from tests.care.support import run
from tests.points_support import assert_ledger_consistent, new_member
from tests.support import Api


def _id(campaign: dict) -> int:
    from strawberry import relay

    return int(relay.GlobalID.from_id(campaign["id"]).node_id)


async def _stage(member_id: int, stage: LifecycleStage) -> None:
    await MemberInsight.create(member_id=member_id, stage=stage, computed_at=clock.now())


async def test_a_win_back_gift_goes_to_at_risk_members_once(api: Api) -> None:
    staff = await api.staff()
    at_risk, churned, active = await new_member(), await new_member(), await new_member()
    await _stage(at_risk.id, LifecycleStage.AT_RISK)
    await _stage(churned.id, LifecycleStage.CHURNED)
    await _stage(active.id, LifecycleStage.ACTIVE)
    campaign = await active_campaign(
        api, staff, name="We miss you", trigger="GRANT", multiplier=None, bonusPoints=200,
        stages=["AT_RISK", "CHURNED"],
    )

    first = await run("campaign-grants")
    second = await run("campaign-grants")

    assert first == "Gave campaign gifts to 2 member(s)." and second == "Gave campaign gifts to 0 member(s)."
    gifts = await LedgerEntry.filter(kind=LedgerKind.CAMPAIGN).order_by("member_id")
    assert [(g.member_id, g.delta, g.description) for g in gifts] == [
        (at_risk.id, 200, "Campaign: We miss you"), (churned.id, 200, "Campaign: We miss you"),
    ]
    notes = await Notification.filter(kind="CAMPAIGN_GIFT").order_by("member_id")
    gift = {"campaign": "We miss you", "points": 200}
    assert [(n.member_id, n.params) for n in notes] == [(at_risk.id, gift), (churned.id, gift)]
    assert await CampaignAward.filter(campaign_id=_id(campaign)).count() == 2
    for member in (at_risk, churned):
        await assert_ledger_consistent(member.id)


async def test_the_job_catches_up_after_downtime_and_takes_newcomers(api: Api) -> None:
    with clock.travel(utc(2026, 12, 1)):
        staff = await api.staff()
        first = await new_member()
        await active_campaign(
            api, staff, name="Winter gift", trigger="GRANT", multiplier=None, bonusPoints=50,
            startsAt="2026-12-10T00:00:00+00:00",
        )
        assert await run("campaign-grants") == "Gave campaign gifts to 0 member(s)."  # not started yet
    with clock.travel(utc(2026, 12, 20)):  # the server was down on the 10th
        assert await run("campaign-grants") == "Gave campaign gifts to 1 member(s)."
        later = await new_member()
        assert await run("campaign-grants") == "Gave campaign gifts to 1 member(s)."
    assert sorted(await CampaignAward.all().values_list("member_id", flat=True)) == [first.id, later.id]


async def test_gifts_stop_at_the_budget_and_the_crossing_gift_gets_the_remainder(api: Api) -> None:
    staff = await api.staff()
    members = [await new_member() for _ in range(5)]
    await active_campaign(
        api, staff, name="Gift", trigger="GRANT", multiplier=None, bonusPoints=10, budgetPoints=25,
    )
    await run("campaign-grants")
    await run("campaign-grants")
    given = await CampaignAward.all().order_by("member_id").values_list("member_id", "points")
    assert given == [(members[0].id, 10), (members[1].id, 10), (members[2].id, 5)]


async def test_held_out_members_get_nothing_and_the_draw_never_flips(api: Api) -> None:
    staff = await api.staff()
    members = [await new_member() for _ in range(40)]
    campaign = await active_campaign(
        api, staff, name="Gift", trigger="GRANT", multiplier=None, bonusPoints=10, holdoutPercent=50,
    )
    cid = _id(campaign)
    await run("campaign-grants")
    gifted = set(await CampaignAward.all().values_list("member_id", flat=True))
    expected = {m.id for m in members if not held_out(cid, m.id, 50)}
    assert gifted == expected
    assert 0 < len(gifted) < 40  # a hash splits them: some in, some out
    # The same draw every time, and another campaign draws its own control group.
    assert all(held_out(cid, m.id, 50) == held_out(cid, m.id, 50) for m in members)
    assert [held_out(cid, m.id, 50) for m in members] != [held_out(cid + 1, m.id, 50) for m in members]
    assert not any(held_out(cid, m.id, 0) for m in members)

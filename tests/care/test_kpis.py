"""KPI arithmetic (NPS, mean satisfaction, first responses on time over a period) and the 30-day report of
first-response times and breaches by tier."""

from __future__ import annotations

from datetime import timedelta

import pytest

from server import care
from server.care import kpis
from server.core import clock
from server.core.errors import DomainError
from server.models import Member, Survey, SurveyKind, SurveyStatus
from tests.care.support import member_of_tier, open_ticket, reply, resolve, utc
from tests.points_support import new_member
from tests.support import Api

START, END = utc(2026, 1, 1, 0), utc(2026, 2, 1, 0)
REPORT = """
query Report($days: Int) {
  ticketReport(days: $days) {
    since until
    tiers { tierCode tierName targetHours opened answered answeredOnTime firstResponseBreaches onTimeRate waiting
            medianFirstResponseMinutes p90FirstResponseMinutes followUps followUpBreaches breaches }
    total { tierName opened answered breaches onTimeRate }
  }
}
"""


async def answered(member: Member, kind: SurveyKind, score: int, at) -> None:
    await Survey.create(
        member_id=member.id, kind=kind, trigger=f"test:{kind.value}:{score}:{at.isoformat()}", about={},
        sent_at=at - timedelta(days=1), expires_at=at + timedelta(days=13), answered_at=at, score=score,
        status=SurveyStatus.ANSWERED,
    )


@pytest.mark.parametrize(("scores", "expected"), [
    ([10, 9, 9, 8, 7, 6, 0, 3, 10, 10], 20.0),  # 5 promoters, 3 detractors of 10: 50% − 30%
    ([9, 10, 10], 100.0),
    ([0, 6, 5], -100.0),
    ([7, 8, 8, 7], 0.0),
    ([10, 6, 8], 0.0),
    ([10, 10, 3], 33.3),
])
async def test_nps_is_the_share_of_promoters_minus_the_share_of_detractors(scores: list[int], expected: float) -> None:
    member = await new_member()
    for n, score in enumerate(scores):
        await answered(member, SurveyKind.NPS, score, START + timedelta(days=n))

    assert await care.nps(START, END) == expected


async def test_the_period_is_half_open_and_no_answers_is_no_score() -> None:
    member = await new_member()
    await answered(member, SurveyKind.NPS, 10, START - timedelta(microseconds=1))
    await answered(member, SurveyKind.NPS, 0, END)
    await answered(member, SurveyKind.SATISFACTION, 100, END)

    assert await care.nps(START, END) is None
    assert await care.satisfaction(START, END) is None
    assert await care.first_response_on_time(START, END) is None
    await answered(member, SurveyKind.NPS, 9, START)
    assert await care.nps(START, END) == 100.0


async def test_satisfaction_is_the_mean_score_of_answers_in_the_period() -> None:
    member = await new_member()
    for n, score in enumerate([100, 90, 85, 60, 40, 92]):
        await answered(member, SurveyKind.SATISFACTION, score, START + timedelta(hours=n))
    await answered(member, SurveyKind.NPS, 0, START)  # another kind: not counted

    figures = await care.figures(START, END)

    assert await care.satisfaction(START, END) == figures.satisfaction == 77.8  # 467 / 6
    assert figures.satisfaction_answers == 6 and figures.nps == -100.0 and figures.nps_answers == 1
    assert kpis.SATISFACTION_TARGET == 85


async def test_first_responses_on_time_counts_tickets_due_in_the_period(api: Api) -> None:
    staff = await api.staff()
    members = [await api.member() for _ in range(5)]
    opened = START + timedelta(days=3)
    with clock.travel(opened):  # silver: due 48 hours later, inside the period
        on_time, late, waiting, withdrawn, closed_late = [await open_ticket(api, m) for m in members]
    with clock.travel(opened + timedelta(hours=47)):
        await reply(api, staff, on_time["id"])
        await resolve(api, members[3], withdrawn["id"])  # closed before it was due: nothing to measure
    with clock.travel(opened + timedelta(hours=49)):
        await reply(api, staff, late["id"])
        await resolve(api, members[4], closed_late["id"])  # closed unanswered after it was due: a breach
    with clock.travel(START + timedelta(days=40)):
        outside = await open_ticket(api, members[0], "due after the period")

    # 1 on time of 4 decided (late, still waiting past due, closed late); the one due later is not counted
    with clock.travel(START + timedelta(days=40, hours=1)):
        assert await care.first_response_on_time(START, END) == 0.25
        assert (await care.figures(START, END)).tickets_due == 4
    assert outside["status"] == "OPEN"


async def test_the_report_shows_first_response_times_and_breaches_by_tier(api: Api) -> None:
    partner = await api.partner()
    staff, reader = await api.staff(), await api.member()
    silver_a, silver_b = await api.member(), await api.member()
    gold = await member_of_tier(api, partner, "gold")
    now = utc(2026, 6, 30, 12)
    base = now - timedelta(days=10)
    with clock.travel(base):
        quick, slow = await open_ticket(api, silver_a, "quick"), await open_ticket(api, silver_b, "slow")
        gold_late = await open_ticket(api, gold, "gold late")
    with clock.travel(base + timedelta(minutes=30)):
        await reply(api, staff, quick["id"])
    with clock.travel(base + timedelta(hours=30)):
        await reply(api, staff, slow["id"])  # within 48 h
        await reply(api, staff, gold_late["id"])  # past 24 h
        await reply(api, gold, gold_late["id"], "Still broken")  # a follow-up wait, due 24 h later
    with clock.travel(now - timedelta(days=45)):
        await open_ticket(api, silver_a, "too old for the report")
    with clock.travel(now - timedelta(hours=1)):
        await open_ticket(api, gold, "just opened")

    with clock.travel(now):
        data = await api.run(REPORT, {"days": 30}, staff)
        refused = await api.run(REPORT, {}, reader)
    rows = {row["tierCode"]: row for row in data["ticketReport"]["tiers"]}

    assert list(rows) == ["silver", "gold", "diamond"]
    assert rows["silver"] | {"tierName": "Silver"} == rows["silver"]
    assert (rows["silver"]["opened"], rows["silver"]["answered"], rows["silver"]["answeredOnTime"]) == (2, 2, 2)
    assert rows["silver"]["medianFirstResponseMinutes"] == 30 and rows["silver"]["p90FirstResponseMinutes"] == 1800
    assert rows["silver"]["onTimeRate"] == 1.0 and rows["silver"]["breaches"] == 0
    assert rows["gold"]["targetHours"] == 24
    assert (rows["gold"]["opened"], rows["gold"]["answered"], rows["gold"]["waiting"]) == (2, 1, 1)
    assert rows["gold"]["firstResponseBreaches"] == 1 and rows["gold"]["onTimeRate"] == 0.0
    assert (rows["gold"]["followUps"], rows["gold"]["followUpBreaches"], rows["gold"]["breaches"]) == (1, 1, 2)
    assert rows["diamond"]["opened"] == 0 and rows["diamond"]["onTimeRate"] is None
    assert data["ticketReport"]["total"] == {
        "tierName": "All tiers", "opened": 4, "answered": 3, "breaches": 2, "onTimeRate": 0.6667
    }
    assert refused["ticketReport"] is None


async def test_the_report_refuses_a_window_it_cannot_show() -> None:
    staff = await new_member()
    staff.role = staff.role.STAFF
    with pytest.raises(DomainError) as refused:
        await care.response_report(staff, days=0)
    assert refused.value.field == "days"

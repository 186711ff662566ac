"""What members read about their next review: tierReviewOn, pointsToKeep, projectedTier."""

from __future__ import annotations

from datetime import date

from server.core import clock
from server.models import Member
from tests.calendar.support import utc
from tests.calendar.test_tier_reviews import bought
from tests.support import Api

STANDING = """
{ viewer { tierReviewOn tierProgress {
    current { code } qualifyingPoints retainedUntil pointsToKeep projectedTier { code }
} } }
"""


async def _as(api: Api, at, **columns):
    with clock.travel(at):
        caller = await api.member()
    await Member.filter(email=caller.email).update(**columns)
    return caller, await Member.get(email=caller.email)


async def test_points_leaving_the_window_before_the_review_do_not_count_towards_keeping_the_tier(api: Api) -> None:
    now = utc(2027, 1, 15)
    caller, row = await _as(api, now, tier_code="diamond", tier_reached_at=utc(2026, 4, 1))
    await bought(row.id, 15000, utc(2026, 2, 1))  # in today's window, gone by 1 April 2027
    await bought(row.id, 6000, utc(2026, 9, 1))  # still there on the review day

    with clock.travel(now):
        data = (await api.run(STANDING, caller=caller))["viewer"]

    assert data == {
        "tierReviewOn": "2027-04-01",
        "tierProgress": {
            "current": {"code": "diamond"},
            "qualifyingPoints": 21000,
            "retainedUntil": "2027-04-01",
            "pointsToKeep": 14000,
            "projectedTier": {"code": "gold"},
        },
    }


async def test_a_safe_member_needs_nothing_and_the_base_tier_has_no_review(api: Api) -> None:
    now = utc(2027, 1, 15)
    safe, row = await _as(api, now, tier_code="gold", tier_reached_at=utc(2026, 4, 1))
    await bought(row.id, 5200, utc(2026, 10, 1))
    base, _ = await _as(api, now)

    with clock.travel(now):
        gold = (await api.run(STANDING, caller=safe))["viewer"]
        silver = (await api.run(STANDING, caller=base))["viewer"]

    assert gold["tierReviewOn"] == "2027-04-01"
    assert (gold["tierProgress"]["pointsToKeep"], gold["tierProgress"]["projectedTier"]) == (0, {"code": "gold"})
    assert silver["tierReviewOn"] is None
    assert silver["tierProgress"]["pointsToKeep"] == 0
    assert silver["tierProgress"]["projectedTier"] == {"code": "silver"}


async def test_an_override_moves_the_review_day_members_see(api: Api) -> None:
    now = utc(2027, 1, 15)
    caller, _ = await _as(
        api, now, tier_code="gold", tier_reached_at=utc(2026, 4, 1), tier_override_until=date(2027, 9, 30)
    )
    with clock.travel(now):
        data = (await api.run(STANDING, caller=caller))["viewer"]
    assert data["tierReviewOn"] == "2027-09-30"
    assert data["tierProgress"]["pointsToKeep"] == 5000
    assert data["tierProgress"]["projectedTier"] == {"code": "silver"}

"""Tier reviews: on the anniversary of reaching the tier, one level down at most, decided as of
their own day when caught up late, overrides respected then resumed, notices 30 and 7 days ahead."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from server.accounts.partners import create_partner
from server.core import clock
from server.models import Member, Notification, Purchase
from server.points import lifecycle, reviews, tiers
from tests.calendar.support import member, notices, utc

_partner: list[int] = []


async def bought(member_id: int, points: int, at: datetime) -> None:
    """A purchase written as the services would have (no upgrade runs: the tests decide when)."""
    partner, _ = await create_partner(f"Shop {member_id}-{at.isoformat()}", ["purchases:write"])
    await Purchase.create(
        partner_id=partner.id, order_id=f"O-{member_id}-{at.timestamp()}", member_id=member_id,
        amount=Decimal(points), points_earned=points, occurred_at=at, created_at=at,
    )


async def tier_of(member_id: int) -> tuple[str, date | None]:
    row = await Member.get(id=member_id)
    return row.tier_code, tiers.review_on(row)


async def test_a_review_drops_one_level_at_most_then_another_a_year_later() -> None:
    diamond = await member(tier_code="diamond", tier_reached_at=utc(2026, 3, 10))

    assert await reviews.review_due(utc(2027, 3, 10, 23, 59)) == 0  # the review day itself: kept through it
    assert await tier_of(diamond.id) == ("diamond", date(2027, 3, 10))
    assert await reviews.review_due(utc(2027, 3, 11, 0, 1)) == 1
    assert await tier_of(diamond.id) == ("gold", date(2028, 3, 10))
    assert await reviews.review_due(utc(2028, 3, 11, 0, 1)) == 1
    assert await tier_of(diamond.id) == ("silver", None)
    assert [n["tier_code"] for n in await notices(diamond.id, "TIER_DOWNGRADE")] == ["gold", "silver"]


async def test_a_member_who_earned_enough_keeps_the_tier_and_is_told() -> None:
    gold = await member(tier_code="gold", tier_reached_at=utc(2026, 3, 10))
    await bought(gold.id, 5000, utc(2026, 12, 1))

    await reviews.review_due(utc(2027, 3, 11, 1))
    await reviews.review_due(utc(2027, 3, 11, 2))  # a second run does nothing more

    assert await tier_of(gold.id) == ("gold", date(2028, 3, 10))
    assert await notices(gold.id, "TIER_KEPT") == [
        {"tier_code": "gold", "tier_name": "Gold", "tier_name_zh": "黄金", "date": "2027-03-10",
         "next_date": "2028-03-10"}
    ]


async def test_a_review_caught_up_late_is_decided_as_of_its_own_day() -> None:
    # Points inside the window on the review day, outside it by the time the late run comes
    kept = await member(tier_code="gold", tier_reached_at=utc(2026, 3, 10))
    await bought(kept.id, 5000, utc(2026, 3, 12))
    # Points bought after the review day do not save a review that was already lost...
    lost = await member(tier_code="diamond", tier_reached_at=utc(2026, 3, 10))
    await bought(lost.id, 6000, utc(2027, 3, 15))

    changed = await reviews.review_due(utc(2027, 3, 25))  # the jobs were down for two weeks

    assert await tier_of(kept.id) == ("gold", date(2028, 3, 10))
    # ...the review lowers diamond to gold as of 10 March; 6,000 points today keep gold (no upgrade above it)
    assert await tier_of(lost.id) == ("gold", date(2028, 3, 10))
    assert changed == 1


async def test_points_after_a_missed_review_lift_the_member_straight_back() -> None:
    m = await member(tier_code="gold", tier_reached_at=utc(2026, 3, 10))
    await bought(m.id, 5000, utc(2027, 3, 15))

    await reviews.review_due(utc(2027, 3, 25))

    row = await Member.get(id=m.id)
    assert row.tier_code == "gold"  # lowered as of 10 March, raised again by today's window
    assert row.tier_review_on == date(2028, 3, 25)
    assert len(await notices(m.id, "TIER_DOWNGRADE")) == 1 and len(await notices(m.id, "TIER_UPGRADE")) == 1


async def test_29_february_and_month_end_review_days() -> None:
    leap = await member(tier_code="gold", tier_reached_at=utc(2024, 2, 29))
    month_end = await member(tier_code="gold", tier_reached_at=utc(2026, 1, 31))

    assert await tier_of(leap.id) == ("gold", date(2025, 2, 28))
    assert await tier_of(month_end.id) == ("gold", date(2027, 1, 31))
    await bought(leap.id, 5000, utc(2024, 12, 1))
    await reviews.review_due(utc(2025, 3, 1, 0, 1))
    assert await tier_of(leap.id) == ("gold", date(2026, 2, 28))


async def test_an_override_holds_the_tier_through_its_last_day_then_reviews_resume() -> None:
    m = await member(tier_code="diamond", tier_reached_at=utc(2026, 3, 10), tier_override_until=date(2027, 6, 30))

    # The regular review day passes: the override holds
    assert await reviews.review_due(utc(2027, 3, 11, 1)) == 0
    assert await tier_of(m.id) == ("diamond", date(2027, 6, 30))
    assert await reviews.review_due(utc(2027, 6, 30, 23)) == 0

    # The day after the override ends, the review decides as of its last day: one level down
    assert await reviews.review_due(utc(2027, 7, 1, 1)) == 1
    assert await tier_of(m.id) == ("gold", date(2028, 6, 30))


async def test_an_override_ending_before_the_regular_review_leaves_the_regular_day() -> None:
    m = await member(tier_code="gold", tier_reached_at=utc(2026, 3, 10), tier_override_until=date(2026, 12, 31))
    assert await tier_of(m.id) == ("gold", date(2027, 3, 10))
    assert await reviews.review_due(utc(2027, 1, 5)) == 0


async def test_notices_come_30_and_7_days_before_a_review_that_would_lower_the_tier_once_each() -> None:
    at_risk = await member(tier_code="gold", tier_reached_at=utc(2026, 3, 10))
    await bought(at_risk.id, 3000, utc(2026, 5, 1))  # still inside the window on 10 March 2027
    await bought(at_risk.id, 2000, utc(2026, 2, 1))  # counts today (window from 1 Feb 2026), not on the review day
    safe = await member(tier_code="gold", tier_reached_at=utc(2026, 3, 10))
    await bought(safe.id, 5000, utc(2026, 6, 1))

    day = utc(2027, 1, 20, 3)
    while day < utc(2027, 3, 11):
        await reviews.send_notices(day)
        await reviews.send_notices(day)
        day += timedelta(days=1)

    sent = await Notification.filter(kind="TIER_REVIEW_NOTICE").order_by("id")
    assert [(n.member_id, n.params["days"], n.created_at.date()) for n in sent] == [
        (at_risk.id, 30, date(2027, 2, 8)),
        (at_risk.id, 7, date(2027, 3, 3)),
    ]
    assert sent[0].params["points"] == 2000 and sent[0].params["projected_name"] == "Silver"


async def test_a_missed_30_day_notice_is_still_sent_late_but_never_after_the_7_day_one() -> None:
    m = await member(tier_code="gold", tier_reached_at=utc(2026, 3, 10))

    assert await reviews.send_notices(utc(2027, 2, 20)) == 1  # 18 days before: the 30-day notice, late
    assert await reviews.send_notices(utc(2027, 3, 8)) == 1  # 2 days before: the 7-day one
    assert await reviews.send_notices(utc(2027, 3, 9)) == 0
    assert [n["days"] for n in await notices(m.id, "TIER_REVIEW_NOTICE")] == [30, 7]


async def test_the_tiers_job_through_the_lifecycle_entry_point_is_idempotent() -> None:
    m = await member(tier_code="diamond", tier_reached_at=utc(2026, 3, 10))
    assert await lifecycle.reevaluate_tiers(utc(2027, 3, 12)) == 1
    assert await lifecycle.reevaluate_tiers(utc(2027, 3, 12)) == 0
    assert await tier_of(m.id) == ("gold", date(2028, 3, 10))
    _ = clock

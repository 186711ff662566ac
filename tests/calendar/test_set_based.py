"""The nightly jobs are set-based: the statements a run sends do not grow with the members it handles,
and the jobs run once however many runners race for them."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import date

from server.celebrations import reward_anniversaries, reward_birthdays
from server.core import clock
from server.jobs import run_job
from server.jobs.registry import find
from server.models import LedgerEntry, LedgerKind, Member, Notification
from server.points import lifecycle, reviews
from tests.calendar.support import member, utc
from tests.calendar.test_tier_reviews import bought
from tests.points_support import assert_ledger_consistent, credit
from tests.sqlcount import count_sql


async def _statements(run: Callable[[], Awaitable[int]], expected: int) -> int:
    with count_sql() as statements:
        assert await run() == expected
    return len(statements)


async def test_birthdays_and_anniversaries_cost_the_same_statements_for_5_or_60_members() -> None:
    for _ in range(5):
        await member(birthday=date(1990, 6, 1), joined_at=utc(2020, 6, 1), timezone="UTC")
    small = await _statements(lambda: reward_birthdays(utc(2026, 6, 1, 1)), 5)
    small_anniversaries = await _statements(lambda: reward_anniversaries(utc(2026, 6, 1, 1)), 5)
    for _ in range(60):
        await member(birthday=date(1990, 6, 2), joined_at=utc(2020, 6, 2), timezone="UTC")
    large = await _statements(lambda: reward_birthdays(utc(2026, 6, 2, 1)), 60)
    large_anniversaries = await _statements(lambda: reward_anniversaries(utc(2026, 6, 2, 1)), 60)

    assert (large, large_anniversaries) == (small, small_anniversaries)


async def test_expiry_costs_the_same_statements_for_5_or_60_members_and_keeps_the_ledger_exact() -> None:
    few = [await member(timezone="UTC") for _ in range(5)]
    for m in few:
        await credit(m.id, 40, at=utc(2025, 1, 10))
        await credit(m.id, 15, at=utc(2025, 2, 10))
    small = await _statements(lambda: lifecycle.expire_all(utc(2026, 3, 1, 1)), 5)
    many = [await member(timezone="UTC") for _ in range(60)]
    for m in many:
        await credit(m.id, 40, at=utc(2025, 3, 10))
        await credit(m.id, 15, at=utc(2025, 12, 10))  # still good
    large = await _statements(lambda: lifecycle.expire_all(utc(2026, 4, 1, 1)), 60)

    assert large == small
    for m in few + many:
        await assert_ledger_consistent(m.id)
    assert (await Member.get(id=many[0].id)).balance == 15


async def test_tier_reviews_and_notices_cost_the_same_statements_for_5_or_60_members() -> None:
    async def gold(count: int, reached) -> None:
        for n in range(count):
            m = await member(tier_code="gold", tier_reached_at=reached)
            if n % 2:
                await bought(m.id, 5000, utc(2025, 12, 1))

    await gold(5, utc(2025, 6, 1))
    await reviews.review_due(utc(2025, 6, 2))  # fills the stored review days
    small_notices = await _statements(lambda: reviews.send_notices(utc(2026, 5, 20)), 3)
    small = await _statements(lambda: reviews.review_due(utc(2026, 6, 2)), 3)
    await gold(60, utc(2025, 6, 5))
    await reviews.review_due(utc(2025, 6, 6))
    large_notices = await _statements(lambda: reviews.send_notices(utc(2026, 5, 24)), 30)
    large = await _statements(lambda: reviews.review_due(utc(2026, 6, 6)), 30)

    assert (large, large_notices) == (small, small_notices)


async def test_runners_racing_for_the_tier_jobs_review_and_warn_once() -> None:
    members = [await member(tier_code="diamond", tier_reached_at=utc(2025, 11, 20)) for _ in range(12)]
    for name, at in (("tier-notices", utc(2026, 11, 15)), ("tiers", utc(2026, 11, 21, 1))):
        job = find(name)
        assert job is not None
        with clock.travel(at):
            outcomes = await asyncio.gather(*(run_job(job, holder=f"worker-{n}") for n in range(4)))
        assert sorted(o.status for o in outcomes) == ["busy"] * 3 + ["ok"]

    assert await Notification.filter(kind="TIER_REVIEW_NOTICE").count() == 12
    assert await Notification.filter(kind="TIER_DOWNGRADE").count() == 12
    assert {m.tier_code for m in await Member.filter(id__in=[m.id for m in members])} == {"gold"}


async def test_overlapping_review_runs_without_the_lease_still_decide_each_review_once() -> None:
    for _ in range(20):
        await member(tier_code="diamond", tier_reached_at=utc(2025, 11, 20))

    await asyncio.gather(*(reviews.review_due(utc(2026, 11, 21, 1)) for _ in range(3)))

    assert await Notification.filter(kind="TIER_DOWNGRADE").count() == 20
    assert set(await Member.all().values_list("tier_code", flat=True)) == {"gold"}
    assert await LedgerEntry.filter(kind=LedgerKind.BIRTHDAY).count() == 0


async def test_expiry_warnings_cost_the_same_statements_for_5_or_60_members_and_nothing_new_costs_little() -> None:
    few = [await member(timezone="UTC") for _ in range(5)]
    for m in few:
        await credit(m.id, 40, at=utc(2026, 1, 10))  # lapses at 1 Feb 2027
    small = await _statements(lambda: lifecycle.warn_expiring(utc(2027, 1, 10)), 5)
    many = [await member(timezone="UTC") for _ in range(60)]
    for m in many:
        await credit(m.id, 40, at=utc(2026, 2, 10))  # lapses at 1 Mar 2027
    large = await _statements(lambda: lifecycle.warn_expiring(utc(2027, 2, 10)), 60)
    quiet = await _statements(lambda: lifecycle.warn_expiring(utc(2027, 2, 11)), 0)

    assert large == small
    assert quiet <= 3  # the lapse instants, then one lookup each: nobody is new

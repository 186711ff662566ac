"""The snapshot: scores, segments, stages, churn risk, lifetime value and history, on constructed histories."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from server.core import clock
from server.insight import churn_watch, segment_counts, take_snapshot
from server.models import InsightSnapshot, LifecycleStage, Member, MemberInsight, Role, SegmentChange
from tests.insight.support import NOW, buy, history, member

RECENCY_DAYS = {5: 2, 4: 20, 3: 60, 2: 150, 1: 300}  # R level → days since the last purchase


async def shaped(r: int, f: int, m: int) -> Member:
    """A member whose R, F and M are level r, f, m of five: f purchases, spend 100·m, last one RECENCY_DAYS[r] ago."""
    who = await member()
    last = RECENCY_DAYS[r]
    amounts = [Decimal(100 * m) / f] * f
    for n, amount in enumerate(amounts):
        await buy(who, amount.quantize(Decimal("0.01")), last + n)
    return who


async def insight_of(who: Member) -> MemberInsight:
    return await MemberInsight.get(member_id=who.id)


# Five members per run whose R, F and M levels are each a permutation of 1–5: with five distinct
# values among five purchasers, each member's scores are exactly its levels.
RUNS = [
    [((5, 5, 5), "CHAMPIONS"), ((4, 1, 1), "PROMISING"), ((3, 2, 3), "NEED_ATTENTION"),
     ((2, 4, 4), "AT_RISK"), ((1, 3, 2), "HIBERNATING")],
    [((5, 1, 2), "NEW_CUSTOMERS"), ((4, 4, 4), "LOYAL"), ((3, 2, 1), "ABOUT_TO_SLEEP"),
     ((2, 5, 5), "CANNOT_LOSE"), ((1, 3, 3), "AT_RISK")],
    [((5, 3, 3), "POTENTIAL_LOYALISTS"), ((4, 5, 5), "LOYAL"), ((3, 4, 4), "LOYAL"),
     ((2, 1, 1), "HIBERNATING"), ((1, 2, 2), "HIBERNATING")],
]


@pytest.mark.parametrize("run", RUNS, ids=["a", "b", "c"])
async def test_each_segment_is_reached_by_its_history(run) -> None:
    members = [(await shaped(*levels), levels, segment) for levels, segment in run]
    nobody = await member()

    await take_snapshot(NOW)

    for who, (r, f, m), segment in members:
        row = await insight_of(who)
        assert (row.recency_score, row.frequency_score, row.monetary_score) == (r, f, m)
        assert row.segment.value == segment, (r, f, m)
        assert row.high_value is (m == 5)
        assert row.recency_days == RECENCY_DAYS[r]
    empty = await insight_of(nobody)
    assert (empty.segment.value, empty.recency_score, empty.frequency, empty.monetary) == (
        "NO_PURCHASES", None, 0, Decimal("0.00"))


@pytest.mark.parametrize(
    ("joined_days_ago", "purchase_days_ago", "stage"),
    [
        (10, None, "NEW"),
        (30, 3, "NEW"),
        (10, 40, "ACTIVE"),  # a back-filled purchase from before joining: no longer new
        (31, None, "CHURNED"),
        (400, 0, "ACTIVE"),
        (400, 90, "ACTIVE"),
        (400, 91, "SLEEPING"),
        (400, 180, "SLEEPING"),
        (400, 181, "AT_RISK"),
        (400, 365, "AT_RISK"),
        (400, 366, "CHURNED"),
        (800, None, "CHURNED"),
    ],
)
async def test_lifecycle_stage_boundaries(joined_days_ago, purchase_days_ago, stage) -> None:
    who = await member(joined_days_ago=joined_days_ago)
    if purchase_days_ago is not None:
        await buy(who, 50, purchase_days_ago + 0.2)  # a few hours into the day: whole days count
    await take_snapshot(NOW)
    row = await insight_of(who)
    assert row.stage.value == stage
    assert (row.segment.value == "NO_PURCHASES") == (purchase_days_ago is None or purchase_days_ago > 365)


async def test_stage_moves_with_the_clock() -> None:
    who = await history(await member(), (80, 10))
    await take_snapshot(NOW)
    assert (await insight_of(who)).stage is LifecycleStage.ACTIVE
    for days, stage in ((90, "SLEEPING"), (200, "AT_RISK"), (400, "CHURNED")):
        await take_snapshot(NOW + timedelta(days=days))
        assert (await insight_of(who)).stage.value == stage


def _scores(rows: list[MemberInsight]) -> list[int]:
    return [row.frequency_score for row in rows]


async def _frequency_scores(frequencies: list[int]) -> list[int]:
    members = []
    for n, count in enumerate(frequencies):
        who = await member()
        for k in range(count):
            await buy(who, 10 + n, 5 + k)
        members.append(who)
    await take_snapshot(NOW)
    return [(await insight_of(who)).frequency_score for who in members]


async def test_ties_share_a_score_and_few_values_still_spread() -> None:
    # four distinct values: spread evenly over 1–5 (1, 2, 4, 5); ties always share
    assert await _frequency_scores([1, 1, 1, 1, 1, 1, 2, 2, 3, 7]) == [1, 1, 1, 1, 1, 1, 2, 2, 4, 5]


async def test_a_heavily_tied_bottom_does_not_push_the_next_value_to_the_top() -> None:
    # five distinct values, 60 % bought once: quintiles of the rank, capped at the how-many-th value
    assert await _frequency_scores([1, 1, 1, 1, 1, 1, 2, 3, 4, 5]) == [1, 1, 1, 1, 1, 1, 2, 3, 4, 5]


async def test_quintiles_on_many_distinct_values() -> None:
    assert await _frequency_scores(list(range(1, 11))) == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]


async def test_small_programmes() -> None:
    assert await _frequency_scores([2]) == [3]  # one buyer: the middle
    await MemberInsight.all().delete()
    await Member.all().delete()
    assert await _frequency_scores([1, 4]) == [1, 5]
    await Member.all().delete()
    assert await _frequency_scores([3, 3, 3]) == [3, 3, 3]


async def test_churn_risk_follows_the_members_own_rhythm() -> None:
    weekly_quiet = await history(await member(), (20, 30), (20, 37), (20, 44), (20, 51))
    monthly_quiet = await history(await member(), (20, 30), (20, 60), (20, 90), (20, 120))
    monthly_just_bought = await history(await member(), (20, 1), (20, 31), (20, 61))
    monthly_long_gone = await history(await member(), (20, 150), (20, 180), (20, 210))
    once_recent = await history(await member(), (20, 5))
    once_old = await history(await member(), (20, 200))
    nothing = await member()
    await take_snapshot(NOW)
    risk = {who.id: (await insight_of(who)).churn_risk for who in (
        weekly_quiet, monthly_quiet, monthly_just_bought, monthly_long_gone, once_recent, once_old, nothing)}
    assert risk[monthly_just_bought.id] < risk[monthly_quiet.id] < risk[weekly_quiet.id] < risk[monthly_long_gone.id]
    assert risk[once_recent.id] < risk[once_old.id] < risk[nothing.id] == 1.0
    assert all(0 <= value <= 1 for value in risk.values())
    # one rhythm overdue is 0.2, twice overdue 0.5 (monthly: mean gap 30 days)
    assert risk[monthly_quiet.id] == pytest.approx(0.2)
    snapshot = await InsightSnapshot.all().first()
    assert snapshot.median_gap_days == pytest.approx(30)  # one-purchase members' rhythm: 7, 30, 30, 30 → 30


async def test_lifetime_value_by_hand() -> None:
    settled = await history(await member(joined_days_ago=400), (100, 10), (300, 100))
    recent = await history(await member(joined_days_ago=73), (120, 3), (80, 50))
    partly_refunded = await member(joined_days_ago=400)
    await buy(partly_refunded, 100, 10, refunded=40)
    await buy(partly_refunded, 500, 20, refunded=500)  # refunded in full: no purchase at all
    await take_snapshot(NOW)
    # AOV × purchases a year × lifespan 3 × margin 0.30
    assert (await insight_of(settled)).lifetime_value == Decimal("360.00")  # 200 × 2 × 3 × 0.3
    assert (await insight_of(recent)).lifetime_value == Decimal("900.00")  # 100 × (2 × 365/73) × 3 × 0.3
    row = await insight_of(partly_refunded)
    assert (row.frequency, row.monetary, row.lifetime_value) == (1, Decimal("60.00"), Decimal("54.00"))


async def test_late_reports_count_where_they_belong() -> None:
    who = await member()
    await buy(who, 50, 200)
    await take_snapshot(NOW)
    assert (await insight_of(who)).recency_days == 200
    # reported late (created now) but dated by occurredAt: recency follows the purchase date
    purchase = await buy(who, 70, 100)
    purchase.created_at = NOW
    await purchase.save()
    await take_snapshot(NOW + timedelta(hours=1))
    row = await insight_of(who)
    assert (row.recency_days, row.frequency, row.monetary) == (100, 2, Decimal("120.00"))


async def test_moves_are_kept_as_segment_changes_and_feed_the_churn_watch() -> None:
    staff = await member(role=Role.STAFF)
    big = await history(await member(name="Big Spender"), (900, 40), (900, 60), (900, 80))
    small = await history(await member(name="Small Spender"), (10, 50))
    steady = await history(await member(name="Steady"), (50, 5), (50, 35), (50, 65))
    await take_snapshot(NOW)
    assert await SegmentChange.all().count() == 0

    # 150 days on: big and small slip (ACTIVE → AT_RISK), steady keeps buying
    later = NOW + timedelta(days=150)
    await history(steady, (50, 1), (50, 31), (50, 61), now=later)
    second = await take_snapshot(later)
    moves = {c.member_id: c for c in await SegmentChange.filter(snapshot_id=second.snapshot.id)}
    assert moves[big.id].from_stage is LifecycleStage.ACTIVE and moves[big.id].to_stage is LifecycleStage.AT_RISK
    assert moves[small.id].to_stage is LifecycleStage.AT_RISK
    assert steady.id not in moves or moves[steady.id].to_stage is LifecycleStage.ACTIVE

    snapshot, warnings, total = await churn_watch(staff)
    assert snapshot.id == second.snapshot.id
    assert [w.member.id for w in warnings][:2] == [big.id, small.id]  # high value first
    assert warnings[0].change.high_value and total == len(warnings)
    assert steady.id not in {w.member.id for w in warnings}

    # nothing moved since: the next snapshot's watch list is empty, the history stays
    await take_snapshot(later + timedelta(hours=2))
    assert (await churn_watch(staff))[2] == 0
    assert await SegmentChange.filter(member_id=big.id).count() >= 1


async def test_counts_add_up_to_every_account() -> None:
    staff = await member(role=Role.STAFF)
    await history(await member(), (10, 3))
    await history(await member(), (10, 200))
    await member(joined_days_ago=5)
    await member(joined_days_ago=100)
    assert await segment_counts(staff) is None  # before the first snapshot
    await take_snapshot(NOW)
    await member(joined_days_ago=0)  # joined after the snapshot: NO_PURCHASES and NEW
    with clock.travel(NOW):
        counts = await segment_counts(staff)
    total = await Member.all().count()
    assert sum(c.members for c in counts.segments) == total == sum(c.members for c in counts.stages) == 6
    assert {c.segment.value for c in counts.segments} >= {"CHAMPIONS", "NO_PURCHASES"}
    no_purchases = next(c for c in counts.segments if c.segment.value == "NO_PURCHASES")
    assert no_purchases.members == 4 and no_purchases.average_lifetime_value == Decimal("0.00")
    new = next(c for c in counts.stages if c.stage.value == "NEW")
    assert new.members == 2


async def test_analysts_read_counts_members_do_not() -> None:
    from server.core.errors import DomainError

    await take_snapshot(NOW)
    analyst = await member(role=Role.ANALYST)
    assert await segment_counts(analyst) is not None
    with pytest.raises(DomainError):
        await segment_counts(await member())
    with pytest.raises(DomainError):
        await churn_watch(await member())

"""Reading the latest snapshot: one member's insight, counts per segment and stage, the churn watch.

Counts cover every account: a member the latest snapshot has not seen (joined since) has no insight
row yet and is counted as the member directory counts them, NO_PURCHASES and NEW (or CHURNED once
joined more than 30 days ago), so segment and stage counts each add up to the member count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from server.accounts import roles
from server.accounts.directory import NEW_MEMBER_DAYS
from server.core import clock
from server.core.prepared import Statement
from server.models import InsightSnapshot, LifecycleStage, Member, MemberInsight, RfmSegment, SegmentChange

CHURN_STAGES = (LifecycleStage.AT_RISK, LifecycleStage.CHURNED)
CENT = Decimal("0.01")


@dataclass(frozen=True)
class SegmentCount:
    segment: RfmSegment
    members: int
    average_lifetime_value: Decimal


@dataclass(frozen=True)
class StageCount:
    stage: LifecycleStage
    members: int
    average_lifetime_value: Decimal


@dataclass(frozen=True)
class SegmentCounts:
    computed_at: datetime
    segments: list[SegmentCount]
    stages: list[StageCount]

    @property
    def members(self) -> int:
        return sum(count.members for count in self.segments)


async def latest_snapshot() -> InsightSnapshot | None:
    return await InsightSnapshot.all().order_by("-id").first()


async def member_insight(member_id: int) -> MemberInsight | None:
    """The member's latest insight row; None before the first snapshot that saw them."""
    return await MemberInsight.get_or_none(member_id=member_id)


async def insights_of(member_ids: list[int]) -> dict[int, MemberInsight]:
    return {row.member_id: row for row in await MemberInsight.filter(member_id__in=member_ids)}


# One pass over the members: (segment, stage) pairs with their count and lifetime-value total.
GROUPS = Statement(
    "SELECT COALESCE(i.segment, 'NO_PURCHASES'), "
    "COALESCE(i.stage, CASE WHEN m.joined_at >= ? THEN 'NEW' ELSE 'CHURNED' END), COUNT(*), "
    "SUM(COALESCE(i.lifetime_value, 0)) "
    "FROM member m LEFT JOIN member_insight i ON i.member_id = m.id GROUP BY 1, 2"
)


def _average(total: Decimal, count: int) -> Decimal:
    return (total / count).quantize(CENT) if count else Decimal("0.00")


async def segment_counts(actor: Member | None) -> SegmentCounts | None:
    """Members per segment and per stage (every value listed, zeros included); None before any snapshot."""
    roles.require_reader(actor)
    snapshot = await latest_snapshot()
    if snapshot is None:
        return None
    by_segment = {segment: [0, Decimal(0)] for segment in RfmSegment}
    by_stage = {stage: [0, Decimal(0)] for stage in LifecycleStage}
    new_since = clock.now() - timedelta(days=NEW_MEMBER_DAYS)
    for segment, stage, count, total in await GROUPS.all(new_since):
        value = Decimal(str(total or 0))
        for bucket in (by_segment[RfmSegment(segment)], by_stage[LifecycleStage(stage)]):
            bucket[0] += int(count)
            bucket[1] += value
    return SegmentCounts(
        computed_at=snapshot.taken_at,
        segments=[SegmentCount(s, n, _average(t, n)) for s, (n, t) in by_segment.items()],
        stages=[StageCount(s, n, _average(t, n)) for s, (n, t) in by_stage.items()],
    )


@dataclass(frozen=True)
class ChurnWarning:
    change: SegmentChange
    member: Member
    insight: MemberInsight | None


# Moves into a churn stage, or into the AT_RISK segment, at one snapshot; most valuable first.
CHURN_MOVES = """
    FROM segment_change c LEFT JOIN member_insight i ON i.member_id = c.member_id
    WHERE c.snapshot_id = ?
      AND ((c.to_stage IN ('AT_RISK', 'CHURNED') AND c.from_stage <> c.to_stage)
           OR (c.to_segment = 'AT_RISK' AND c.from_segment <> 'AT_RISK'))
"""
CHURN_PAGE = Statement(
    "SELECT c.id" + CHURN_MOVES
    + "ORDER BY c.high_value DESC, CAST(COALESCE(i.lifetime_value, 0) AS DOUBLE PRECISION) DESC, c.member_id "
    "LIMIT ?"
)
CHURN_TOTAL = Statement("SELECT COUNT(*)" + CHURN_MOVES)


async def churn_watch(actor: Member | None, limit: int = 200) -> tuple[InsightSnapshot | None, list[ChurnWarning], int]:
    """Members who moved into the AT_RISK or CHURNED stage, or into the AT_RISK segment, at the latest
    snapshot: high-value members first, then by lifetime value. Returns the snapshot, the first
    ``limit`` warnings and how many there are in all."""
    roles.require_reader(actor)
    snapshot = await latest_snapshot()
    if snapshot is None:
        return None, [], 0
    ids = [row[0] for row in await CHURN_PAGE.all(snapshot.id, limit)]
    total = (await CHURN_TOTAL.one(snapshot.id))[0]
    changes = {c.id: c for c in await SegmentChange.filter(id__in=ids).select_related("member")} if ids else {}
    insights = await insights_of([c.member_id for c in changes.values()])
    warnings = [ChurnWarning(changes[i], changes[i].member, insights.get(changes[i].member_id)) for i in ids]
    return snapshot, warnings, int(total)

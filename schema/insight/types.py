"""GraphQL types of member insight: a member's RFM figures, counts per segment and stage, churn warnings."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import strawberry

from schema.insight.enums import LifecycleStage, RfmSegment
from server import insight
from server.models import MemberInsight as MemberInsightRow

if TYPE_CHECKING:
    from schema.accounts.types import Member


@strawberry.type(
    description="A member's figures from the latest insight snapshot (purchases of the trailing 365 days)."
)
class MemberInsight:
    recency_days: int | None = strawberry.field(
        description="Whole days since the last purchase in the window; null with none."
    )
    frequency: int = strawberry.field(description="Purchases in the window (fully refunded ones do not count).")
    monetary: Decimal = strawberry.field(description="Spend in the window, net of refunds.")
    recency_score: int | None = strawberry.field(description="1–5; null with no purchase in the window.")
    frequency_score: int | None = strawberry.field(description="1–5; null with no purchase in the window.")
    monetary_score: int | None = strawberry.field(description="1–5; null with no purchase in the window.")
    segment: RfmSegment = strawberry.field(description="The RFM segment (R × F/M average grid).")
    stage: LifecycleStage = strawberry.field(description="The lifecycle stage.")
    high_value: bool = strawberry.field(description="Monetary score 5.")
    churn_risk: float = strawberry.field(
        description="0–1: chance of lapsing within 90 days, from days since last purchase against the member's "
        "own purchase rhythm."
    )
    lifetime_value: Decimal = strawberry.field(description="Estimated lifetime value in the programme currency.")
    computed_at: datetime = strawberry.field(description="When the snapshot was taken.")


def insight_type(row: MemberInsightRow) -> MemberInsight:
    return MemberInsight(
        recency_days=row.recency_days,
        frequency=row.frequency,
        monetary=row.monetary,
        recency_score=row.recency_score,
        frequency_score=row.frequency_score,
        monetary_score=row.monetary_score,
        segment=row.segment,
        stage=row.stage,
        high_value=row.high_value,
        churn_risk=row.churn_risk,
        lifetime_value=row.lifetime_value,
        computed_at=row.computed_at,
    )


@strawberry.type(description="Members in one RFM segment.")
class SegmentCount:
    segment: RfmSegment = strawberry.field(description="The segment.")
    members: int = strawberry.field(description="How many members are in it.")
    average_lifetime_value: Decimal = strawberry.field(description="Their average estimated lifetime value.")


@strawberry.type(description="Members in one lifecycle stage.")
class StageCount:
    stage: LifecycleStage = strawberry.field(description="The stage.")
    members: int = strawberry.field(description="How many members are in it.")
    average_lifetime_value: Decimal = strawberry.field(description="Their average estimated lifetime value.")


@strawberry.type(
    description="Members per segment and per stage from the latest snapshot; each list covers every account "
    "(members who joined since the snapshot count as NO_PURCHASES and NEW), so each adds up to the member count."
)
class SegmentCounts:
    computed_at: datetime = strawberry.field(description="When the snapshot was taken.")
    segments: list[SegmentCount] = strawberry.field(description="Every segment, NO_PURCHASES included, zeros too.")
    stages: list[StageCount] = strawberry.field(description="Every stage, zeros too.")


def counts_type(found: insight.SegmentCounts) -> SegmentCounts:
    return SegmentCounts(
        computed_at=found.computed_at,
        segments=[SegmentCount(segment=c.segment, members=c.members, average_lifetime_value=c.average_lifetime_value)
                  for c in found.segments],
        stages=[StageCount(stage=c.stage, members=c.members, average_lifetime_value=c.average_lifetime_value)
                for c in found.stages],
    )


@strawberry.type(description="A member who moved into the AT_RISK or CHURNED stage, or the AT_RISK segment.")
class ChurnWarning:
    member: Annotated[Member, strawberry.lazy("schema.accounts.types")] = strawberry.field(
        description="The member."
    )
    from_segment: RfmSegment = strawberry.field(description="The segment at the snapshot before.")
    to_segment: RfmSegment = strawberry.field(description="The segment now.")
    from_stage: LifecycleStage = strawberry.field(description="The stage at the snapshot before.")
    to_stage: LifecycleStage = strawberry.field(description="The stage now.")
    high_value: bool = strawberry.field(description="Monetary score 5 at the latest snapshot.")
    lifetime_value: Decimal = strawberry.field(description="Estimated lifetime value at the latest snapshot.")
    churn_risk: float = strawberry.field(description="Churn risk (0–1) at the latest snapshot.")
    changed_at: datetime = strawberry.field(description="The snapshot that saw the move.")


@strawberry.type(description="The churn early-warning list of the latest snapshot.")
class ChurnWatch:
    computed_at: datetime = strawberry.field(description="When the latest snapshot was taken.")
    total_count: int = strawberry.field(description="How many members moved in all.")
    warnings: list[ChurnWarning] = strawberry.field(
        description="High-value members first, then by lifetime value (at most `first`)."
    )


def churn_watch_type(snapshot, warnings: list[insight.ChurnWarning], total: int) -> ChurnWatch:
    from schema.accounts.types import member_type

    return ChurnWatch(
        computed_at=snapshot.taken_at,
        total_count=total,
        warnings=[
            ChurnWarning(
                member=member_type(w.member),
                from_segment=w.change.from_segment,
                to_segment=w.change.to_segment,
                from_stage=w.change.from_stage,
                to_stage=w.change.to_stage,
                high_value=w.change.high_value,
                lifetime_value=w.insight.lifetime_value if w.insight else Decimal("0.00"),
                churn_risk=w.insight.churn_risk if w.insight else 1.0,
                changed_at=w.change.changed_at,
            )
            for w in warnings
        ],
    )

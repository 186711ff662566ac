"""Insight queries: counts per segment and stage, the churn watch (staff and analysts)."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from schema.insight.types import ChurnWatch, SegmentCounts, churn_watch_type, counts_type
from schema.permissions import is_reader, require_reader
from server import insight

MAX_WARNINGS = 500


@strawberry.type
class InsightQuery:
    @strawberry.field(
        description="Staff: members per segment and per lifecycle stage, from the latest insight snapshot; "
        "null before the first snapshot and for anyone but staff and analysts."
    )
    async def segment_counts(self, info: Info) -> SegmentCounts | None:
        if not is_reader(info):
            return None
        found = await insight.segment_counts(require_reader(info))
        return counts_type(found) if found else None

    @strawberry.field(
        description="Staff and analysts: members who moved into the AT_RISK or CHURNED stage, or into the AT_RISK "
        "segment, at the latest snapshot (the churn early warning); null before the first snapshot and for "
        "anyone else."
    )
    async def churn_watch(
        self,
        info: Info,
        first: Annotated[int, strawberry.argument(description=f"At most this many, 1 to {MAX_WARNINGS}.")] = 100,
    ) -> ChurnWatch | None:
        if not is_reader(info):
            return None
        snapshot, warnings, total = await insight.churn_watch(require_reader(info), max(1, min(first, MAX_WARNINGS)))
        return churn_watch_type(snapshot, warnings, total) if snapshot else None

"""Batch loader for Member.insight: a page of members costs one query for their insight rows."""

from __future__ import annotations

from collections.abc import Sequence

from schema.dataloaders import batch
from server import insight
from server.models import MemberInsight


@batch("insight.member")
async def load_insights(member_ids: Sequence[int]) -> list[MemberInsight | None]:
    rows = await insight.insights_of(list(set(member_ids)))
    return [rows.get(member_id) for member_id in member_ids]

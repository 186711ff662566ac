"""The insight part of a member's data: their latest RFM figures, segment and stage, and their moves.

Erasing keeps them, like the purchases they are computed from: they are programme figures
(segment counts, KPIs), and once the account is anonymised they no longer say whose they were.
"""

from __future__ import annotations

from typing import Any

from server.accounts.data_rights import data_part
from server.models import Member, MemberInsight, SegmentChange


@data_part("insight", order=60)
class Insight:
    @staticmethod
    async def export(member: Member) -> dict[str, Any]:
        row = await MemberInsight.get_or_none(member_id=member.id)
        latest = None if row is None else {
            "computedAt": row.computed_at,
            "recencyDays": row.recency_days,
            "frequency": row.frequency,
            "monetary": str(row.monetary),
            "scores": {"recency": row.recency_score, "frequency": row.frequency_score,
                       "monetary": row.monetary_score},
            "segment": row.segment.value,
            "stage": row.stage.value,
            "highValue": row.high_value,
            "churnRisk": row.churn_risk,
            "lifetimeValue": str(row.lifetime_value),
        }
        moves = await SegmentChange.filter(member_id=member.id).order_by("changed_at", "id")
        return {
            "latest": latest,
            "moves": [
                {"at": move.changed_at, "fromSegment": move.from_segment.value, "toSegment": move.to_segment.value,
                 "fromStage": move.from_stage.value, "toStage": move.to_stage.value}
                for move in moves
            ],
        }

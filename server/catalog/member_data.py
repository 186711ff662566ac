"""The catalog part of a member's data: redemptions (kept on erasure: the points spent stay counted)."""

from __future__ import annotations

from typing import Any

from server.accounts.data_rights import data_part
from server.models import Member, Redemption


@data_part("redemptions", order=20)
class Redemptions:
    @staticmethod
    async def export(member: Member) -> list[dict[str, Any]]:
        rows = await Redemption.filter(member_id=member.id).select_related("benefit").order_by("id")
        return [
            {
                "benefit": row.benefit.title,
                "benefitSlug": row.benefit.slug,
                "quantity": row.quantity,
                "pointsSpent": row.points_spent,
                "status": row.status,
                "voucherCode": row.voucher_code,
                "at": row.created_at,
                "usedAt": row.used_at,
                "cancelledAt": row.cancelled_at,
            }
            for row in rows
        ]

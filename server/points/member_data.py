"""The points part of a member's data: the ledger and the purchases partners reported.

Erasing keeps both: they are the programme's figures (balances, liabilities, KPIs), and once
the account is anonymised they no longer say whose they were.
"""

from __future__ import annotations

from typing import Any

from server.accounts.data_rights import data_part
from server.models import LedgerEntry, Member, Purchase


@data_part("ledger", order=10)
class Ledger:
    @staticmethod
    async def export(member: Member) -> list[dict[str, Any]]:
        rows = await LedgerEntry.filter(member_id=member.id).order_by("id")
        return [
            {
                "at": row.created_at,
                "kind": row.kind,
                "points": row.delta,
                "balanceAfter": row.balance_after,
                "description": row.description,
                "reference": row.reference,
                "expiresAt": row.expires_at,
            }
            for row in rows
        ]


@data_part("purchases", order=11)
class Purchases:
    @staticmethod
    async def export(member: Member) -> list[dict[str, Any]]:
        rows = await Purchase.filter(member_id=member.id).select_related("partner").order_by("occurred_at", "id")
        return [
            {
                "partner": row.partner.name,
                "orderId": row.order_id,
                "amount": row.amount,
                "refundedAmount": row.refunded_amount,
                "pointsEarned": row.points_earned,
                "pointsRefunded": row.points_refunded,
                "items": row.subjects,
                "at": row.occurred_at,
            }
            for row in rows
        ]

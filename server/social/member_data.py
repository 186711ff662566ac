"""The social part of a member's data: reviews, referrals and check-ins.

Erasing keeps them: once the account is anonymised a review is shown as "Former member"'s
(``server.accounts.public_names``), and referral and check-in rows count in programme figures.
"""

from __future__ import annotations

from typing import Any

from tortoise.expressions import Q

from server.accounts.data_rights import data_part
from server.accounts.public_names import public_name
from server.models import CheckIn, Member, Referral, Review


@data_part("reviews", order=30)
class Reviews:
    @staticmethod
    async def export(member: Member) -> list[dict[str, Any]]:
        rows = await Review.filter(member_id=member.id).order_by("id")
        return [
            {
                "subject": row.subject,
                "rating": row.rating,
                "title": row.title,
                "body": row.body,
                "status": row.status,
                "verifiedPurchase": row.verified_purchase,
                "helpfulVotes": row.helpful_count,
                "at": row.created_at,
            }
            for row in rows
        ]


@data_part("referrals", order=31)
class Referrals:
    @staticmethod
    async def export(member: Member) -> dict[str, Any]:
        rows = (
            await Referral.filter(Q(referrer_id=member.id) | Q(referee_id=member.id))
            .select_related("referrer", "referee")
            .order_by("id")
        )
        made = [
            {"friend": public_name(row.referee), "status": row.status, "at": row.created_at}
            for row in rows
            if row.referrer_id == member.id
        ]
        joined = next((row for row in rows if row.referee_id == member.id), None)
        return {
            "friendsReferred": made,
            "referredBy": (
                {
                    "by": public_name(joined.referrer) if joined.referrer is not None else "partner invitation",
                    "status": joined.status,
                    "at": joined.created_at,
                }
                if joined is not None
                else None
            ),
        }


@data_part("checkIns", order=32)
class CheckIns:
    @staticmethod
    async def export(member: Member) -> list[dict[str, Any]]:
        rows = await CheckIn.filter(member_id=member.id).order_by("day")
        return [{"day": row.day, "streak": row.streak, "points": row.points} for row in rows]

"""The campaigns part of a member's data: the campaign points awarded (and taken back).

Erasing keeps the awards: they are campaign results and budget spent, and once the account is
anonymised they no longer say whose they were.
"""

from __future__ import annotations

from typing import Any

from server.accounts.data_rights import data_part
from server.models import Member
from server.models.campaigns import CampaignAward


@data_part("campaignAwards", order=60)
class CampaignAwards:
    @staticmethod
    async def export(member: Member) -> list[dict[str, Any]]:
        rows = await CampaignAward.filter(member_id=member.id).select_related("campaign").order_by("id")
        return [
            {"campaign": row.campaign.name, "points": row.points, "for": row.reference, "at": row.created_at}
            for row in rows
        ]

"""Reading campaigns for the back office: the list, one campaign, members reached, next windows."""

from __future__ import annotations

from datetime import datetime

from tortoise.functions import Count
from tortoise.queryset import QuerySet

from server.accounts import roles
from server.campaigns import schedule
from server.core import clock
from server.models import Campaign, CampaignAward, CampaignStatus, Member
from server.points.program import get_program


def listing(actor: Member | None, status: CampaignStatus | None = None) -> QuerySet[Campaign]:
    """Campaigns (staff and analysts), newest first when paged by id."""
    roles.require_reader(actor)
    query = Campaign.all()
    if status is not None:
        query = query.filter(status=CampaignStatus(getattr(status, "value", status)))
    return query


async def get(actor: Member | None, campaign_id: int) -> Campaign | None:
    roles.require_reader(actor)
    return await Campaign.get_or_none(id=campaign_id)


async def reach(campaign_ids: list[int]) -> dict[int, int]:
    """Distinct members each campaign gave points to (one grouped statement)."""
    found = {campaign_id: 0 for campaign_id in campaign_ids}
    if not campaign_ids:
        return found
    rows = (
        await CampaignAward.filter(campaign_id__in=campaign_ids, points__gt=0)
        .annotate(members=Count("member_id", distinct=True))
        .group_by("campaign_id")
        .values_list("campaign_id", "members")
    )
    for campaign_id, members in rows:
        found[campaign_id] = int(members)
    return found


def upcoming(campaign: Campaign, zone_name: str | None = None, at: datetime | None = None, limit: int = 5):
    """The current and next windows (up to 5) in ``zone_name`` (the programme's zone by default)."""
    if campaign.status is CampaignStatus.ENDED:
        return []
    return schedule.upcoming(
        campaign.recurrence, campaign.starts_at, campaign.ends_at, zone_name or get_program().time_zone,
        at or clock.now(), limit,
    )

"""The demo's campaign: a member day on the 8th of every month with double points."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from server.campaigns import editing
from server.core import clock
from server.models import Campaign, CampaignStatus, CampaignTrigger

MEMBER_DAY = "Member day"


async def load_campaigns() -> list[str]:
    """Create the member-day campaign (active) unless it is there already."""
    found = await Campaign.get_or_none(name=MEMBER_DAY)
    if found is None:
        now = clock.now()
        values = editing.validate(editing.CampaignDraft(
            name=MEMBER_DAY, trigger=CampaignTrigger.PURCHASE, recurrence="FREQ=MONTHLY;BYMONTHDAY=8",
            starts_at=datetime(now.year, 1, 1, tzinfo=UTC), multiplier=Decimal("2"), budget_points=100_000,
            per_member_cap=2_000,
        ))
        found = await Campaign.create(
            **values, status=CampaignStatus.ACTIVE, activated_at=now, created_at=now, updated_at=now
        )
        return [f"Demo campaign: {MEMBER_DAY} on the 8th, double points (created, active)"]
    return [f"Demo campaign: {MEMBER_DAY} ({found.status.value.lower()}, already there)"]

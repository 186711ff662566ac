"""Who a campaign is for: tiers, RFM segments and lifecycle stages, minus the held-out control group.

Segments and stages are the latest insight snapshot's (``member_insight``); a member without a
snapshot row belongs to no segment and no stage, so only campaigns without those filters reach
them. Empty filters mean everyone.

The holdout is a hash of (campaign, member): the same member is always in or always out of the
same campaign, whichever process asks and however often, and a different campaign draws its
own control group.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from server.models import Campaign, MemberInsight


def held_out(campaign_id: int, member_id: int, holdout_percent: int) -> bool:
    """Whether the member is in the campaign's control group (deterministic, 0.01% steps)."""
    if holdout_percent <= 0:
        return False
    digest = hashlib.sha256(f"campaign:{campaign_id}:member:{member_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % 10_000 < holdout_percent * 100


@dataclass(frozen=True)
class Profile:
    """What the audience rules look at for one member."""

    member_id: int
    tier_code: str
    segment: str | None
    stage: str | None


def needs_insight(campaigns: list[Campaign]) -> bool:
    return any(c.segments or c.stages for c in campaigns)


async def profile(member_id: int, tier_code: str, with_insight: bool) -> Profile:
    segment = stage = None
    if with_insight:
        row = await MemberInsight.filter(member_id=member_id).values("segment", "stage")
        if row:
            segment, stage = _value(row[0]["segment"]), _value(row[0]["stage"])
    return Profile(member_id, tier_code, segment, stage)


def _value(raw: object) -> str:
    return getattr(raw, "value", raw)  # type: ignore[return-value]


def in_audience(campaign: Campaign, who: Profile) -> bool:
    """Whether the filters take the member in (the holdout is checked separately)."""
    if campaign.tier_codes and who.tier_code not in campaign.tier_codes:
        return False
    if campaign.segments and who.segment not in campaign.segments:
        return False
    return not (campaign.stages and who.stage not in campaign.stages)


def treated(campaign: Campaign, who: Profile) -> bool:
    """In the audience and not held out: the campaign gives to this member."""
    return in_audience(campaign, who) and not held_out(campaign.id, who.member_id, campaign.holdout_percent)

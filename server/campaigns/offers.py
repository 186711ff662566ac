"""What a member is offered: active campaigns for them now or within 7 days, with a headline.

Held-out members are not offered the campaign (they get nothing from it), nor members outside
its audience. The headline is worded in the member's language from the campaign's name, its
day of the month for a member day, and what it gives ("Member day on the 8th: double points").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from server.campaigns import audience, schedule
from server.core import clock
from server.models import Campaign, CampaignStatus, CampaignTrigger, Member

HORIZON = timedelta(days=7)
_MONTH_DAY = re.compile(r"(?:^|;)FREQ=MONTHLY(?:;|$)", re.I)
_BY_MONTH_DAY = re.compile(r"(?:^|;)BYMONTHDAY=(\d{1,2})(?:;|$)", re.I)
_MULTIPLES = {
    "en": {2: "double points", 3: "triple points"},
    "zh-CN": {2: "双倍积分", 3: "三倍积分"},
}


@dataclass(frozen=True)
class Offer:
    campaign: Campaign
    starts_at: datetime
    ends_at: datetime
    headline: str


def _ordinal(day: int) -> str:
    suffix = "th" if 10 <= day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def _month_day(campaign: Campaign) -> int | None:
    rule = (campaign.recurrence or "").replace(" ", "")
    found = _BY_MONTH_DAY.search(rule)
    return int(found.group(1)) if found and _MONTH_DAY.search(rule) else None


def _gift(campaign: Campaign, locale: str) -> str:
    zh = locale == "zh-CN"
    parts: list[str] = []
    multiplier = campaign.multiplier
    if multiplier is not None and multiplier > 1:
        whole = int(multiplier) if multiplier == multiplier.to_integral_value() else None
        named = _MULTIPLES["zh-CN" if zh else "en"].get(whole or 0)
        text = f"{multiplier.normalize() if isinstance(multiplier, Decimal) else multiplier}"
        parts.append(named or (f"{text} 倍积分" if zh else f"{text}× points"))
    if campaign.bonus_points:
        points = campaign.bonus_points
        if campaign.trigger is CampaignTrigger.GRANT:
            parts.append(f"{points} 积分礼物" if zh else f"a gift of {points} points")
        elif campaign.trigger is CampaignTrigger.CHECK_IN:
            parts.append(f"签到额外 +{points} 积分" if zh else f"+{points} points for checking in")
        else:
            parts.append(f"消费额外 +{points} 积分" if zh else f"+{points} bonus points")
    return ("，" if zh else " and ").join(parts)


def headline(campaign: Campaign, locale: str) -> str:
    """The offer in one line, in ``locale`` (en or zh-CN)."""
    zh = locale == "zh-CN"
    name = campaign.name
    day = _month_day(campaign)
    if day is not None:
        name = f"{name}（每月 {day} 日）" if zh else f"{name} on the {_ordinal(day)}"
    gift = _gift(campaign, locale)
    if campaign.min_amount is not None:
        gift += f"（满 {campaign.min_amount} 元）" if zh else f" on {campaign.min_amount} or more"
    return f"{name}：{gift}" if zh else f"{name}: {gift}"


async def for_member(member: Member, at: datetime | None = None) -> list[Offer]:
    """Offers now or within 7 days, soonest first."""
    at = at or clock.now()
    campaigns = await Campaign.filter(status=CampaignStatus.ACTIVE).order_by("id")
    if not campaigns:
        return []
    who = await audience.profile(member.id, member.tier_code, audience.needs_insight(campaigns))
    offers: list[Offer] = []
    for campaign in campaigns:
        if not audience.treated(campaign, who):
            continue
        if campaign.trigger is CampaignTrigger.GRANT:
            continue  # a gift arrives by itself (with a notification); there is nothing to act on
        nxt = schedule.upcoming(
            campaign.recurrence, campaign.starts_at, campaign.ends_at, member.timezone, at, limit=1
        )
        if nxt and nxt[0][0] < at + HORIZON:
            start, end = nxt[0]
            offers.append(Offer(campaign, start, end, headline(campaign, member.locale)))
    offers.sort(key=lambda offer: (offer.starts_at, offer.campaign.id))
    return offers

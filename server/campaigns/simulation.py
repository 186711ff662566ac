"""What a draft campaign would have done over the last N days of real purchases and check-ins.

The draft is validated like a real one, then replayed in time order against what members really
did: its audience (today's tiers, segments and stages), the holdout, the minimum amount, its
windows in each member's time zone (a recurring draft's series is taken as running over the
whole replayed period, whatever its startsAt; a one-off window as covering it), the stacking
of its multiplier on each purchase's own points, the per-member cap and the budget. A GRANT
draft counts its audience minus the holdout. Nothing is written.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_FLOOR, Decimal

from server.accounts import roles
from server.campaigns import audience, editing, schedule
from server.campaigns.grants import audience_query
from server.core import clock
from server.core.errors import invalid
from server.models import Campaign, CheckIn, Member, MemberInsight, Purchase
from server.points.program import get_program

MAX_DAYS = 365
SIMULATION_ID = 0  # the draft's holdout hash: a draft has no id yet, so the draw differs once saved


@dataclass(frozen=True)
class Simulation:
    members_reached: int
    points_cost: int
    budget_exhausted_on: date | None


async def simulate(
    actor: Member | None, draft: editing.CampaignDraft, days: int, campaign_id: int | None = None
) -> Simulation:
    roles.require_reader(actor)
    if not 1 <= days <= MAX_DAYS:
        raise invalid("days", "Simulate 1 to {maximum} days.", maximum=MAX_DAYS)
    values = editing.validate(draft)
    campaign = Campaign(id=campaign_id or SIMULATION_ID, **values)
    now = clock.now()
    since = now - timedelta(days=days)
    program = get_program()
    zone = schedule.zone_of(program.time_zone)
    if campaign.trigger.value == "GRANT":
        return await _grant(campaign, now, zone)
    events = await _events(campaign, since, now)
    if not events:
        return Simulation(0, 0, None)
    rows = await Member.filter(id__in={e[1] for e in events}).values("id", "timezone", "tier_code")
    members = {row["id"]: row for row in rows}
    insight = {}
    if campaign.segments or campaign.stages:
        for row in await MemberInsight.filter(member_id__in=list(members)).values("member_id", "segment", "stage"):
            insight[row["member_id"]] = row
    # The series runs over the whole period: the draft's own bounds are for the future.
    series_start, series_end = (since - timedelta(days=1), None) if campaign.recurrence else (since, None)
    given_to: dict[int, int] = defaultdict(int)
    spent = 0
    exhausted: date | None = None
    for when, member_id, points, amount in events:
        member = members.get(member_id)
        if member is None:
            continue
        seen = insight.get(member_id, {})
        who = audience.Profile(
            member_id, member["tier_code"],
            _plain(seen.get("segment")), _plain(seen.get("stage")),
        )
        if not audience.treated(campaign, who):
            continue
        if amount is not None and campaign.min_amount is not None and amount < campaign.min_amount:
            continue
        if schedule.window_at(campaign.recurrence, series_start, series_end, member["timezone"], when) is None:
            continue
        wanted = campaign.bonus_points or 0
        if campaign.multiplier is not None and campaign.multiplier > 1:
            wanted += int((Decimal(points) * campaign.multiplier).to_integral_value(rounding=ROUND_FLOOR)) - points
        if campaign.per_member_cap is not None:
            wanted = min(wanted, campaign.per_member_cap - given_to[member_id])
        if campaign.budget_points is not None:
            wanted = min(wanted, campaign.budget_points - spent)
        if wanted <= 0:
            continue
        given_to[member_id] += wanted
        spent += wanted
        if campaign.budget_points is not None and spent >= campaign.budget_points and exhausted is None:
            exhausted = when.astimezone(zone).date()
    return Simulation(sum(1 for v in given_to.values() if v > 0), spent, exhausted)


def _plain(value: object) -> str | None:
    return getattr(value, "value", value)  # type: ignore[return-value]


Event = tuple[datetime, int, int, Decimal | None]


async def _events(campaign: Campaign, since: datetime, now: datetime) -> list[Event]:
    """(when, member id, the event's own points, amount) in time order."""
    if campaign.trigger.value == "PURCHASE":
        query = Purchase.filter(occurred_at__gte=since, occurred_at__lt=now).order_by("occurred_at", "id")
        rows = await query.values_list("occurred_at", "member_id", "points_earned", "amount")
        return [(when, member_id, points, amount) for when, member_id, points, amount in rows]
    check_in_points = get_program().check_in_points
    rows = await CheckIn.filter(created_at__gte=since, created_at__lt=now).order_by("created_at", "id").values_list(
        "created_at", "member_id"
    )
    return [(when, member_id, check_in_points, None) for when, member_id in rows]


async def _grant(campaign: Campaign, now: datetime, zone) -> Simulation:
    bonus = campaign.bonus_points or 0
    reached = spent = 0
    for member_id in await audience_query(campaign).order_by("id").values_list("id", flat=True):
        if audience.held_out(campaign.id, member_id, campaign.holdout_percent):
            continue
        gift = bonus if campaign.budget_points is None else min(bonus, campaign.budget_points - spent)
        if campaign.per_member_cap is not None:
            gift = min(gift, campaign.per_member_cap)
        if gift <= 0:
            break
        reached += 1
        spent += gift
    out = campaign.budget_points is not None and spent >= campaign.budget_points
    exhausted = now.astimezone(zone).date() if out else None
    return Simulation(reached, spent, exhausted)

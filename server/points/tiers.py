"""Tiers: qualifying points over a trailing window, upgrades, retention and progress."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from tortoise.functions import Sum

from server.core import clock
from server.core.prepared import Statement
from server.messages import notifications
from server.models import Member, Purchase
from server.points.program import TierRule, get_program


@dataclass(frozen=True)
class TierProgress:
    current: TierRule
    next: TierRule | None
    qualifying_points: int
    points_to_next: int
    percent_to_next: float
    window_start: date
    window_end: date
    retained_until: date | None


def window_start(today: date) -> date:
    """First day of the trailing qualifying window that ends ``today`` (inclusive)."""
    return clock.add_months(today, -get_program().tier_window_months)


QUALIFYING_ONE = Statement(
    "SELECT COALESCE(SUM(points_earned), 0), COALESCE(SUM(points_refunded), 0) FROM purchase"
    " WHERE member_id = ? AND occurred_at >= ? AND occurred_at <= ?"
)


async def qualifying_points_for(member_ids: list[int], at: datetime | None = None) -> dict[int, int]:
    """Purchase points net of refunds within the trailing window, per member (one query).

    One member (every dashboard, every purchase's upgrade check) is one prepared statement;
    a list of members (the console) is one grouped query.
    """
    at = at or clock.now()
    start = datetime.combine(window_start(at.astimezone(UTC).date()), time(0), tzinfo=UTC)
    if len(member_ids) == 1:
        earned, refunded = await QUALIFYING_ONE.one(member_ids[0], start, at)
        return {member_ids[0]: int(earned) - int(refunded)}
    rows = (
        await Purchase.filter(member_id__in=member_ids, occurred_at__gte=start, occurred_at__lte=at)
        .group_by("member_id")
        .annotate(earned=Sum("points_earned"), refunded=Sum("points_refunded"))
        .values("member_id", "earned", "refunded")
    )
    totals = {member_id: 0 for member_id in member_ids}
    for row in rows:
        totals[row["member_id"]] = int(row["earned"] or 0) - int(row["refunded"] or 0)
    return totals


def retained_until(member: Member) -> date | None:
    """The last day the current tier is guaranteed: the retention period after it was reached.

    None on the base tier, which nobody can lose.
    """
    program = get_program()
    if program.tier(member.tier_code).rank == program.base_tier.rank:
        return None
    reached = member.tier_reached_at.astimezone(UTC).date()
    return clock.add_months(reached, program.tier_retention_months)


def progress(member: Member, qualifying: int, at: datetime | None = None) -> TierProgress:
    """Where the member stands; percent is measured from the current tier's threshold to the next."""
    program = get_program()
    today = (at or clock.now()).astimezone(UTC).date()
    current = program.tier(member.tier_code)
    nxt = program.next_tier(current)
    if nxt is None:
        to_next, percent = 0, 100.0
    else:
        to_next = max(0, nxt.threshold - qualifying)
        span = nxt.threshold - current.threshold
        percent = round(min(100.0, max(0.0, (qualifying - current.threshold) * 100 / span)), 1)
    return TierProgress(
        current=current,
        next=nxt,
        qualifying_points=qualifying,
        points_to_next=to_next,
        percent_to_next=percent,
        window_start=window_start(today),
        window_end=today,
        retained_until=retained_until(member),
    )


def _tier_params(tier: TierRule) -> dict[str, str]:
    return {"tier_code": tier.code, "tier_name": tier.name, "tier_name_zh": tier.name_zh or tier.name}


async def apply_upgrade(member: Member, at: datetime | None = None) -> TierRule | None:
    """Raise the member's tier as soon as qualifying points cross a threshold (under the member lock)."""
    at = at or clock.now()
    program = get_program()
    qualifying = (await qualifying_points_for([member.id], at))[member.id]
    reached = program.tier_for(qualifying)
    current = program.tier(member.tier_code)
    if reached.rank <= current.rank:
        return None
    member.tier_code, member.tier_reached_at = reached.code, at
    await Member.filter(id=member.id).update(tier_code=reached.code, tier_reached_at=at)
    await notifications.notify(member.id, "TIER_UPGRADE", _tier_params(reached))
    return reached


async def reevaluate(member: Member, at: datetime | None = None) -> TierRule | None:
    """Upgrade, or once the retention period is over, move down to the tier the window earns.

    A member who still qualifies when retention ends keeps the tier for another full period
    (``tier_reached_at`` moves to now), so a loyal member is never re-checked every day.
    """
    at = at or clock.now()
    upgraded = await apply_upgrade(member, at)
    if upgraded:
        return upgraded
    program = get_program()
    kept = retained_until(member)
    # retainedUntil promises the tier "at least until" that date, so the date itself is kept.
    if kept is None or at.astimezone(UTC).date() <= kept:
        return None
    qualifying = (await qualifying_points_for([member.id], at))[member.id]
    earned = program.tier_for(qualifying)
    if earned.rank >= program.tier(member.tier_code).rank:
        # Re-qualified: the tier is kept for another retention period.
        member.tier_reached_at = at
        await Member.filter(id=member.id).update(tier_reached_at=at)
        return None
    member.tier_code, member.tier_reached_at = earned.code, at
    await Member.filter(id=member.id).update(tier_code=earned.code, tier_reached_at=at)
    await notifications.notify(member.id, "TIER_DOWNGRADE", _tier_params(earned))
    return earned

"""Tiers: qualifying points over a trailing window, upgrades at once, the yearly review's standing.

Days here are UTC days. A tier above the lowest is reviewed on ``review_on`` (the anniversary of
reaching it, or of its last review; a staff override postpones it to the override's last day):
the member keeps the tier through that day, and the review (``server.points.reviews``) decides
on the qualifying points of the window that ends with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from tortoise.functions import Sum

from server.core import clock
from server.core.prepared import Statement
from server.messages import events, notifications
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
    review_on: date | None = None
    points_to_keep: int = 0
    projected: TierRule | None = None


def window_start(today: date) -> date:
    """First day of the trailing qualifying window that ends ``today`` (inclusive)."""
    return clock.add_months(today, -get_program().tier_window_months)


QUALIFYING_ONE = Statement(
    "SELECT COALESCE(SUM(points_earned), 0), COALESCE(SUM(points_refunded), 0) FROM purchase"
    " WHERE member_id = ? AND occurred_at >= ? AND occurred_at <= ?"
)


# The dashboard's one statement for tier progress: the window's points, and those of them still
# inside the window on the review day (the second start is never earlier than the first).
STANDING_ONE = Statement(
    "SELECT COALESCE(SUM(points_earned), 0), COALESCE(SUM(points_refunded), 0),"
    " COALESCE(SUM(CASE WHEN occurred_at >= ? THEN points_earned - points_refunded ELSE 0 END), 0)"
    " FROM purchase WHERE member_id = ? AND occurred_at >= ? AND occurred_at <= ?"
)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


async def standing_for(
    members: list[tuple[int, date | None]], at: datetime | None = None
) -> dict[int, tuple[int, int]]:
    """(qualifying points now, those still in the window on the review day) per (member id, review day).

    One member (the dashboard) is one prepared statement; several (the console's lists, the
    notices job) one grouped statement per distinct review day.
    """
    at = at or clock.now()
    today = at.astimezone(UTC).date()
    start = _midnight(window_start(today))
    keep_from = {member_id: max(start, _midnight(window_start(day or today))) for member_id, day in members}
    if len(keep_from) == 1:
        [(member_id, since)] = keep_from.items()
        earned, refunded, kept = await STANDING_ONE.one(since, member_id, start, at)
        return {member_id: (int(earned) - int(refunded), int(kept))}
    result = {member_id: (0, 0) for member_id in keep_from}
    by_start: dict[datetime, list[int]] = {}
    for member_id, since in keep_from.items():
        by_start.setdefault(since, []).append(member_id)
    for since, ids in by_start.items():
        marks = ", ".join("?" * len(ids))
        rows = await Statement(
            "SELECT member_id, COALESCE(SUM(points_earned), 0) - COALESCE(SUM(points_refunded), 0),"
            " COALESCE(SUM(CASE WHEN occurred_at >= ? THEN points_earned - points_refunded ELSE 0 END), 0)"
            f" FROM purchase WHERE member_id IN ({marks}) AND occurred_at >= ? AND occurred_at <= ? GROUP BY member_id"
        ).all(since, *ids, start, at)
        for member_id, total, kept in rows:
            result[int(member_id)] = (int(total), int(kept))
    return result


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


def regular_review_on(member: Member) -> date | None:
    """The next review by the calendar alone: stored by the last upgrade or review, else the
    retention period after the tier was reached. None on the base tier, which nobody can lose."""
    program = get_program()
    if program.tier(member.tier_code).rank == program.base_tier.rank:
        return None
    if member.tier_review_on is not None:
        return member.tier_review_on
    reached = member.tier_reached_at.astimezone(UTC).date()
    return clock.add_months(reached, program.tier_retention_months)


def review_on(member: Member) -> date | None:
    """``tierReviewOn``: the day the tier is reviewed (kept through it, decided at its end).

    A staff override (``tier_override_until``) holds the tier through its last day: a review
    falling before then moves to that day, and the next one is a retention period later.
    """
    regular = regular_review_on(member)
    if regular is None:
        return None
    override = member.tier_override_until
    return override if override is not None and override > regular else regular


def retained_until(member: Member) -> date | None:
    """The last day the current tier is guaranteed: its review day (None on the base tier)."""
    return review_on(member)


def one_below(tier: TierRule) -> TierRule:
    """The next lower tier (the base tier stays): a review drops a member one level at most."""
    lower = [t for t in get_program().tiers if t.rank < tier.rank]
    return lower[-1] if lower else tier


def outcome(current: TierRule, qualifying_at_review: int) -> TierRule:
    """The tier a review with ``qualifying_at_review`` points leaves: kept, or at most one level down."""
    earned = get_program().tier_for(qualifying_at_review)
    if earned.rank >= current.rank:
        return current
    below = one_below(current)
    return earned if earned.rank > below.rank else below


def next_review(current_review: date) -> date:
    return clock.add_months(current_review, get_program().tier_retention_months)


def review_end(day: date) -> datetime:
    """The moment a review of ``day`` is decided at: the end of that (UTC) day."""
    return _midnight(day + timedelta(days=1))


def progress(
    member: Member, qualifying: int, at: datetime | None = None, qualifying_at_review: int | None = None
) -> TierProgress:
    """Where the member stands; percent is measured from the current tier's threshold to the next.

    ``qualifying_at_review`` (the points still in the window on the review day) gives
    ``points_to_keep`` and ``projected``; without a review (base tier) both say "as now".
    """
    program = get_program()
    today = (at or clock.now()).astimezone(UTC).date()
    current = program.tier(member.tier_code)
    review = review_on(member)
    if review is None or qualifying_at_review is None:
        to_keep, projected = 0, current
    else:
        to_keep = max(0, current.threshold - qualifying_at_review)
        projected = outcome(current, qualifying_at_review)
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
        retained_until=review,
        review_on=review,
        points_to_keep=to_keep,
        projected=projected,
    )


def tier_params(tier: TierRule) -> dict[str, str]:
    return {"tier_code": tier.code, "tier_name": tier.name, "tier_name_zh": tier.name_zh or tier.name}


def change(previous: str, current: str, at: datetime) -> dict[str, object]:
    """The TIER_CHANGED event's payload for a move from ``previous`` to ``current``."""
    program = get_program()
    direction = "UP" if program.tier(current).rank > program.tier(previous).rank else "DOWN"
    return {"from_tier": previous, "to_tier": current, "direction": direction, "at": at}


async def publish_change(member_id: int, previous: str, current: str, at: datetime) -> None:
    """TIER_CHANGED for partners' webhooks, in the transaction that moved the tier (every path that moves one)."""
    await events.publish("TIER_CHANGED", member_id, change(previous, current, at))


async def apply_upgrade(member: Member, at: datetime | None = None) -> TierRule | None:
    """Raise the member's tier as soon as qualifying points cross a threshold (under the member lock)."""
    at = at or clock.now()
    program = get_program()
    qualifying = (await qualifying_points_for([member.id], at))[member.id]
    reached = program.tier_for(qualifying)
    current = program.tier(member.tier_code)
    if reached.rank <= current.rank:
        return None
    review = clock.add_months(at.astimezone(UTC).date(), program.tier_retention_months)
    previous = member.tier_code
    member.tier_code, member.tier_reached_at, member.tier_review_on = reached.code, at, review
    await Member.filter(id=member.id).update(tier_code=reached.code, tier_reached_at=at, tier_review_on=review)
    await notifications.notify(member.id, "TIER_UPGRADE", tier_params(reached))
    await publish_change(member.id, previous, reached.code, at)
    return reached

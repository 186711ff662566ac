"""The first-response report: over the last N days (30 by default), per tier and in total.

It counts tickets opened in the window by the tier that set their target: how many got a first
answer, how many on time, how long the first answer took (median and 90th percentile), how many
breached (answered late, closed unanswered after the due time, or still unanswered past it), and
the same breaches for follow-ups (a member writing back after an answer starts a new wait with
the same target; those count here, never in a ticket's ``breached``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from server.accounts import roles
from server.core import clock
from server.core.errors import invalid
from server.models import Member, TicketWait
from server.points.program import get_program

MAX_DAYS = 366


@dataclass(frozen=True)
class TierFigures:
    tier_code: str
    target_hours: int
    opened: int
    answered: int
    answered_on_time: int
    first_response_breaches: int
    waiting: int
    median_minutes: int | None
    p90_minutes: int | None
    follow_ups: int
    follow_up_breaches: int

    @property
    def on_time_rate(self) -> float | None:
        """Share of decided first responses (on time or breached) that were on time."""
        decided = self.answered_on_time + self.first_response_breaches
        return round(self.answered_on_time / decided, 4) if decided else None

    @property
    def breaches(self) -> int:
        return self.first_response_breaches + self.follow_up_breaches


@dataclass(frozen=True)
class ResponseReport:
    since: datetime
    until: datetime
    tiers: list[TierFigures]
    total: TierFigures


def _percentile(sorted_values: list[float], share: float) -> int | None:
    """Nearest-rank percentile, in whole minutes."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(share * len(sorted_values)))
    return round(sorted_values[rank - 1] / 60)


def _breach(wait: dict, at: datetime) -> bool:
    return wait["late"] or (wait["ended_at"] is None and wait["due_at"] < at)


def _figures(tier_code: str, target_hours: int, waits: list[dict], at: datetime) -> TierFigures:
    first = [w for w in waits if w["is_first"]]
    follow = [w for w in waits if not w["is_first"]]
    answered = [w for w in first if w["answered"]]
    times = sorted((w["ended_at"] - w["started_at"]).total_seconds() for w in answered)
    return TierFigures(
        tier_code=tier_code,
        target_hours=target_hours,
        opened=len(first),
        answered=len(answered),
        answered_on_time=sum(1 for w in answered if not w["late"]),
        first_response_breaches=sum(1 for w in first if _breach(w, at)),
        waiting=sum(1 for w in first if w["ended_at"] is None),
        median_minutes=_percentile(times, 0.5),
        p90_minutes=_percentile(times, 0.9),
        follow_ups=len(follow),
        follow_up_breaches=sum(1 for w in follow if _breach(w, at)),
    )


async def response_report(actor: Member, days: int = 30, at: datetime | None = None) -> ResponseReport:
    """Staff and analysts: first-response times and breaches by tier over the last ``days`` days."""
    roles.require_reader(actor)
    if not 1 <= days <= MAX_DAYS:
        raise invalid("days", "Choose from 1 to {maximum} days.", maximum=MAX_DAYS)
    at = at or clock.now()
    since = at - timedelta(days=days)
    waits = await TicketWait.filter(started_at__gte=since, started_at__lte=at).values(
        "is_first", "tier_code", "started_at", "due_at", "ended_at", "answered", "late"
    )
    program = get_program()
    codes = [tier.code for tier in program.tiers]
    codes += sorted({w["tier_code"] for w in waits} - set(codes))  # tiers since removed from the programme
    rows = [
        _figures(code, program.first_response_target(code), [w for w in waits if w["tier_code"] == code], at)
        for code in codes
    ]
    return ResponseReport(since, at, rows, _figures("", 0, waits, at))

"""Care's programme KPIs over a period: NPS, satisfaction and first responses on time.

Each verb takes the period as UTC instants ``[start, end)``: the caller (the KPI report) turns
its calendar days into instants in the programme's time zone. Each answers None when the period
has nothing to measure, so "no answers" is never shown as a score of 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tortoise.functions import Count

from server.care.queue import breached_q
from server.core import clock
from server.models import Survey, SurveyKind, Ticket

PROMOTER_MIN = 9
DETRACTOR_MAX = 6
SATISFACTION_TARGET = 85  # the programme's goal for the mean satisfaction score (the KPI chart's target line)


@dataclass(frozen=True)
class CareFigures:
    nps: float | None
    nps_answers: int
    satisfaction: float | None
    satisfaction_answers: int
    first_response_on_time: float | None
    tickets_due: int


async def _score_counts(kind: SurveyKind, start: datetime, end: datetime) -> dict[int, int]:
    rows = (
        await Survey.filter(kind=kind, answered_at__gte=start, answered_at__lt=end, score__isnull=False)
        .group_by("score")
        .annotate(n=Count("id"))
        .values("score", "n")
    )
    return {row["score"]: row["n"] for row in rows}


def nps_of(counts: dict[int, int]) -> float | None:
    """% promoters (9–10) − % detractors (0–6), one decimal; None without answers."""
    total = sum(counts.values())
    if not total:
        return None
    promoters = sum(n for score, n in counts.items() if score >= PROMOTER_MIN)
    detractors = sum(n for score, n in counts.items() if score <= DETRACTOR_MAX)
    return round(100 * (promoters - detractors) / total, 1)


def mean_of(counts: dict[int, int]) -> float | None:
    total = sum(counts.values())
    return round(sum(score * n for score, n in counts.items()) / total, 1) if total else None


async def nps(start: datetime, end: datetime) -> float | None:
    """NPS of the answers given in the period: from −100 (all detractors) to 100 (all promoters)."""
    return nps_of(await _score_counts(SurveyKind.NPS, start, end))


async def satisfaction(start: datetime, end: datetime) -> float | None:
    """Mean satisfaction score (0–100) of the answers given in the period."""
    return mean_of(await _score_counts(SurveyKind.SATISFACTION, start, end))


async def _first_responses(start: datetime, end: datetime, at: datetime) -> tuple[int, int]:
    """(on time, late) among tickets whose first response fell due in the period.

    Late: answered after it was due, closed unanswered after it was due, or still unanswered
    past it. Tickets closed unanswered before they were due, and those not due yet, are left
    out: there was nothing to be on time for (yet).
    """
    due = Ticket.filter(first_response_due_at__gte=start, first_response_due_at__lt=end)
    on_time = await due.filter(first_responded_at__isnull=False, first_response_late=False).count()
    late = await due.filter(breached_q(at)).count()
    return on_time, late


async def first_response_on_time(start: datetime, end: datetime, at: datetime | None = None) -> float | None:
    """Share (0–1) of tickets due in the period whose first response came in time."""
    on_time, late = await _first_responses(start, end, at or clock.now())
    return round(on_time / (on_time + late), 4) if on_time + late else None


async def figures(start: datetime, end: datetime, at: datetime | None = None) -> CareFigures:
    """All three figures, with how many answers and tickets they rest on."""
    nps_counts = await _score_counts(SurveyKind.NPS, start, end)
    satisfaction_counts = await _score_counts(SurveyKind.SATISFACTION, start, end)
    on_time, late = await _first_responses(start, end, at or clock.now())
    return CareFigures(
        nps=nps_of(nps_counts),
        nps_answers=sum(nps_counts.values()),
        satisfaction=mean_of(satisfaction_counts),
        satisfaction_answers=sum(satisfaction_counts.values()),
        first_response_on_time=round(on_time / (on_time + late), 4) if on_time + late else None,
        tickets_due=on_time + late,
    )

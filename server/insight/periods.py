"""The KPI calendar: a report's days, and the days, weeks or months its series is counted by.

A report covers whole calendar days ``[first, last]`` in the programme's time zone
(``Program.time_zone``). Its series has one point per day for spans up to 31 days, per week
(Monday to Sunday) up to 180 days, per month (from the 1st) beyond. Every period that touches
the report is listed, the first and last possibly cut by the report's ends: a point is labelled
with its period's first day (a Monday, the 1st) but counts only what falls inside the report,
so the series always adds up to the report's totals.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from server.core import clock
from server.core.errors import invalid

DAY_SPAN = 31  # days: a point per day up to here
WEEK_SPAN = 180  # days: a point per week up to here, per month beyond
MAX_SPAN = 3 * 366  # days: three years of monthly points is the longest report
EARLIEST = date(2000, 1, 1)  # no loyalty data is older; also keeps zone arithmetic far from date.min
LATEST = date(9000, 12, 31)


class Granularity(str, enum.Enum):
    DAY = "DAY"
    WEEK = "WEEK"
    MONTH = "MONTH"


@dataclass(frozen=True)
class Period:
    """One point of the series: its label and the UTC instants ``[start, end)`` it counts."""

    label: date
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Report:
    """A report's days, as UTC instants ``[start, end)``, and the periods of its series."""

    first: date
    last: date
    zone: str
    start: datetime
    end: datetime
    granularity: Granularity
    periods: tuple[Period, ...]

    @property
    def edges(self) -> list[datetime]:
        """The instants where one period gives way to the next (``len(periods) - 1`` of them)."""
        return [period.start for period in self.periods[1:]]


def granularity_for(days: int) -> Granularity:
    if days <= DAY_SPAN:
        return Granularity.DAY
    if days <= WEEK_SPAN:
        return Granularity.WEEK
    return Granularity.MONTH


def period_labels(first: date, last: date, granularity: Granularity) -> list[date]:
    """The first day of every day, week (Monday) or month (the 1st) that meets ``[first, last]``."""
    if granularity is Granularity.DAY:
        label, step = first, lambda d: d + timedelta(days=1)
    elif granularity is Granularity.WEEK:
        label, step = first - timedelta(days=first.weekday()), lambda d: d + timedelta(days=7)
    else:
        label, step = first.replace(day=1), lambda d: clock.add_months(d, 1)
    labels = []
    while label <= last:
        labels.append(label)
        label = step(label)
    return labels


def midnight(day: date, zone: ZoneInfo) -> datetime:
    """The UTC instant the day begins in ``zone``.

    Where a DST jump skips midnight, the pre-jump offset (``fold=0``) lands exactly on the jump:
    the first real instant of the day.
    """
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def check_days(first: date, last: date) -> None:
    """INVALID_INPUT naming the field at fault: the order, the span, and dates outside any programme."""
    if not EARLIEST <= first <= LATEST:
        raise invalid("from", "Choose a day from {earliest} to {latest}.", earliest=EARLIEST, latest=LATEST)
    if not EARLIEST <= last <= LATEST:
        raise invalid("to", "Choose a day from {earliest} to {latest}.", earliest=EARLIEST, latest=LATEST)
    if last < first:
        raise invalid("to", "The last day must not be before the first.")
    if (last - first).days + 1 > MAX_SPAN:
        raise invalid("to", "A report covers at most {days} days.", days=MAX_SPAN)


def report_for(first: date, last: date, zone_name: str) -> Report:
    """The report's instants and periods in the programme's zone (checked with :func:`check_days`)."""
    check_days(first, last)
    zone = ZoneInfo(zone_name)
    start, end = midnight(first, zone), midnight(last + timedelta(days=1), zone)
    granularity = granularity_for((last - first).days + 1)
    labels = period_labels(first, last, granularity)
    bounds = [start, *(midnight(label, zone) for label in labels[1:]), end]
    periods = tuple(Period(label, bounds[i], bounds[i + 1]) for i, label in enumerate(labels))
    return Report(first, last, zone_name, start, end, granularity, periods)

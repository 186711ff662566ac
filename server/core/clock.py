"""The current time, in one place: every stored time is UTC and aware.

Tests move time forward with :func:`travel` to exercise streaks, month ends and expiry
without sleeping. ``PATRON_CLOCK_OFFSET`` shifts the whole process (see :func:`shift`) to
rehearse the calendar on a staging copy.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

_offset = timedelta(0)


def now() -> datetime:
    return datetime.now(UTC) + _offset


def shift(offset: timedelta) -> None:
    """Run the whole process ``offset`` away from the wall clock (``PATRON_CLOCK_OFFSET``)."""
    global _offset
    _offset = offset


@contextmanager
def travel(to: datetime) -> Iterator[None]:
    """Pretend the time is ``to`` (moving with the wall clock) inside the block."""
    global _offset
    previous = _offset
    _offset = to - datetime.now(UTC)
    try:
        yield
    finally:
        _offset = previous


def add_months(day: date, months: int) -> date:
    """``day`` moved by whole months, clamped to the end of a shorter month (Jan 31 + 1 → Feb 28)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def end_of_month(day: date) -> date:
    return date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])

"""When a yearly day falls: 29 February in other years, the member's own time zone, catch-up."""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# A birthday or anniversary missed while the jobs were not running is still rewarded this long
# after it fell; an older one is not (a first deployment must not pay out a year of birthdays).
CATCH_UP = timedelta(days=30)


def occurrence(day: date, year: int) -> date:
    """``day``'s month and day in ``year``; 29 February falls on 28 February in other years."""
    if day.month == 2 and day.day == 29 and not calendar.isleap(year):
        return date(year, 2, 28)
    return date(year, day.month, day.day)


def latest_occurrence(day: date, today: date) -> date:
    """The last time ``day`` came round on or before ``today`` (this year's, else last year's)."""
    this_year = occurrence(day, today.year)
    return this_year if this_year <= today else occurrence(day, today.year - 1)


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_day(moment: datetime, zone_name: str) -> date:
    return moment.astimezone(zone(zone_name)).date()


def month_days(first: date, last: date) -> list[str]:
    """Every ``MM-DD`` from ``first`` to ``last``, plus ``02-29`` when 28 February of a common year is among them.

    The candidate filter of the nightly selection: SQL compares the stored day's month and day
    against these; Python then decides each candidate exactly, in their own time zone.
    """
    days, current = set(), first
    while current <= last:
        days.add(current.strftime("%m-%d"))
        if current.month == 2 and current.day == 28 and not calendar.isleap(current.year):
            days.add("02-29")
        current += timedelta(days=1)
    return sorted(days)

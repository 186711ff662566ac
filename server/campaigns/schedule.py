"""When a campaign runs: one window, or an iCalendar RRULE whose every occurrence is one day.

Windows are computed per time zone: a member day on the 8th runs from 00:00 to 24:00 on the 8th
where the member lives (23 or 25 hours on a DST change day), so members in Shanghai and in
Berlin each get their own whole 8th. ``startsAt``/``endsAt`` bound the series: the first and
last days are cut at those instants, which is how a window "ends otherwise" than at midnight.
Without a recurrence the window is simply ``[startsAt, endsAt)`` (open-ended without endsAt).

RRULEs are parsed by python-dateutil with DTSTART set to the local date of ``startsAt``;
rules finer than a day (HOURLY, MINUTELY, SECONDLY) and rules carrying their own DTSTART are
INVALID_SCHEDULE, as is a rule that never occurs.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil import rrule

from server.core.errors import DomainError, ErrorCode

MAX_RULE = 500
# An open-ended window (no endsAt, no recurrence) is reported with this end.
OPEN_END = datetime(9999, 12, 31, 0, 0, tzinfo=UTC)
_DAY_OR_COARSER = {rrule.DAILY, rrule.WEEKLY, rrule.MONTHLY, rrule.YEARLY}
Window = tuple[datetime, datetime]


def schedule_error(field: str, message: str) -> DomainError:
    return DomainError(ErrorCode.INVALID_SCHEDULE, message, field)


def zone_of(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


@functools.lru_cache(maxsize=256)
def _rule(text: str, first_day: date) -> rrule.rrule:
    """The parsed rule, anchored at ``first_day`` (naive: occurrences are calendar days).

    Kept per process with its occurrences cached: every purchase asks each active campaign for
    the window at its moment, and dateutil walks a rule from its start each time it is asked.
    """
    if len(text) > MAX_RULE:
        raise schedule_error("recurrence", f"Keep the recurrence under {MAX_RULE} characters.")
    if "DTSTART" in text.upper() or "\n" in text:
        raise schedule_error("recurrence", "Give one RRULE without DTSTART: the campaign's startsAt is its start.")
    body = text.strip()
    if body.upper().startswith("RRULE:"):
        body = body[6:]
    try:
        rule = rrule.rrulestr(body, dtstart=datetime.combine(first_day, time(0)), cache=True)
    except (ValueError, TypeError, KeyError, OverflowError) as error:
        raise schedule_error("recurrence", f"This is not a valid RRULE ({error}).") from None
    if not isinstance(rule, rrule.rrule) or rule._freq not in _DAY_OR_COARSER:  # noqa: SLF001
        raise schedule_error("recurrence", "Use FREQ=DAILY, WEEKLY, MONTHLY or YEARLY: each occurrence is one day.")
    if rule._until is not None and rule._until.tzinfo is not None:  # noqa: SLF001
        raise schedule_error("recurrence", "Give UNTIL as a date (YYYYMMDD); endsAt bounds the series in time.")
    return rule


def check(recurrence: str | None, starts_at: datetime, ends_at: datetime | None, zone_name: str) -> str | None:
    """Validate a schedule; returns the recurrence as stored (stripped, None when empty)."""
    if ends_at is not None and ends_at <= starts_at:
        raise schedule_error("endsAt", "The end must come after the start.")
    text = (recurrence or "").strip() or None
    if text is None:
        return None
    zone = zone_of(zone_name)
    rule = _rule(text, starts_at.astimezone(zone).date())
    first = next(iter(rule), None)
    if first is None:
        raise schedule_error("recurrence", "This RRULE never occurs.")
    if ends_at is not None and _day_window(first.date(), zone, starts_at, ends_at) is None:
        # The first day may still be cut by startsAt; look a little further before refusing.
        later = rule.between(first, datetime.combine(ends_at.astimezone(zone).date(), time(0)), inc=True)
        if not any(_day_window(d.date(), zone, starts_at, ends_at) for d in later):
            raise schedule_error("recurrence", "No occurrence of this RRULE falls between startsAt and endsAt.")
    return text


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """00:00 of ``day`` in ``zone``, in UTC (the first instant of that local day)."""
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def _day_window(day: date, zone: ZoneInfo, starts_at: datetime, ends_at: datetime | None) -> Window | None:
    start = max(local_midnight(day, zone), starts_at)
    end = local_midnight(day + timedelta(days=1), zone)
    if ends_at is not None:
        end = min(end, ends_at)
    return (start, end) if start < end else None


def windows(
    recurrence: str | None, starts_at: datetime, ends_at: datetime | None, zone_name: str,
    since: datetime, until: datetime | None = None,
) -> Iterator[Window]:
    """Windows in ``zone_name`` that end after ``since`` (and start before ``until``), in order."""
    if not recurrence:
        end = ends_at or OPEN_END
        if end > since and (until is None or starts_at < until):
            yield (starts_at, end)
        return
    zone = zone_of(zone_name)
    rule = _rule(recurrence, starts_at.astimezone(zone).date())
    # Start a day early: a window that began yesterday in this zone may still be running.
    cursor = datetime.combine(since.astimezone(zone).date() - timedelta(days=1), time(0))
    occurrence = rule.after(cursor, inc=True)
    while occurrence is not None:
        window = _day_window(occurrence.date(), zone, starts_at, ends_at)
        if window is not None:
            if until is not None and window[0] >= until:
                return
            if window[1] > since:
                yield window
        elif ends_at is not None and local_midnight(occurrence.date(), zone) >= ends_at:
            return
        occurrence = rule.after(occurrence, inc=False)


def window_at(
    recurrence: str | None, starts_at: datetime, ends_at: datetime | None, zone_name: str, at: datetime
) -> Window | None:
    """The window running at ``at`` in ``zone_name``, if any."""
    for start, end in windows(recurrence, starts_at, ends_at, zone_name, at):
        return (start, end) if start <= at < end else None
    return None


def upcoming(
    recurrence: str | None, starts_at: datetime, ends_at: datetime | None, zone_name: str, at: datetime,
    limit: int = 5,
) -> list[Window]:
    """The current window (if one is running) and the next ones, up to ``limit``."""
    found: list[Window] = []
    for window in windows(recurrence, starts_at, ends_at, zone_name, at):
        found.append(window)
        if len(found) >= limit:
            break
    return found

"""Counting requests per key in fixed windows, in the database (so every worker shares the count).

``await ratelimit.hit("reset-ip:203.0.113.9", limit=20, per=timedelta(hours=1))`` counts one
request and says whether it is within the limit. The count is raised by one conditional UPDATE
(``… WHERE count < limit``), so concurrent requests across workers can never pass more than
``limit`` times per window. Windows start at multiples of ``per`` since the epoch; old windows
are deleted by :func:`forget_before` (the accounts housekeeping job).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tortoise.expressions import F

from server.core import clock
from server.models import RateLimitWindow

_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def window_start(at: datetime, per: timedelta) -> datetime:
    """The start of the fixed window of length ``per`` that contains ``at``."""
    return _EPOCH + ((at - _EPOCH) // per) * per


async def hit(key: str, *, limit: int, per: timedelta) -> bool:
    """Count one request for ``key``; True while at most ``limit`` fell in the current window.

    A refused request is not counted, so a blocked client does not push its own window on.
    """
    start = window_start(clock.now(), per)
    key = key[:191]
    if not await RateLimitWindow.exists(key=key, window_start=start):
        row = RateLimitWindow(key=key, window_start=start, count=0)
        await RateLimitWindow.bulk_create([row], ignore_conflicts=True)
    counted = await RateLimitWindow.filter(key=key, window_start=start, count__lt=limit).update(count=F("count") + 1)
    return counted == 1


async def used(key: str, *, per: timedelta) -> int:
    """Requests counted for ``key`` in the current window."""
    row = await RateLimitWindow.get_or_none(key=key[:191], window_start=window_start(clock.now(), per))
    return row.count if row else 0


async def forget_before(moment: datetime) -> int:
    """Delete windows that started before ``moment``; returns how many."""
    return await RateLimitWindow.filter(window_start__lt=moment).delete()

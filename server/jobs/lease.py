"""Leases in the database: however many processes start a job at once, one of them runs it.

Each statement here commits on its own (no surrounding transaction), so a lease is visible to
every other process at once, and a runner that dies leaves a lease that simply expires.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from tortoise.expressions import F, Q

from server.core import clock
from server.models import JobState


async def _ensure(name: str) -> None:
    if not await JobState.exists(name=name):
        await JobState.bulk_create([JobState(name=name)], ignore_conflicts=True)


async def acquire(name: str, holder: str, ttl: timedelta) -> bool:
    """Take the lease on ``name`` for ``ttl`` if nobody holds it; True when taken."""
    await _ensure(name)
    now = clock.now()
    taken = await (
        JobState.filter(name=name)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .update(holder=holder, lease_until=now + ttl, last_started_at=now)
    )
    return taken == 1


async def renew(name: str, holder: str, ttl: timedelta) -> bool:
    """Extend a lease we hold; False if it was lost (it lapsed and someone else took over)."""
    return await JobState.filter(name=name, holder=holder).update(lease_until=clock.now() + ttl) == 1


async def release(name: str, holder: str, *, status: str, summary: str, duration_ms: int) -> None:
    """Give the lease back and record how the run went."""
    await JobState.filter(name=name, holder=holder).update(
        holder=None,
        lease_until=None,
        last_finished_at=clock.now(),
        last_status=status,
        last_summary=summary[:2000],
        last_duration_ms=duration_ms,
        runs=F("runs") + 1,
    )


async def last_finished(name: str) -> datetime | None:
    state = await JobState.get_or_none(name=name)
    return state.last_finished_at if state else None

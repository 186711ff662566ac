"""Insight's timed job: the nightly snapshot, once per programme day.

The scheduler offers it every hour; it works only when its own latest snapshot is from an earlier
programme day (programme time zone), so it runs once a night just after midnight, and a server
that was down at midnight takes the day's snapshot at its first pass back. Snapshots taken by
hand (``patron insight snapshot``, ``patron demo``) do not stand in for the nightly one. Missed days are not
re-created: a snapshot describes the moment it is taken, and today's covers the trailing year.
"""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from server.insight import take_snapshot
from server.jobs import JobContext, job
from server.models import InsightSnapshot
from server.points.program import get_program


@job(
    "insight-snapshot",
    every=timedelta(hours=1),
    order=80,
    lease=timedelta(minutes=15),
    description="Compute every member's RFM segment, stage, churn risk and lifetime value (once a day).",
)
async def snapshot(ctx: JobContext) -> str:
    today = ctx.at.astimezone(ZoneInfo(get_program().time_zone)).date()
    latest = await InsightSnapshot.filter(trigger="job").order_by("-id").first()
    if latest is not None and latest.day >= today:
        return f"Today's snapshot was taken at {latest.taken_at.isoformat(timespec='seconds')}."
    result = await take_snapshot(ctx.at, lambda done, total, label: ctx.progress(done, total, label), ctx.checkpoint)
    return (
        f"Snapshot of {result.members} member(s): {result.purchasers} with purchases, "
        f"{result.changes} moved segment or stage."
    )

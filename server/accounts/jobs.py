"""The accounts domain's timed work: forgetting spent one-time links and old rate-limit counts."""

from __future__ import annotations

from datetime import timedelta

from server.core import ratelimit
from server.jobs import JobContext, job
from server.models import AccountLink

KEEP_LINKS = timedelta(days=30)  # used or expired links stay this long, for support questions
KEEP_COUNTS = timedelta(days=2)  # longer than any rate-limit window


@job("account-housekeeping", every=timedelta(hours=6), order=95, description="Delete old one-time links and counters.")
async def housekeeping(ctx: JobContext) -> str:
    links = await AccountLink.filter(expires_at__lt=ctx.at - KEEP_LINKS).delete()
    counts = await ratelimit.forget_before(ctx.at - KEEP_COUNTS)
    return f"Deleted {links} old link(s) and {counts} old rate-limit window(s)."

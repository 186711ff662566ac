"""The points domain's timed jobs: expire lapsed points, warn before points expire, re-evaluate tiers."""

from __future__ import annotations

from datetime import timedelta

from server.jobs import JobContext, job
from server.points import lifecycle, reviews


@job("expiry", every=timedelta(hours=1), order=10, description="Write off lapsed points as EXPIRY entries.")
async def expire_points(ctx: JobContext) -> str:
    members = await lifecycle.expire_all(ctx.at, ctx)
    return f"Expired lapsed points for {members} member(s)."


@job(
    "expiry-warnings",
    every=timedelta(hours=1),
    order=20,
    description="Tell members about points expiring within 30 days (one notice per expiry day).",
)
async def warn_expiring(ctx: JobContext) -> str:
    sent = await lifecycle.warn_expiring(ctx.at, ctx)
    return f"Sent {sent} expiry warning(s)."


@job(
    "tiers",
    every=timedelta(hours=1),
    order=30,
    description="Tier reviews that are due (each decided as of its own day), and upgrades.",
)
async def reevaluate_tiers(ctx: JobContext) -> str:
    changed = await lifecycle.reevaluate_tiers(ctx.at, ctx)
    return f"Changed the tier of {changed} member(s)."


@job(
    "tier-notices",
    every=timedelta(hours=1),
    order=35,
    description="Warn members 30 and 7 days before a review that would lower their tier (each notice once).",
)
async def tier_notices(ctx: JobContext) -> str:
    sent = await reviews.send_notices(ctx.at, ctx)
    return f"Sent {sent} tier review notice(s)."

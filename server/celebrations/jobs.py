"""Birthdays and anniversaries as timed jobs: hourly, so each member's day starts in their own zone."""

from __future__ import annotations

from datetime import timedelta

from server.celebrations import reward_anniversaries, reward_birthdays
from server.jobs import JobContext, job


@job(
    "birthdays",
    every=timedelta(hours=1),
    order=40,
    description="Birthday points and greeting on the member's birthday, in their time zone (caught up late, once).",
)
async def birthdays(ctx: JobContext) -> str:
    return f"Rewarded {await reward_birthdays(ctx.at, ctx)} birthday(s)."


@job(
    "anniversaries",
    every=timedelta(hours=1),
    order=41,
    description="Anniversary points and greeting on each anniversary of joining (caught up late, once).",
)
async def anniversaries(ctx: JobContext) -> str:
    return f"Rewarded {await reward_anniversaries(ctx.at, ctx)} anniversary(ies)."

"""The campaigns' timed job: GRANT gifts once their campaign has started (see ``server.campaigns.grants``)."""

from __future__ import annotations

from datetime import timedelta

from server.campaigns import grants
from server.jobs import JobContext, job


@job(
    "campaign-grants",
    every=timedelta(minutes=15),
    order=70,
    description="Give each member of a started GRANT campaign's audience its gift, once (catches up).",
)
async def grant_gifts(ctx: JobContext) -> str:
    granted = await grants.grant_due(ctx.at, ctx)
    return f"Gave campaign gifts to {granted} member(s)."

"""Care's timed jobs: escalate tickets nearing their target, send surveys, expire unanswered ones.

Each does everything due by the run's time that was not done before, so a run after downtime
catches up and a repeated run does nothing more (see ``server.care.sending`` for the survey rules).
"""

from __future__ import annotations

from datetime import timedelta

from server.care import sending, waits
from server.jobs import JobContext, job


@job(
    "care-escalations",
    every=timedelta(minutes=5),
    order=50,
    description="Escalate tickets at 75% of their first-response window and tell staff (once per wait).",
)
async def escalate_tickets(ctx: JobContext) -> str:
    escalated = await waits.escalate_due(ctx.at, ctx)
    return f"Escalated {escalated} ticket(s)."


@job(
    "care-surveys",
    every=timedelta(hours=1),
    order=60,
    description="Send satisfaction surveys after purchases and resolved tickets, and NPS surveys.",
)
async def send_surveys(ctx: JobContext) -> str:
    sent = await sending.send_due(ctx.at, ctx)
    return f"Sent {sent} survey(s)."


@job(
    "care-survey-expiry",
    every=timedelta(hours=1),
    order=61,
    description="Close surveys left unanswered 14 days after they were sent.",
)
async def expire_surveys(ctx: JobContext) -> str:
    expired = await sending.expire_due(ctx.at)
    return f"Expired {expired} survey(s)."

"""Response targets: how long staff have to answer, and the waits that measure it.

A ticket waits for staff from the moment it opens, and again each time the member writes back
after an answer. Each wait gets the target of the member's tier (a programme setting: 24 hours
for gold and diamond, 48 for the rest by default) and is escalated at 75% of it. Only the first
wait decides ``breached``; follow-up waits count in the breach report.

Callers hold the ticket's row lock (and the member's before it: the ledger's lock order).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise.transactions import in_transaction

from server.care.notices import escalation_params
from server.jobs import JobContext
from server.messages import notifications
from server.models import Ticket, TicketStatus, TicketWait, Urgency
from server.points.program import get_program

ESCALATE_AT = 0.75  # of the window


@dataclass(frozen=True)
class Target:
    hours: int
    due_at: datetime
    escalate_at: datetime


def target(tier_code: str, start: datetime) -> Target:
    hours = get_program().first_response_target(tier_code)
    window = timedelta(hours=hours)
    return Target(hours, start + window, start + window * ESCALATE_AT)


async def start(ticket: Ticket, tier_code: str, at: datetime, *, first: bool) -> TicketWait:
    """Begin waiting for staff; the ticket moves up the queue to its new due time."""
    goal = target(tier_code, at)
    wait = await TicketWait.create(
        ticket_id=ticket.id,
        is_first=first,
        tier_code=tier_code,
        started_at=at,
        due_at=goal.due_at,
        escalate_at=goal.escalate_at,
    )
    ticket.urgency, ticket.queue_due_at, ticket.escalated_at = Urgency.WAITING, goal.due_at, None
    return wait


async def end(ticket: Ticket, at: datetime, *, answered: bool) -> TicketWait | None:
    """Stop the open wait (a staff answer, or the ticket closing); a late first wait marks the breach."""
    wait = await TicketWait.filter(ticket_id=ticket.id, ended_at__isnull=True).order_by("-id").first()
    if wait is None:
        return None
    wait.ended_at, wait.answered, wait.late = at, answered, at > wait.due_at
    await wait.save(update_fields=["ended_at", "answered", "late"])
    if wait.is_first and wait.late:
        ticket.first_response_late = True
    ticket.queue_due_at, ticket.escalated_at = ticket.first_response_due_at, None
    return wait


def is_breached(ticket: Ticket, at: datetime) -> bool:
    """The first response came late, or is overdue now: stays true after a late answer."""
    if ticket.first_response_late:
        return True
    waiting = ticket.first_responded_at is None and ticket.status is TicketStatus.OPEN
    return waiting and at > ticket.first_response_due_at


async def escalate_due(at: datetime, ctx: JobContext | None = None) -> int:
    """Escalate every wait past 75% of its window without an answer; staff hear of each once.

    Catches up: a wait whose moment passed while no scheduler ran is escalated on the next run,
    even if it is overdue by then. Ticket first, then its wait (the order replies lock them in).
    """
    due = await TicketWait.filter(ended_at__isnull=True, escalated_at__isnull=True, escalate_at__lte=at).values_list(
        "id", "ticket_id"
    )
    escalated = 0
    for done, (wait_id, ticket_id) in enumerate(sorted(due)):
        if ctx is not None and done % 200 == 0:
            ctx.progress(done, len(due))
            await ctx.checkpoint()
        async with in_transaction():
            ticket = await Ticket.select_for_update().get(id=ticket_id)
            wait = await TicketWait.select_for_update().get(id=wait_id)
            if wait.ended_at is not None or wait.escalated_at is not None:
                continue
            wait.escalated_at = at
            await wait.save(update_fields=["escalated_at"])
            ticket.urgency, ticket.escalated_at = Urgency.ESCALATED, at
            await ticket.save(update_fields=["urgency", "escalated_at"])
            await notifications.notify_staff(
                "TICKET_ESCALATED", escalation_params(ticket, wait), dedupe_key=f"ticket-wait:{wait.id}:escalated"
            )
            escalated += 1
    return escalated

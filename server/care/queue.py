"""The console's ticket queue: escalated tickets first, then by when the next answer is due.

Order: escalated and waiting for staff, then waiting for staff, then waiting for the member,
then resolved or closed (``Ticket.urgency``); within each, the open wait's due time (the first
response's when none is open); then the oldest ticket. Filters combine with AND.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from server.accounts import roles
from server.core import clock
from server.core.validation import encodable
from server.models import Member, Ticket, TicketCategory, TicketStatus, Urgency

QUEUE_ORDER = ("urgency", "queue_due_at", "id")


@dataclass(frozen=True)
class TicketFilter:
    status: TicketStatus | None = None
    breached: bool | None = None
    escalated: bool | None = None
    category: TicketCategory | None = None
    tier_code: str | None = None
    member_id: int | None = None


def breached_q(at: datetime) -> Q:
    """Tickets whose first response came late, or is overdue now (SQL twin of ``waits.is_breached``)."""
    overdue = Q(first_responded_at__isnull=True, status=TicketStatus.OPEN, first_response_due_at__lt=at)
    return Q(first_response_late=True) | overdue


def queue(actor: Member, where: TicketFilter | None = None, at: datetime | None = None) -> QuerySet[Ticket]:
    """Staff and analysts: the tickets matching ``where`` (unordered: page it with ``QUEUE_ORDER``)."""
    roles.require_reader(actor)
    at = at or clock.now()
    where = where or TicketFilter()
    query = Ticket.all()
    if where.status is not None:
        query = query.filter(status=where.status)
    if where.breached is not None:
        query = query.filter(breached_q(at) if where.breached else ~breached_q(at))
    if where.escalated is not None:
        query = query.filter(urgency=Urgency.ESCALATED) if where.escalated else query.exclude(urgency=Urgency.ESCALATED)
    if where.category is not None:
        query = query.filter(category=where.category)
    if where.tier_code:
        # Text no database can compare (NUL, lone surrogates) matches no tier rather than failing the query.
        query = query.filter(tier_code=where.tier_code) if encodable(where.tier_code) else query.filter(id__in=[])
    if where.member_id is not None:
        query = query.filter(member_id=where.member_id)
    return query


def member_tickets(member_id: int) -> QuerySet[Ticket]:
    """One member's tickets (the caller checks who may see them)."""
    return Ticket.filter(member_id=member_id)

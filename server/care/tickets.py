"""Care tickets: members open them and write back, staff answer and resolve, members close.

OPEN (waiting for staff) → ANSWERED (staff replied) → RESOLVED (by staff) or CLOSED (by the
member). A member writing back to an ANSWERED ticket makes it OPEN again and starts a follow-up
wait (see :mod:`server.care.waits`); nothing can be added to a RESOLVED or CLOSED ticket
(TICKET_CLOSED): reopening is opening a new ticket.

Every change runs in one transaction holding the member's lock, then the ticket's: the
ledger's lock order, so a reply never waits in a circle with a purchase or the jobs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise.transactions import in_transaction

from server import audit
from server.care import access, notices, waits
from server.core import clock
from server.core.errors import DomainError, ErrorCode
from server.core.validation import check_key, check_public_text
from server.models import Member, Purchase, Ticket, TicketCategory, TicketMessage, TicketStatus, Urgency
from server.points import ledger

MAX_SUBJECT = 120
MAX_BODY = 5000
DAILY_LIMIT = 10  # tickets a member may open in 24 hours
DOUBLE_SUBMIT = timedelta(minutes=2)  # the same ticket sent again within this is the first one
CLOSED = (TicketStatus.RESOLVED, TicketStatus.CLOSED)


@dataclass(frozen=True)
class TicketDraft:
    category: TicketCategory
    subject: str
    body: str
    order_id: str | None = None


def check_subject(subject: str) -> str:
    """One line of 1 to 120 characters, under the rule for text other people read."""
    return check_public_text(subject, "subject", max_length=MAX_SUBJECT)


def one_kind_of_newline(text: str) -> str:
    """Browsers send a textarea's line breaks as CR LF: store them as LF."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def check_body(body: str) -> str:
    return check_public_text(one_kind_of_newline(body), "body", max_length=MAX_BODY, multiline=True)


def _closed() -> DomainError:
    return DomainError(
        ErrorCode.TICKET_CLOSED, "This ticket is closed; open a new one to continue.", "ticketId"
    )


async def create(
    member: Member,
    category: TicketCategory,
    subject: str,
    body: str,
    at: datetime,
    *,
    order_id: str | None = None,
    purchase_id: int | None = None,
) -> Ticket:
    """Write a new OPEN ticket, its first message and its first wait (caller holds the member lock)."""
    goal = waits.target(member.tier_code, at)
    ticket = await Ticket.create(
        member_id=member.id,
        category=category,
        subject=subject,
        status=TicketStatus.OPEN,
        order_id=order_id,
        purchase_id=purchase_id,
        tier_code=member.tier_code,
        target_hours=goal.hours,
        created_at=at,
        first_response_due_at=goal.due_at,
        urgency=Urgency.WAITING,
        queue_due_at=goal.due_at,
        last_message_at=at,
    )
    await TicketMessage.create(
        ticket_id=ticket.id, author_id=member.id, author_name=member.display_name, body=body, created_at=at
    )
    await waits.start(ticket, member.tier_code, at, first=True)
    return ticket


async def open_ticket(member: Member, draft: TicketDraft) -> Ticket:
    """Open a ticket, optionally about one of the member's own orders (matched by order id)."""
    subject = check_subject(draft.subject)
    body = check_body(draft.body)
    order_id = check_key(draft.order_id, "orderId") if draft.order_id and draft.order_id.strip() else None
    now = clock.now()
    async with in_transaction():
        locked = await ledger.lock_member(member.id)
        purchase = None
        if order_id is not None:
            purchase = await Purchase.filter(member_id=locked.id, order_id=order_id).order_by("-occurred_at").first()
            if purchase is None:
                raise DomainError(ErrorCode.NOT_FOUND, "None of your orders has this id.", "orderId")
        twin = await _just_sent(locked.id, draft.category, subject, body, now)
        if twin is not None:
            return twin
        if await Ticket.filter(member_id=locked.id, created_at__gt=now - timedelta(days=1)).count() >= DAILY_LIMIT:
            raise DomainError(
                ErrorCode.LIMIT_REACHED, "You can open at most {limit} tickets a day.", None, {"limit": DAILY_LIMIT}
            )
        return await create(
            locked, draft.category, subject, body, now,
            order_id=purchase.order_id if purchase else None, purchase_id=purchase.id if purchase else None,
        )


async def _just_sent(member_id: int, category: TicketCategory, subject: str, body: str, at: datetime) -> Ticket | None:
    """The same ticket sent moments ago (a double click, a retried request): answer it instead of a copy."""
    recent = await Ticket.filter(
        member_id=member_id, category=category, subject=subject, created_at__gt=at - DOUBLE_SUBMIT
    ).order_by("-id").first()
    if recent is None:
        return None
    first = await TicketMessage.filter(ticket_id=recent.id).order_by("id").first()
    return recent if first is not None and first.body == body else None


async def _lock(ticket: Ticket) -> tuple[Member, Ticket]:
    member = await ledger.lock_member(ticket.member_id)
    return member, await Ticket.select_for_update().get(id=ticket.id)


async def reply(actor: Member, ticket_id: int, body: str) -> Ticket:
    """Add a message: the member's own ticket, or any ticket for staff (analysts only read).

    Staff's first message is the first response. A staff answer to an OPEN ticket ends its wait
    and makes it ANSWERED; the member hears of every staff message. A member's message to an
    ANSWERED ticket opens it again and starts a follow-up wait.
    """
    body = check_body(body)
    found, as_staff = await access.ticket_to_act_on(actor, ticket_id)
    now = clock.now()
    async with in_transaction():
        member, ticket = await _lock(found)
        if ticket.status in CLOSED:
            raise _closed()
        before = ticket.status
        message = await TicketMessage.create(
            ticket_id=ticket.id,
            author_id=actor.id,
            author_name=actor.display_name,
            from_staff=as_staff,
            body=body,
            created_at=now,
        )
        if as_staff and ticket.status is TicketStatus.OPEN:
            await waits.end(ticket, now, answered=True)
            ticket.status, ticket.urgency = TicketStatus.ANSWERED, Urgency.ANSWERED
            if ticket.first_responded_at is None:
                ticket.first_responded_at = now
        elif not as_staff and ticket.status is TicketStatus.ANSWERED:
            ticket.status = TicketStatus.OPEN
            await waits.start(ticket, member.tier_code, now, first=False)
        ticket.last_message_at = now
        await ticket.save()
        if as_staff:
            await notices.staff_answered(ticket, message)
            await audit.record(
                actor, "ticket.reply", target_type="ticket", target_id=ticket.id, member_id=ticket.member_id,
                before={"status": before}, after={"status": ticket.status, "message": message.id},
            )
        return ticket


async def resolve(actor: Member, ticket_id: int) -> Ticket:
    """Staff resolve any ticket (RESOLVED); a member closes their own (CLOSED).

    Doing it again is harmless (a double click answers the ticket as it is); a ticket already
    closed the other way is TICKET_CLOSED.
    """
    found, as_staff = await access.ticket_to_act_on(actor, ticket_id)
    goal = TicketStatus.RESOLVED if as_staff else TicketStatus.CLOSED
    now = clock.now()
    async with in_transaction():
        _member, ticket = await _lock(found)
        if ticket.status is goal:
            return ticket
        if ticket.status in CLOSED:
            raise _closed()
        before = ticket.status
        if ticket.status is TicketStatus.OPEN:
            await waits.end(ticket, now, answered=False)
        ticket.status, ticket.urgency, ticket.closed_at = goal, Urgency.DONE, now
        await ticket.save()
        if as_staff:
            await audit.record(
                actor, "ticket.resolve", target_type="ticket", target_id=ticket.id, member_id=ticket.member_id,
                before={"status": before}, after={"status": ticket.status},
            )
        return ticket


async def messages(ticket_ids: list[int]) -> dict[int, list[TicketMessage]]:
    """Each ticket's conversation, oldest first (one query for a whole page of tickets)."""
    grouped: dict[int, list[TicketMessage]] = {ticket_id: [] for ticket_id in ticket_ids}
    for message in await TicketMessage.filter(ticket_id__in=ticket_ids).order_by("id"):
        grouped[message.ticket_id].append(message)
    return grouped

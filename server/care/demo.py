"""The demo's care data: a request from the demo member that is past its target, and a survey to answer.

Idempotent: made once, when the demo member has no ticket yet.
"""

from __future__ import annotations

from datetime import timedelta

from tortoise.transactions import in_transaction

from server.care import sending, tickets
from server.core import clock
from server.models import Member, Purchase, Ticket, TicketCategory
from server.points import ledger


async def load_care(member: Member) -> list[str]:
    if await Ticket.exists(member_id=member.id):
        return ["Demo care: the demo member's ticket is already there"]
    now = clock.now()
    order = await Purchase.filter(member_id=member.id).order_by("-occurred_at").first()
    async with in_transaction():
        locked = await ledger.lock_member(member.id)
        ticket = await tickets.create(
            locked,
            TicketCategory.QUESTION,
            f"Points for order {order.order_id}?" if order else "How do tiers work?",
            "I bought this a while ago and would like to check the points I earned.\nThanks!",
            now - timedelta(hours=30),
            order_id=order.order_id if order else None,
            purchase_id=order.id if order else None,
        )
    survey = await sending.send_due_to(member.id, now)
    lines = [f"Demo care: ticket #{ticket.id} waiting for staff (past its {ticket.target_hours}-hour target)"]
    if survey is not None:
        lines.append(f"Demo care: a survey ({survey.kind.value}) waits on the demo member's dashboard")
    return lines

"""What care tells members and staff: notification parameters and the TICKET_ANSWERED event."""

from __future__ import annotations

from typing import Any

from server.messages import events, notifications
from server.models import Ticket, TicketMessage, TicketWait
from server.points.program import get_program


def escalation_params(ticket: Ticket, wait: TicketWait) -> dict[str, Any]:
    tier = get_program().tier(wait.tier_code)
    return {
        "ticket": ticket.id,
        "subject": ticket.subject,
        "tier_name": tier.name,
        "tier_name_zh": tier.name_zh or tier.name,
        "due": f"{wait.due_at:%Y-%m-%d %H:%M}",
    }


async def staff_answered(ticket: Ticket, message: TicketMessage) -> None:
    """Tell the member about a staff answer, and publish it for partners' webhooks (same transaction)."""
    await notifications.notify(
        ticket.member_id,
        "TICKET_ANSWERED",
        {"ticket_id": ticket.id, "subject": ticket.subject},
        dedupe_key=f"ticket-message:{message.id}",
    )
    await events.publish(
        "TICKET_ANSWERED",
        ticket.member_id,
        {
            "ticket_id": ticket.id,
            "message_id": message.id,
            "category": ticket.category.value,
            "subject": ticket.subject,
            "status": ticket.status.value,
            "answered_at": message.created_at.isoformat(),
            "first_response": ticket.first_responded_at == message.created_at,
        },
    )

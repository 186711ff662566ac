"""The care part of a member's data: tickets with their conversation, and survey answers.

Erasing keeps ticket texts and survey answers (the care figures and the staff's record of what
was asked and answered) but strips identity: the account is anonymised, and the member's own
messages are signed "Former member" instead of the name they were written under. Free text the
member typed about themselves stays; staff can remove it on request.
"""

from __future__ import annotations

from typing import Any

from server.accounts.data_rights import data_part
from server.accounts.public_names import FORMER_MEMBER
from server.models import Member, Survey, Ticket, TicketMessage


@data_part("tickets", order=40)
class Tickets:
    @staticmethod
    async def export(member: Member) -> list[dict[str, Any]]:
        tickets = await Ticket.filter(member_id=member.id).prefetch_related("messages").order_by("id")
        return [
            {
                "subject": ticket.subject,
                "category": ticket.category,
                "status": ticket.status,
                "orderId": ticket.order_id,
                "openedAt": ticket.created_at,
                "closedAt": ticket.closed_at,
                "messages": [
                    {
                        "from": "staff" if message.from_staff else "you",
                        "name": message.author_name,
                        "text": message.body,
                        "at": message.created_at,
                    }
                    for message in sorted(ticket.messages, key=lambda m: m.id)
                ],
            }
            for ticket in tickets
        ]

    @staticmethod
    async def erase(member: Member) -> None:
        await TicketMessage.filter(author_id=member.id, from_staff=False).update(author_name=FORMER_MEMBER)


@data_part("surveys", order=41)
class Surveys:
    @staticmethod
    async def export(member: Member) -> list[dict[str, Any]]:
        rows = await Survey.filter(member_id=member.id).order_by("id")
        return [
            {
                "kind": row.kind,
                "status": row.status,
                "about": row.about,
                "sentAt": row.sent_at,
                "answeredAt": row.answered_at,
                "score": row.score,
                "comment": row.comment,
            }
            for row in rows
        ]

"""Who may touch a ticket or a survey: the one place care decides it.

A member's ticket or survey is theirs alone: anyone else's id answers exactly like an id that
was never issued (NOT_FOUND, same message and field: ``server.accounts.ownership``), so ids
cannot be probed. Staff act on any ticket; analysts read every ticket but changing someone
else's tells them they only read (FORBIDDEN).
"""

from __future__ import annotations

from server.accounts import roles
from server.accounts.ownership import owned_by
from server.models import Member, Survey, Ticket


async def ticket_to_act_on(actor: Member, ticket_id: int) -> tuple[Ticket, bool]:
    """The ticket and whether ``actor`` acts on it as staff (False: as its member)."""
    if roles.can_read(actor) and not await Ticket.exists(id=ticket_id, member_id=actor.id):
        roles.require_staff(actor)
    ticket = await owned_by(Ticket, ticket_id, actor, field="ticketId", label="ticket", staff_may_act=True)
    return ticket, ticket.member_id != actor.id


def can_see_ticket(ticket: Ticket, viewer: Member | None) -> bool:
    return viewer is not None and (ticket.member_id == viewer.id or roles.can_read(viewer))


async def own_survey(member: Member, survey_id: int) -> Survey:
    """The member's own survey: only they answer it (staff included, for someone else's)."""
    return await owned_by(Survey, survey_id, member, field="surveyId", label="survey")

"""Who may touch a ticket or a survey: the one place care decides it.

A member's ticket or survey is theirs alone: anyone else's id answers exactly like an id that
was never issued (NOT_FOUND, same message and field), so ids cannot be probed. Staff act on any
ticket; analysts may read tickets but changing one tells them they only read (FORBIDDEN).
"""

from __future__ import annotations

from server.accounts import roles
from server.core.errors import DomainError, ErrorCode
from server.models import Member, Survey, Ticket


def not_found(label: str, field: str) -> DomainError:
    return DomainError(ErrorCode.NOT_FOUND, f"No such {label}.", field)


async def ticket_to_act_on(actor: Member, ticket_id: int) -> tuple[Ticket, bool]:
    """The ticket and whether ``actor`` acts on it as staff (False: as its member)."""
    ticket = await Ticket.get_or_none(id=ticket_id)
    if ticket is not None and ticket.member_id == actor.id:
        return ticket, False
    if ticket is None or not roles.can_read(actor):
        raise not_found("ticket", "ticketId")
    roles.require_staff(actor)
    return ticket, True


def can_see_ticket(ticket: Ticket, viewer: Member | None) -> bool:
    return viewer is not None and (ticket.member_id == viewer.id or roles.can_read(viewer))


async def own_survey(member: Member, survey_id: int) -> Survey:
    """The member's own survey: only they answer it (staff included, for someone else's)."""
    survey = await Survey.get_or_none(id=survey_id, member_id=member.id)
    if survey is None:
        raise not_found("survey", "surveyId")
    return survey

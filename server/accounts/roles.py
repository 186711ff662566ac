"""Who may do what in the back office: staff act, analysts read, members neither.

Every staff-only service calls one of these itself, so a role is enforced in the domain as
well as on the page: a console bug or a hand-made API call cannot let an analyst change data.
"""

from __future__ import annotations

from server.core.errors import DomainError, ErrorCode
from server.models import Member, Role

READ_ROLES = frozenset({Role.STAFF, Role.ANALYST})


def can_act(member: Member | None) -> bool:
    """Staff may change programme data (adjust points, edit the catalog, moderate, answer tickets)."""
    return member is not None and member.role is Role.STAFF


def can_read(member: Member | None) -> bool:
    """Staff and analysts may read every member's data, segments, KPIs, campaigns, tickets, the audit log."""
    return member is not None and member.role in READ_ROLES


def require_staff(actor: Member | None) -> Member:
    """The actor, if they are staff; FORBIDDEN otherwise (analysts are told they only read)."""
    if actor is None:
        raise DomainError(ErrorCode.NOT_AUTHENTICATED, "Log in first.", None)
    if actor.role is Role.ANALYST:
        raise DomainError(ErrorCode.FORBIDDEN, "Analysts have read-only access.", None)
    if actor.role is not Role.STAFF:
        raise DomainError(ErrorCode.FORBIDDEN, "Only staff can do this.", None)
    return actor


def require_reader(actor: Member | None) -> Member:
    """The actor, if they are staff or an analyst; FORBIDDEN otherwise."""
    if actor is None:
        raise DomainError(ErrorCode.NOT_AUTHENTICATED, "Log in first.", None)
    if actor.role not in READ_ROLES:
        raise DomainError(ErrorCode.FORBIDDEN, "Only staff can do this.", None)
    return actor

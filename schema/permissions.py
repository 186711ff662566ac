"""Who may do what: the checks every resolver and mutation goes through."""

from __future__ import annotations

from strawberry.types import Info

from server.accounts.partners import require_scope
from server.core.errors import DomainError, ErrorCode
from server.models import Member, Partner, Role


def viewer(info: Info) -> Member | None:
    return info.context.member


def require_member(info: Info) -> Member:
    member = info.context.member
    if member is None:
        raise DomainError(ErrorCode.NOT_AUTHENTICATED, "Log in first.", None)
    return member


def require_staff(info: Info) -> Member:
    member = require_member(info)
    if member.role is not Role.STAFF:
        raise DomainError(ErrorCode.FORBIDDEN, "Only staff can do this.", None)
    return member


def require_partner(info: Info, scope: str) -> Partner:
    return require_scope(info.context.partner, scope)


def is_staff(info: Info) -> bool:
    member = info.context.member
    return member is not None and member.role is Role.STAFF


def can_see_member(info: Info, member_id: int) -> bool:
    """A member's data is visible to that member and to staff, never to another member."""
    member = info.context.member
    return member is not None and (member.id == member_id or member.role is Role.STAFF)

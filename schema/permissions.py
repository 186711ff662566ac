"""Who may do what: the checks every resolver and mutation goes through.

The role rules themselves live in ``server.accounts.roles`` (services check them too); these are
the resolver-side spellings. ``require_staff`` is for changes (staff only), ``require_reader``
for the back office's reads (staff and analysts).
"""

from __future__ import annotations

from strawberry.types import Info

from server.accounts import roles
from server.accounts.partners import require_scope
from server.core.errors import DomainError, ErrorCode
from server.models import Member, Partner


def viewer(info: Info) -> Member | None:
    return info.context.member


def require_member(info: Info) -> Member:
    member = info.context.member
    if member is None:
        raise DomainError(ErrorCode.NOT_AUTHENTICATED, "Log in first.", None)
    return member


def require_staff(info: Info) -> Member:
    """Staff only: analysts are refused (they read, never change)."""
    return roles.require_staff(require_member(info))


def require_reader(info: Info) -> Member:
    """Staff or analyst: the back office's read access."""
    return roles.require_reader(require_member(info))


def require_partner(info: Info, scope: str) -> Partner:
    return require_scope(info.context.partner, scope)


def is_staff(info: Info) -> bool:
    """Whether the caller may change programme data (staff, not analysts)."""
    return roles.can_act(info.context.member)


def is_reader(info: Info) -> bool:
    """Whether the caller may read back-office data (staff or analyst)."""
    return roles.can_read(info.context.member)


def can_see_member(info: Info, member_id: int) -> bool:
    """A member's data is visible to that member and to staff and analysts, never to another member."""
    member = info.context.member
    return member is not None and (member.id == member_id or roles.can_read(member))

"""Objects that belong to one member: someone else's answers exactly like one that does not exist.

Every mutation that takes the id of a member-owned object (a redemption today; tickets and
surveys in v2) loads it with :func:`owned_by`. A caller who is not the owner gets NOT_FOUND with
the same message and field as for an id that was never issued, never FORBIDDEN: that would tell
them the id exists and let them enumerate other members' objects.
"""

from __future__ import annotations

from typing import TypeVar

from tortoise.models import Model

from server.accounts import roles
from server.core.errors import DomainError, ErrorCode
from server.models import Member

M = TypeVar("M", bound=Model)


def not_found(label: str, field: str) -> DomainError:
    """The one answer for "no such object" and "not yours": same code, field and words."""
    return DomainError(ErrorCode.NOT_FOUND, f"No such {label}.", field)


async def owned_by(
    model: type[M],
    row_id: int,
    actor: Member,
    *,
    field: str,
    label: str,
    staff_may_act: bool = False,
    owner_column: str = "member_id",
) -> M:
    """The ``model`` row ``row_id`` when ``actor`` owns it, else NOT_FOUND on ``field``.

    ``staff_may_act`` lets staff (who may act: :func:`server.accounts.roles.can_act`, not analysts,
    who only read) act on any member's object, for example to cancel a redemption on a member's
    behalf. The ownership test is part of the
    query, so a foreign row is never even loaded. ``label`` words the message ("No such
    redemption."). Rows are not locked here: callers that change one lock or re-check it inside
    their transaction, as they would for a row they own.
    """
    query = model.filter(id=row_id)
    if not (staff_may_act and roles.can_act(actor)):
        query = query.filter(**{owner_column: actor.id})
    row = await query.first()
    if row is None:
        raise not_found(label, field)
    return row

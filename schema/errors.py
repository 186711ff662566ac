"""Typed user errors: every mutation answers ``userErrors`` rather than raising."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import strawberry

from schema.enums import described_enum
from schema.messages import translate
from server.core.errors import DomainError
from server.core.errors import ErrorCode as DomainErrorCode

ErrorCode = described_enum(
    DomainErrorCode,
    name="ErrorCode",
    description="Why an operation was refused. Clients branch on the code, never on the message.",
    values={
        "INVALID_INPUT": "An argument or input field is malformed or out of range; `field` names it.",
        "EMAIL_TAKEN": "Another member already uses this e-mail address.",
        "INVALID_CREDENTIALS": "The e-mail and password do not match a member.",
        "RATE_LIMITED": "Too many attempts in a short time; wait and try again.",
        "NOT_AUTHENTICATED": "The operation needs a signed-in member (or a partner key) and the caller has none.",
        "FORBIDDEN": "The caller is known but may not do this (a member calling a staff operation, a missing scope).",
        "NOT_FOUND": "No such object, or it belongs to someone else: both answer alike.",
        "ALREADY_CHECKED_IN": "The member has already checked in today, in their own time zone.",
        "INSUFFICIENT_POINTS": "The balance is lower than the points the operation needs.",
        "OUT_OF_STOCK": "The benefit has no units left.",
        "TIER_TOO_LOW": "The benefit needs a higher tier than the member holds.",
        "LIMIT_REACHED": (
            "The member already holds as many of this benefit as one member may, or (adjustPoints) the staff "
            "member's daily adjustment cap would be passed."
        ),
        "NOT_AVAILABLE": "The benefit is withdrawn or outside its availability window.",
        "IDEMPOTENCY_CONFLICT": "This idempotency key (or order id) was already used with different arguments.",
        "INVALID_REFERRAL_CODE": "The referral or invite code is unknown, expired or used up.",
        "SELF_REFERRAL": "A member cannot use their own referral code.",
        "ALREADY_REVIEWED": "The member has already reviewed this subject.",
        "CANNOT_CANCEL": "The redemption is no longer ISSUED (used or already cancelled), so it cannot be cancelled.",
        "ALREADY_ANSWERED": "The survey was already answered; a survey takes one answer.",
        "TICKET_CLOSED": "The ticket is RESOLVED or CLOSED: nothing more can be added; open a new ticket instead.",
        "SURVEY_EXPIRED": "The survey was sent more than 14 days ago and no longer takes answers.",
        # messages (issue 13)
        "INVALID_TOKEN": "A reset, confirmation or unsubscribe token that is unknown, already used or expired.",
        # programme engine (issue 15) and console (issue 10)
        "BUDGET_EXHAUSTED": "The campaign's points budget is spent, so it cannot be activated.",
        "INVALID_SCHEDULE": "The recurrence (RRULE) or the window is invalid; `field` names it.",
        "INVALID_STATUS_CHANGE": "The campaign cannot move from its status to the one asked for.",
        "BIRTHDAY_LOCKED": "The birthday was already set once; only staff can correct it.",
    },
)

T = TypeVar("T")

USER_ERRORS = "Why the operation was refused; empty when it succeeded."


@strawberry.type(description="Why a mutation was refused: a machine-readable code, the field at fault, a message.")
class UserError:
    field: str | None = strawberry.field(
        description='The input field at fault, such as "email"; null when no one field is.'
    )
    code: ErrorCode = strawberry.field(description="What went wrong; clients branch on this.")
    message: str = strawberry.field(description="Human-readable, in the caller's locale.")


def user_error(error: DomainError, locale: str) -> UserError:
    return UserError(field=error.field, code=error.code, message=translate(error, locale))


async def attempt(
    action: Callable[[], Awaitable[T]],
    on_error: Callable[[list[UserError]], T],
    locale: str,
) -> T:
    """Run a mutation's action; a :class:`DomainError` becomes the payload's ``userErrors``."""
    try:
        return await action()
    except DomainError as error:
        # InvalidFields carries one refusal per field (a form's every mistake at once).
        return on_error([user_error(e, locale) for e in getattr(error, "errors", [error])])

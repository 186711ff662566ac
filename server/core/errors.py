"""Domain errors: the one way a service says "no" to a caller.

Services raise :class:`DomainError` with a code from :class:`ErrorCode`; the GraphQL layer turns
it into a typed ``UserError`` and the portal into a friendly message. A raise inside a
transaction rolls the whole change back, so a refused operation is never half-applied.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping


class ErrorCode(enum.Enum):
    INVALID_INPUT = "INVALID_INPUT"
    EMAIL_TAKEN = "EMAIL_TAKEN"
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    RATE_LIMITED = "RATE_LIMITED"
    NOT_AUTHENTICATED = "NOT_AUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    NOT_FOUND = "NOT_FOUND"
    ALREADY_CHECKED_IN = "ALREADY_CHECKED_IN"
    INSUFFICIENT_POINTS = "INSUFFICIENT_POINTS"
    OUT_OF_STOCK = "OUT_OF_STOCK"
    TIER_TOO_LOW = "TIER_TOO_LOW"
    LIMIT_REACHED = "LIMIT_REACHED"
    NOT_AVAILABLE = "NOT_AVAILABLE"
    IDEMPOTENCY_CONFLICT = "IDEMPOTENCY_CONFLICT"
    INVALID_REFERRAL_CODE = "INVALID_REFERRAL_CODE"
    SELF_REFERRAL = "SELF_REFERRAL"
    ALREADY_REVIEWED = "ALREADY_REVIEWED"
    CANNOT_CANCEL = "CANNOT_CANCEL"
    # member care
    ALREADY_ANSWERED = "ALREADY_ANSWERED"
    TICKET_CLOSED = "TICKET_CLOSED"
    SURVEY_EXPIRED = "SURVEY_EXPIRED"
    # messages (issue 13)
    INVALID_TOKEN = "INVALID_TOKEN"
    # programme engine (issue 15) and console (issue 10)
    BUDGET_EXHAUSTED = "BUDGET_EXHAUSTED"
    INVALID_SCHEDULE = "INVALID_SCHEDULE"
    INVALID_STATUS_CHANGE = "INVALID_STATUS_CHANGE"
    BIRTHDAY_LOCKED = "BIRTHDAY_LOCKED"


class DomainError(Exception):
    """A refusal the caller can act on: a code, the input field at fault, and a message.

    With ``params``, ``message`` is a ``str.format`` template (kept as ``template``), so that the
    API can word the same refusal in the caller's language with the same figures.
    """

    def __init__(
        self, code: ErrorCode, message: str, field: str | None = None, params: Mapping[str, object] | None = None
    ) -> None:
        self.template = message
        self.params = dict(params or {})
        message = message.format(**self.params) if params else message
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field

    def __repr__(self) -> str:
        return f"DomainError({self.code.value}, {self.message!r}, field={self.field!r})"


def invalid(field: str, message: str, **params: object) -> DomainError:
    """Shorthand for the most common refusal: one input field is wrong (``message`` may be a template)."""
    return DomainError(ErrorCode.INVALID_INPUT, message, field, params)


class InvalidFields(DomainError):
    """Several input fields are wrong at once: a form shows each beside its field in one round trip.

    It is a :class:`DomainError` (the first refusal), so callers that catch one still work; the
    API answers one ``userError`` per entry of ``errors``.
    """

    def __init__(self, errors: list[DomainError]) -> None:
        first = errors[0]
        super().__init__(first.code, first.template, first.field, first.params)
        self.errors = list(errors)

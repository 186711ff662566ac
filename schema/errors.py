"""Typed user errors: every mutation answers ``userErrors`` rather than raising."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import strawberry

from schema.messages import translate
from server.core.errors import DomainError
from server.core.errors import ErrorCode as DomainErrorCode

ErrorCode = strawberry.enum(DomainErrorCode, name="ErrorCode")

T = TypeVar("T")


@strawberry.type
class UserError:
    field: str | None = strawberry.field(
        description='The input field at fault, such as "email"; null when no one field is.'
    )
    code: ErrorCode
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
        return on_error([user_error(error, locale)])

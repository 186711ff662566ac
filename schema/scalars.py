"""The custom scalars' definitions: RFC 3339 dates and date-times, and decimal strings.

Strawberry's built-in ``Date``, ``DateTime`` and ``Decimal`` are replaced (through the schema's
``scalar_map``) so that each carries the contract's description and, for the dates,
``@specifiedBy`` RFC 3339: code generators then know the wire format.

A value a scalar refuses is a GraphQL error (the operation never runs) whose
``extensions.code`` is INVALID_INPUT, like a refused field in a payload's ``userErrors``;
``schema.messages.localise_graphql_error`` words it in the caller's language.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
from collections.abc import Callable

from graphql import GraphQLError
from strawberry.schema.types.base_scalars import DateDefinition, DateTimeDefinition, DecimalDefinition
from strawberry.types.scalar import ScalarDefinition

from server.core import money

RFC_3339 = "https://www.rfc-editor.org/rfc/rfc3339#section-5.6"
DECIMAL_TEXT = 'Expected a decimal number as a string of ASCII digits with at most one ".", such as "12.50".'
DATE_TEXT = 'Expected a date such as "2026-12-02" (RFC 3339 full-date).'
DATETIME_TEXT = 'Expected a date-time such as "2026-12-02T08:30:00+08:00" (RFC 3339).'


class InvalidValue(GraphQLError):
    """A value a scalar refuses; graphql-core keeps this message and these extensions in its error."""

    def __init__(self, message: str) -> None:
        super().__init__(message, extensions={"code": "INVALID_INPUT"})


def parse_decimal(value: object) -> decimal.Decimal:
    """Plain decimal text only (see :mod:`server.core.money`): no exponent, sign, "_" or other digits."""
    parsed = money.parse_decimal(value)
    if parsed is None:
        raise InvalidValue(DECIMAL_TEXT)
    return parsed


def _typed(parse: Callable[[object], object], message: str) -> Callable[[object], object]:
    """Strawberry's parser, its refusal re-raised as ``message`` with extensions.code INVALID_INPUT."""

    def parse_value(value: object) -> object:
        try:
            return parse(value)
        except (GraphQLError, ValueError, TypeError, OverflowError):
            raise InvalidValue(message) from None

    return parse_value

Date = dataclasses.replace(
    DateDefinition,
    description="A calendar date, RFC 3339 full-date: 2026-12-02.",
    specified_by_url=RFC_3339,
    parse_value=_typed(DateDefinition.parse_value, DATE_TEXT),
)
DateTime = dataclasses.replace(
    DateTimeDefinition,
    description="A date-time with its UTC offset, RFC 3339: 2026-12-02T08:30:00+08:00.",
    specified_by_url=RFC_3339,
    parse_value=_typed(DateTimeDefinition.parse_value, DATETIME_TEXT),
)
Decimal = dataclasses.replace(
    DecimalDefinition,
    description="An exact decimal number as a string of ASCII digits with an optional '.', such as \"12.50\". "
    "Anything else (a JSON number, a sign, an exponent, spaces, '_' or other scripts' digits) is a GraphQL error "
    "with extensions.code INVALID_INPUT.",
    parse_value=parse_decimal,
)

SCALAR_MAP: dict[object, ScalarDefinition] = {dt.date: Date, dt.datetime: DateTime, decimal.Decimal: Decimal}

"""The custom scalars' definitions: RFC 3339 dates and date-times, and decimal strings.

Strawberry's built-in ``Date``, ``DateTime`` and ``Decimal`` are replaced (through the schema's
``scalar_map``) so that each carries the contract's description and, for the dates,
``@specifiedBy`` RFC 3339: code generators then know the wire format.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal

from strawberry.schema.types.base_scalars import DateDefinition, DateTimeDefinition, DecimalDefinition
from strawberry.types.scalar import ScalarDefinition

RFC_3339 = "https://www.rfc-editor.org/rfc/rfc3339#section-5.6"

Date = dataclasses.replace(
    DateDefinition,
    description="A calendar date, RFC 3339 full-date: 2026-12-02.",
    specified_by_url=RFC_3339,
)
DateTime = dataclasses.replace(
    DateTimeDefinition,
    description="A date-time with its UTC offset, RFC 3339: 2026-12-02T08:30:00+08:00.",
    specified_by_url=RFC_3339,
)
Decimal = dataclasses.replace(
    DecimalDefinition,
    description="An exact decimal number as a string of ASCII digits with an optional '.', such as \"12.50\".",
)

SCALAR_MAP: dict[object, ScalarDefinition] = {dt.date: Date, dt.datetime: DateTime, decimal.Decimal: Decimal}

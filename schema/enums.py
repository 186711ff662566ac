"""GraphQL enums over the domain's Python enums, with a description for every value.

The domain's enums (``server``) may not import strawberry, so their GraphQL descriptions live
here, next to the adapter: :func:`described_enum` wraps the domain enum and attaches one
description per value. A value left without one is named by ``tests/test_schema_documented.py``.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import TypeVar

import strawberry

E = TypeVar("E", bound=type[enum.Enum])


def described_enum(cls: E, *, name: str, description: str, values: Mapping[str, str]) -> E:
    """``strawberry.enum(cls)`` with ``description`` and ``values[member name]`` for each value."""
    unknown = set(values) - set(cls.__members__)
    if unknown:
        raise ValueError(f"{name}: descriptions for values it does not have: {sorted(unknown)}")
    wrapped = strawberry.enum(cls, name=name, description=description)
    for value in wrapped.__strawberry_definition__.values:  # type: ignore[attr-defined]
        value.description = values.get(value.name)
    return wrapped

"""Run the portal's named GraphQL operations in-process, through the API's own schema.

Each page keeps its operations in ``portal/operations/<name>.graphql`` (console pages in
``portal/staff/operations/``). Fragments shared by
several operations (such as ``Layout``, the header's data) live in ``portal/operations/
fragments.graphql`` and are appended to any document that spreads them. The context is built
exactly as the HTTP endpoint builds it, so authorization, limits and errors are the API's.
"""

from __future__ import annotations

import functools
import logging
import re
from pathlib import Path
from typing import Any

from schema.api import get_schema
from schema.context import Context

log = logging.getLogger("patron.portal")

OPERATIONS_DIR = Path(__file__).resolve().parent / "operations"
STAFF_OPERATIONS_DIR = Path(__file__).resolve().parent / "staff" / "operations"
FRAGMENTS_FILE = "fragments.graphql"
_FRAGMENT_DEF = re.compile(r"^fragment\s+(\w+)\s+on\s+\w+\s*\{", re.MULTILINE)
_SPREAD = re.compile(r"\.\.\.\s*([A-Za-z_]\w*)")


class OperationFailed(Exception):
    """The operation answered top-level ``errors`` (a bug or bad input such as a forged cursor)."""

    def __init__(self, name: str, errors: list[Any]) -> None:
        super().__init__(f"{name}: {'; '.join(str(e) for e in errors)}")
        self.errors = errors
        self.unexpected = any("Unexpected error" in str(e) for e in errors)


def _shared_fragments() -> dict[str, str]:
    path = OPERATIONS_DIR / FRAGMENTS_FILE
    if not path.exists():
        return {}
    text = path.read_text()
    starts = [(m.group(1), m.start()) for m in _FRAGMENT_DEF.finditer(text)]
    return {
        name: text[start : starts[i + 1][1] if i + 1 < len(starts) else len(text)].strip()
        for i, (name, start) in enumerate(starts)
    }


@functools.lru_cache(maxsize=256)
def document(name: str) -> str:
    """The text of operation ``name`` with every shared fragment it uses (transitively) appended.

    ``staff/<name>`` is a console operation, kept in ``portal/staff/operations/``.
    """
    if name.startswith("staff/"):
        text = (STAFF_OPERATIONS_DIR / f"{name.removeprefix('staff/')}.graphql").read_text()
    else:
        text = (OPERATIONS_DIR / f"{name}.graphql").read_text()
    shared = _shared_fragments()
    own = set(_FRAGMENT_DEF.findall(text))
    added: list[str] = []
    pending = [s for s in _SPREAD.findall(text) if s not in own]
    while pending:
        spread = pending.pop()
        if spread in own or spread not in shared:
            continue
        own.add(spread)
        added.append(shared[spread])
        pending.extend(_SPREAD.findall(shared[spread]))
    return "\n\n".join([text, *added])


async def execute(
    name: str, context: Context, variables: dict[str, Any] | None = None, *, production: bool = False
) -> dict[str, Any]:
    """Run operation ``name`` as the context's caller; returns ``data`` or raises :class:`OperationFailed`."""
    result = await get_schema(production=production).execute(
        document(name), variable_values=variables or {}, context_value=context
    )
    if result.errors:
        failure = OperationFailed(name, result.errors)
        log.warning("portal operation %s failed: %s", name, failure)
        raise failure
    return result.data or {}

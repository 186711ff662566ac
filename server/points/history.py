"""A member's ledger as pages, newest first: the read every dashboard and history page makes.

Rows are plain objects (:class:`LedgerLine`) with only the columns a page shows, decoded with
the standard library; the statements are prepared once (``server.core.prepared``). Writes keep
using the ORM model (``server.models.LedgerEntry``), which has the same attribute names, so a
page can show either.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from server.core.prepared import Statement, moment
from server.models import LedgerKind

_COLUMNS = "id, kind, delta, balance_after, description, params, created_at, expires_at"
COUNT = Statement("SELECT COUNT(*) FROM ledger_entry WHERE member_id = ?")
FIRST_PAGE = Statement(f"SELECT {_COLUMNS} FROM ledger_entry WHERE member_id = ? ORDER BY id DESC LIMIT ?")
NEXT_PAGE = Statement(
    f"SELECT {_COLUMNS} FROM ledger_entry WHERE member_id = ? AND id < ? ORDER BY id DESC LIMIT ?"
)
_KINDS = {kind.value: kind for kind in LedgerKind}


@dataclass(slots=True)
class LedgerLine:
    """One ledger entry as a page shows it."""

    id: int
    member_id: int
    kind: LedgerKind
    delta: int
    balance_after: int
    description: str
    stored_params: Any  # JSON text on SQLite; decoded on demand (only non-English readers need it)
    created_at: datetime
    expires_at: datetime | None

    @property
    def params(self) -> dict[str, Any] | None:
        value = self.stored_params
        return json.loads(value) if isinstance(value, str) else value


@dataclass(slots=True)
class LedgerPage:
    lines: list[LedgerLine]
    total: int
    has_next: bool


async def page(member_id: int, first: int, after_id: int | None = None) -> LedgerPage:
    """``first`` entries older than ``after_id`` (or the newest), and the ledger's total length."""
    (total,) = await COUNT.one(member_id)
    if not first:
        return LedgerPage([], int(total), False)
    if after_id is None:
        rows = await FIRST_PAGE.all(member_id, first + 1)
    else:
        rows = await NEXT_PAGE.all(member_id, after_id, first + 1)
    lines = [
        LedgerLine(row[0], member_id, _KINDS[row[1]], row[2], row[3], row[4], row[5], moment(row[6]), moment(row[7]))
        for row in rows[:first]
    ]
    return LedgerPage(lines, int(total), len(rows) > first)

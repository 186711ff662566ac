"""Exporting a filtered member list as CSV, streamed: a batch of rows at a time, never the whole list.

Rows are read by keyset (member id) in batches, so memory stays flat whatever the number of
members; the console streams them (``/staff/members.csv``) and ``patron export members`` writes
them to stdout. Members without an insight row yet (joined since the latest snapshot) export as
NO_PURCHASES / NEW, as ``segment_counts`` counts them.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from server.accounts import roles
from server.core.prepared import Statement, is_sqlite
from server.models import LifecycleStage, Member, RfmSegment

CSV_HEADER = (
    "email", "name", "tier", "segment", "stage", "recency_score", "frequency_score", "monetary_score",
    "lifetime_value",
)
BATCH = 1000


@dataclass(frozen=True)
class ExportFilter:
    """The console's member-list filters (URL ``q``, ``tier``, ``segment``, ``stage``, ``high_value``)."""

    search: str = ""
    tier_codes: tuple[str, ...] = ()
    segments: tuple[RfmSegment, ...] = ()
    stages: tuple[LifecycleStage, ...] = ()
    high_value: bool | None = None


def _where(chosen: ExportFilter, sqlite: bool) -> tuple[str, list[object]]:
    clauses: list[str] = []
    args: list[object] = []
    if chosen.search:
        escaped = chosen.search.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        clauses.append("(LOWER(m.email) LIKE ? ESCAPE '\\' OR LOWER(m.display_name) LIKE ? ESCAPE '\\')")
        args += [f"%{escaped}%", f"%{escaped}%"]
    for column, values in (
        ("m.tier_code", chosen.tier_codes),
        ("COALESCE(i.segment, 'NO_PURCHASES')", [s.value for s in chosen.segments]),
        ("COALESCE(i.stage, 'NEW')", [s.value for s in chosen.stages]),
    ):
        if values:
            clauses.append(f"{column} IN ({', '.join('?' for _ in values)})")
            args += list(values)
    if chosen.high_value is not None:
        false = "0" if sqlite else "FALSE"
        clauses.append(f"COALESCE(i.high_value, {false}) = ?")
        args.append(chosen.high_value)
    return "".join(f" AND {clause}" for clause in clauses), args


def _page_sql(where: str) -> str:
    return (
        "SELECT m.id, m.email, m.display_name, m.tier_code, COALESCE(i.segment, 'NO_PURCHASES'), "
        "COALESCE(i.stage, 'NEW'), i.recency_score, i.frequency_score, i.monetary_score, i.lifetime_value "
        "FROM member m LEFT JOIN member_insight i ON i.member_id = m.id "
        f"WHERE m.id > ?{where} ORDER BY m.id LIMIT ?"
    )


async def count_members(chosen: ExportFilter) -> int:
    where, args = _where(chosen, is_sqlite())
    sql = f"SELECT COUNT(*) FROM member m LEFT JOIN member_insight i ON i.member_id = m.id WHERE 1 = 1{where}"
    return int((await Statement(sql).one(*args))[0])


async def member_rows(chosen: ExportFilter, batch: int = BATCH) -> AsyncIterator[list[tuple]]:
    """The matching members in id order, ``batch`` rows at a time (one statement per batch)."""
    where, args = _where(chosen, is_sqlite())
    statement = Statement(_page_sql(where))
    after = 0
    while True:
        rows = await statement.all(after, *args, batch)
        if not rows:
            return
        yield [tuple(row) for row in rows]
        if len(rows) < batch:
            return
        after = rows[-1][0]


def _cell(text: str) -> str:
    """A text cell a spreadsheet will not run as a formula (CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _score(value: object) -> str:
    return "" if value is None else str(value)


def csv_chunk(rows: list[tuple], header: bool = False) -> str:
    """CSV text of one batch (and the header line first, when asked)."""
    out = io.StringIO()
    writer = csv.writer(out)
    if header:
        writer.writerow(CSV_HEADER)
    for _id, email, name, tier, segment, stage, r, f, m, lifetime in rows:
        writer.writerow([
            _cell(email), _cell(name), tier, segment, stage, _score(r), _score(f), _score(m),
            f"{lifetime or 0:.2f}" if not isinstance(lifetime, str) else lifetime,
        ])
    return out.getvalue()


async def csv_stream(
    chosen: ExportFilter, progress: Callable[[int], None] | None = None, batch: int = BATCH
) -> AsyncIterator[str]:
    """The CSV export, one chunk of text per batch (the header comes first, even with no rows)."""
    yield csv_chunk([], header=True)
    done = 0
    async for rows in member_rows(chosen, batch):
        done += len(rows)
        yield csv_chunk(rows)
        if progress is not None:
            progress(done)


async def export_members(actor: Member | None, chosen: ExportFilter) -> AsyncIterator[str]:
    """The console's export: staff and analysts only (checked before the first row is read)."""
    roles.require_reader(actor)
    return csv_stream(chosen)

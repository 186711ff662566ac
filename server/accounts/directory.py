"""The member directory: members matching a filter, newest first, paged by keyset.

One query shape serves the console's member list (``Query.members``), exports and campaign
audiences, so it is written once here:

- :func:`member_page` answers one page plus the total: two statements whatever the directory's
  size, because paging continues from the last member id (``m.id < ?`` on the primary key) rather
  than skipping rows with an offset.
- :func:`iter_members` walks every matching member in batches (for CSV exports), one statement
  per batch and no total.

Segment, stage and high-value filters read ``member_insight`` (one row per member, written by the
insight snapshot). A member the snapshot has not seen yet (no row) counts as the contract's
"never bought": segment ``NO_PURCHASES``, stage ``NEW`` while they joined 30 days ago or less and
``CHURNED`` after that, and not high-value.

Search is a case-insensitive substring of the e-mail or the display name (``ILIKE`` on
PostgreSQL, served by trigram indexes where ``pg_trgm`` could be installed; SQLite's ``LIKE``,
which folds ASCII letters only).
"""

from __future__ import annotations

import unicodedata
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from server.core import clock
from server.core.errors import invalid
from server.core.prepared import Columns, Statement, is_sqlite
from server.models import Member
from server.models.insight import LifecycleStage, RfmSegment

MAX_PAGE = 100
MAX_SEARCH = 100
MAX_CHOICES = 50
NEW_MEMBER_DAYS = 30  # the contract's NEW stage: joined 30 days ago or less (and no older purchase)

_MEMBER = Columns(Member, "m")


@dataclass(frozen=True)
class MemberFilter:
    """What to match; every given part must hold (empty parts match everyone)."""

    search: str | None = None
    tier_codes: Sequence[str] = ()
    segments: Sequence[RfmSegment] = ()
    stages: Sequence[LifecycleStage] = ()
    high_value: bool | None = None


@dataclass
class MemberPage:
    """One page, newest member first. ``members[i].id`` is the position to continue after."""

    members: list[Member]
    total: int
    has_next: bool
    has_previous: bool


@dataclass
class _Where:
    joins: str = ""
    clauses: list[str] = field(default_factory=list)
    args: list[Any] = field(default_factory=list)

    def sql(self, extra: str = "") -> str:
        clauses = [*self.clauses, extra] if extra else self.clauses
        return f"FROM member m{self.joins}" + (" WHERE " + " AND ".join(clauses) if clauses else "")


def _pattern(search: str) -> str:
    """``%search%`` with LIKE's wildcards taken literally (backslash escapes on both databases)."""
    escaped = search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _placeholders(values: Sequence[Any]) -> str:
    return ", ".join("?" for _ in values)


def _where(where: MemberFilter) -> _Where:
    """The filter as SQL over ``member m`` (and ``member_insight mi`` when the filter needs it)."""
    built = _Where()
    search = unicodedata.normalize("NFC", (where.search or "").strip())
    if len(search) > MAX_SEARCH:
        raise invalid("search", "Use at most {max_length:,} characters.", max_length=MAX_SEARCH)
    for name, values in (("tierCodes", where.tier_codes), ("segments", where.segments), ("stages", where.stages)):
        if len(values) > MAX_CHOICES:
            raise invalid(name, f"Choose at most {MAX_CHOICES} values.")
    if search:
        like = "LIKE ? ESCAPE '\\'" if is_sqlite() else "ILIKE ?"
        built.clauses.append(f"(m.email {like} OR m.display_name {like})")
        built.args += [_pattern(search.lower()), _pattern(search)]
    if where.tier_codes:
        codes = sorted({code.strip() for code in where.tier_codes})
        built.clauses.append(f"m.tier_code IN ({_placeholders(codes)})")
        built.args += codes
    if where.segments or where.stages or where.high_value is not None:
        built.joins = " LEFT JOIN member_insight mi ON mi.member_id = m.id"
    if where.segments:
        segments = sorted({RfmSegment(s).value for s in where.segments})
        clause = f"mi.segment IN ({_placeholders(segments)})"
        if RfmSegment.NO_PURCHASES.value in segments:
            clause += " OR mi.id IS NULL"
        built.clauses.append(f"({clause})")
        built.args += segments
    if where.stages:
        stages = sorted({LifecycleStage(s).value for s in where.stages})
        clause = f"mi.stage IN ({_placeholders(stages)})"
        cutoff = clock.now() - timedelta(days=NEW_MEMBER_DAYS)
        unseen = []
        if LifecycleStage.NEW.value in stages:
            unseen.append("m.joined_at >= ?")
        if LifecycleStage.CHURNED.value in stages:
            unseen.append("m.joined_at < ?")
        if len(unseen) == 2:
            clause += " OR mi.id IS NULL"
        elif unseen:
            clause += f" OR (mi.id IS NULL AND {unseen[0]})"
        built.clauses.append(f"({clause})")
        built.args += stages
        if len(unseen) == 1:
            built.args.append(cutoff)
    if where.high_value is True:
        built.clauses.append("mi.high_value = ?")
        built.args.append(True)
    elif where.high_value is False:
        built.clauses.append("(mi.high_value = ? OR mi.id IS NULL)")
        built.args.append(False)
    return built


async def _rows(built: _Where, limit: int, *, before_id: int | None = None, after_id: int | None = None,
                backward: bool = False) -> list[Member]:
    """Up to ``limit`` members, newest first from below ``before_id`` (or oldest first above ``after_id``)."""
    args = list(built.args)
    if backward:
        extra = "m.id > ?" if after_id is not None else ""
        order = "ASC"
        args += [after_id] if after_id is not None else []
    else:
        extra = "m.id < ?" if before_id is not None else ""
        order = "DESC"
        args += [before_id] if before_id is not None else []
    statement = Statement(f"SELECT {_MEMBER.sql} {built.sql(extra)} ORDER BY m.id {order} LIMIT ?")
    return [_MEMBER.load(row) for row in await statement.all(*args, limit)]


async def count_members(where: MemberFilter) -> int:
    """How many members match ``where``."""
    built = _where(where)
    row = await Statement(f"SELECT COUNT(*) {built.sql()}").one(*built.args)
    return int(row[0])


async def member_page(
    where: MemberFilter | None = None,
    first: int = 20,
    after: int | None = None,
    *,
    last: int | None = None,
    before: int | None = None,
) -> MemberPage:
    """One page of members matching ``where``, newest (highest id) first, and the total.

    Forward: ``first`` members after the member with id ``after`` (from the start when None).
    Backward (``last`` given): the ``last`` members just before the member with id ``before``
    (the end of the list when None), still newest first — the console's "previous page".
    Two statements (the page and the count) however many members there are.
    """
    where = where or MemberFilter()
    size = first if last is None else last
    if not 0 <= size <= MAX_PAGE:
        raise invalid("last" if last is not None else "first", f"Use 0 to {MAX_PAGE}.")
    built = _where(where)
    total = await count_members(where)
    if size == 0:
        return MemberPage([], total, False, False)
    if last is None:
        rows = await _rows(built, size + 1, before_id=after)
        return MemberPage(rows[:size], total, has_next=len(rows) > size, has_previous=after is not None)
    rows = await _rows(built, size + 1, after_id=before, backward=True)
    return MemberPage(list(reversed(rows[:size])), total, has_next=before is not None, has_previous=len(rows) > size)


async def iter_members(where: MemberFilter | None = None, batch: int = 1000) -> AsyncIterator[list[Member]]:
    """Every member matching ``where``, newest first, as lists of up to ``batch`` members.

    Keyset-paged like :func:`member_page` (one statement per batch, no total): safe over a
    directory of millions, and a member who joins meanwhile is simply not in this walk.
    """
    if batch < 1:
        raise ValueError("batch must be positive")
    built = _where(where or MemberFilter())
    last_id: int | None = None
    while True:
        rows = await _rows(built, batch, before_id=last_id)
        if rows:
            yield rows
        if len(rows) < batch:
            return
        last_id = rows[-1].id

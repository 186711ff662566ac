"""Helpers for the points tests: ledger invariants checked in the database, members made fast.

``assert_ledger_consistent`` is the check every money test ends with: the balance equals the
sum of the ledger, each ``balanceAfter`` follows from the one before, and the unspent lots add
up to exactly the positive part of the balance (debt leaves no spendable lot).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from tortoise.transactions import in_transaction

from server.accounts import tokens
from server.core import clock
from server.models import LedgerEntry, LedgerKind, Member
from server.points import ledger
from server.points.program import Program
from tests.server_process import ServerProcess
from tests.support import Caller

ADJUST_POINTS = """
mutation Adjust($memberId: ID!, $delta: Int!, $reason: String!, $key: String!) {
  adjustPoints(memberId: $memberId, delta: $delta, reason: $reason, idempotencyKey: $key) {
    entry { id kind delta balanceAfter description }
    member { points { balance } }
    userErrors { field code message }
  }
}
"""

POINTS = """
query Points {
  viewer {
    points {
      balance lifetimeEarned lifetimeSpent
      expiring { points expiresOn }
      ledger(first: 50) { totalCount edges { node { id kind delta balanceAfter expiresOn description } } }
    }
  }
}
"""

_emails = itertools.count(1)


def utc(year: int, month: int, day: int, hour: int = 12, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


async def new_member(timezone: str = "Asia/Shanghai", tier_code: str = "silver") -> Member:
    """A member row made directly (no password hashing), for tests that call the domain."""
    now = clock.now()
    return await Member.create(
        email=f"row{next(_emails)}-{tokens.random_code(6).lower()}@example.com",
        password_hash="-",
        display_name="Row Member",
        joined_at=now,
        timezone=timezone,
        tier_code=tier_code,
        tier_reached_at=now,
        share_code=tokens.random_code(10),
    )


async def member_of(caller: Caller) -> Member:
    return await Member.get(email=(caller.email or "").strip().lower())


async def credit(member_id: int, points: int, kind: LedgerKind = LedgerKind.BONUS, at: datetime | None = None):
    async with in_transaction():
        member = await ledger.lock_member(member_id)
        return await ledger.credit(member, kind, points, "test credit", at=at)


async def debit(member_id: int, points: int, *, allow_debt: bool = False, at: datetime | None = None):
    kind = LedgerKind.PURCHASE_REFUND if allow_debt else LedgerKind.REDEMPTION
    async with in_transaction():
        member = await ledger.lock_member(member_id)
        return await ledger.debit(member, kind, points, "test debit", allow_debt=allow_debt, at=at)


async def restore(member_id: int, debit_id: int, at: datetime | None = None) -> LedgerEntry:
    async with in_transaction():
        member = await ledger.lock_member(member_id)
        return await ledger.restore(member, debit_id, LedgerKind.REDEMPTION_REFUND, "test restore", at=at)


async def expire(member_id: int, at: datetime) -> LedgerEntry | None:
    async with in_transaction():
        member = await ledger.lock_member(member_id)
        return await ledger.expire_due(member, at)


async def assert_ledger_consistent(member_id: int) -> Member:
    """Balance == sum(ledger), a gap-free balanceAfter chain, and lots == positive balance."""
    member = await Member.get(id=member_id)
    entries = await LedgerEntry.filter(member_id=member_id).order_by("id")
    running = 0
    for entry in entries:
        running += entry.delta
        assert entry.balance_after == running, (entry.id, entry.kind, entry.balance_after, running)
    assert member.balance == running
    assert all(entry.remaining >= 0 for entry in entries)
    unspent = sum(entry.remaining for entry in entries)
    assert unspent == max(0, member.balance), (unspent, member.balance)
    earned = sum(
        e.delta
        for e in entries
        if (e.kind in ledger.EARNING_KINDS and e.delta > 0) or e.kind is LedgerKind.PURCHASE_REFUND
    )
    assert member.lifetime_earned == earned
    return member


@contextlib.asynccontextmanager
async def two_servers(log_dir: Path) -> AsyncIterator[list[str]]:
    """Two real ``patron serve`` processes on the test database; yields their base URLs."""
    servers = [ServerProcess({}, log_dir / f"server{n}.log") for n in range(2)]
    async with contextlib.AsyncExitStack() as stack:
        for server in servers:
            await server.start()
            stack.push_async_callback(server.stop)
        yield [server.url for server in servers]


async def race(urls: list[str], requests: list[tuple[str, dict[str, Any], Caller]]) -> list[dict]:
    """Send every (document, variables, caller) at once, alternating between the servers."""
    async with httpx.AsyncClient(timeout=60) as client:
        responses = await asyncio.gather(
            *(
                client.post(f"{urls[n % len(urls)]}/graphql", json={"query": q, "variables": v}, headers=c.headers)
                for n, (q, v, c) in enumerate(requests)
            )
        )
    bodies = [r.json() for r in responses]
    assert all(r.status_code == 200 and not b.get("errors") for r, b in zip(responses, bodies, strict=True)), bodies
    return [b["data"] for b in bodies]


@contextlib.contextmanager
def programme(text: str, directory: Path) -> Iterator[Program]:
    """Run with the rules from a PATRON_PROGRAM file holding ``text``; the old rules come back after."""
    from server.core.config import get_settings
    from server.points.program import get_program

    previous = os.environ.get("PATRON_PROGRAM")
    path = directory / "program.toml"
    path.write_text(text, encoding="utf-8")
    os.environ["PATRON_PROGRAM"] = str(path)
    get_settings.cache_clear()
    get_program.cache_clear()
    try:
        yield get_program()
    finally:
        if previous is None:
            os.environ.pop("PATRON_PROGRAM", None)
        else:
            os.environ["PATRON_PROGRAM"] = previous
        get_settings.cache_clear()
        get_program.cache_clear()

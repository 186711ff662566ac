"""Every prepared statement on a hot path finds its rows through an index: its cost does not grow
with the number of members, ledger rows or purchases (checked on SQLite's query planner)."""

from __future__ import annotations

from datetime import date

import pytest
from tortoise import Tortoise

from server.accounts import partners, sessions
from server.core.prepared import Statement
from server.messages import notifications
from server.points import history, ledger, purchases, tiers
from server.social import checkins, referrals
from tests.conftest import BACKEND

HOT = {
    "token and member": sessions.TOKEN_AND_MEMBER,
    "member by id": sessions.MEMBER_BY_ID,
    "qualifying points": tiers.QUALIFYING_ONE,
    "tier standing": tiers.STANDING_ONE,
    "expiring points": ledger.EXPIRING,
    "lock member": ledger.LOCK_MEMBER,
    "lapsed lots": ledger.LAPSED_LOTS,
    "ledger length": history.COUNT,
    "ledger first page": history.FIRST_PAGE,
    "ledger next page": history.NEXT_PAGE,
    "last check-in": checkins.LAST_CHECK_IN,
    "checked in since": checkins.CHECKED_IN_SINCE,
    "streak on a day": checkins.STREAK_ON,
    "order seen": purchases.ORDER_SEEN,
    "member by e-mail": purchases.MEMBER_BY_EMAIL,
    "pending referral": referrals.PENDING_REFERRAL,
    "unread badge": notifications.UNREAD,
    "partner by key": partners.PARTNER_BY_KEY,
}


def _dummy(statement: Statement) -> list[object]:
    values: list[object] = [1, "2026-01-01 00:00:00+00:00", "x", date(2026, 1, 1).isoformat(), 20]
    return [values[i % len(values)] for i in range(statement.sqlite.count("?"))]


@pytest.mark.skipif(BACKEND != "sqlite", reason="the plans read are SQLite's")
@pytest.mark.parametrize("name", sorted(HOT))
async def test_hot_statement_uses_an_index(name: str) -> None:
    statement = HOT[name]
    conn = Tortoise.get_connection("default")
    _, rows = await conn.execute_query("EXPLAIN QUERY PLAN " + statement.sqlite, _dummy(statement))
    plan = [row[3] for row in rows]
    scans = [step for step in plan if step.startswith("SCAN")]
    assert not scans, f"{name} reads a whole table: {plan}"


def test_statements_are_written_once_for_both_databases() -> None:
    numbered = Statement("SELECT a FROM t WHERE b = ? AND c > ? LIMIT ?", postgres_suffix="FOR UPDATE")
    assert numbered.sqlite == "SELECT a FROM t WHERE b = ? AND c > ? LIMIT ?"
    assert numbered.postgres == "SELECT a FROM t WHERE b = $1 AND c > $2 LIMIT $3 FOR UPDATE"

"""At a couple of hundred thousand members the dashboard costs what it costs at one: the same
statements, each found through an index. Slow (it builds the database): ``pytest -m slow``."""

from __future__ import annotations

import pytest
from tortoise import Tortoise

from server.accounts import issue_token
from server.demo_members import load_members
from server.models import LedgerEntry, Member
from tests.conftest import BACKEND
from tests.performance.test_read_plans import HOT, _dummy
from tests.sqlcount import count_sql
from tests.support import Api, Caller
from tests.test_dashboard_queries import DASHBOARD

MEMBERS = 200_000


@pytest.mark.slow
@pytest.mark.timeout(1800)
async def test_dashboard_statements_and_plans_do_not_change_with_size(api: Api) -> None:
    await load_members(MEMBERS)
    assert await Member.filter(email__startswith="member").count() == MEMBERS
    first = await Member.get(email="member0000001@example.com")
    last = await Member.get(email=f"member{MEMBERS:07d}@example.com")
    counts = []
    for member in (first, last):
        caller = Caller({"Authorization": f"Bearer {await issue_token(member)}"})
        with count_sql() as statements:
            data = await api.run(DASHBOARD, caller=caller)
        counts.append(len(statements))
        ledger = data["viewer"]["points"]["ledger"]
        assert ledger["totalCount"] == await LedgerEntry.filter(member_id=member.id).count()
        assert data["viewer"]["points"]["balance"] == member.balance
    assert counts[0] == counts[1]
    if BACKEND == "sqlite":  # the planner now has statistics (the generator ran ANALYZE)
        conn = Tortoise.get_connection("default")
        for name, statement in HOT.items():
            _, rows = await conn.execute_query("EXPLAIN QUERY PLAN " + statement.sqlite, _dummy(statement))
            assert not [r[3] for r in rows if r[3].startswith("SCAN")], name

"""At 100k members (about 2M ledger rows) the snapshot is a fixed handful of set-based statements, not a
statement per member, and finishes within minutes. Slow (it builds the database): ``pytest -m slow``;
bench/insight_bench.py measures 1M members on both databases."""

from __future__ import annotations

import time

import pytest

from server.core import clock
from server.demo_members import load_members
from server.insight import segment_counts, take_snapshot
from server.insight.snapshot import BATCH
from server.models import Member, MemberInsight, Role
from tests.sqlcount import count_sql

MEMBERS = 100_000


@pytest.mark.slow
@pytest.mark.timeout(3600)
async def test_a_snapshot_of_100k_members_is_set_based() -> None:
    await load_members(MEMBERS)
    started = time.perf_counter()
    with count_sql() as statements:
        result = await take_snapshot(clock.now())
    took = time.perf_counter() - started
    batches = -(-MEMBERS // BATCH)
    assert result.members == MEMBERS == await MemberInsight.all().count()
    assert len(statements) <= 15 + 2 * batches, len(statements)  # per batch: figures and a count
    assert took < 600, took  # about a minute on a quiet machine; the bound allows a busy one
    staff = await Member.first()
    staff.role = Role.STAFF
    counts = await segment_counts(staff)
    assert sum(c.members for c in counts.segments) == MEMBERS == sum(c.members for c in counts.stages)
    assert result.purchasers > MEMBERS // 2
    assert len([c for c in counts.segments if c.members]) >= 8  # a year of varied history fills the grid

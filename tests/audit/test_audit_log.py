"""The audit trail records a staff change in the change's own transaction, and reads back newest first."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from tortoise.transactions import in_transaction

from server import audit
from server.models import AuditEntry
from tests.points_support import new_member


async def test_an_entry_is_kept_only_when_its_change_commits() -> None:
    staff, member = await new_member(), await new_member()
    with pytest.raises(RuntimeError):
        async with in_transaction():
            await audit.record(staff, "points.adjust", target_type="member", target_id=member.id, reason="lost")
            raise RuntimeError("the adjustment failed")
    assert await AuditEntry.all().count() == 0

    async with in_transaction():
        await audit.record(
            staff,
            "member.birthday_correct",
            target_type="member",
            target_id=member.id,
            member_id=member.id,
            before={"birthday": date(1990, 2, 1)},
            after={"birthday": date(1990, 1, 2), "cost": Decimal("1.50")},
            reason="typo at sign-up",
        )
    entry = await AuditEntry.get()
    assert entry.actor_email == staff.email and entry.member_id == member.id
    assert entry.before == {"birthday": "1990-02-01"}
    assert entry.after == {"birthday": "1990-01-02", "cost": "1.50"}


async def test_entries_filter_by_actor_and_kind_newest_first() -> None:
    alice, bob, member = await new_member(), await new_member(), await new_member()
    for actor, action in [(alice, "points.adjust"), (bob, "points.adjust"), (alice, "benefit.update")]:
        await audit.record(actor, action, target_type="member", target_id=member.id)

    by_alice = await audit.entries(audit.AuditFilter(actor_id=alice.id))
    assert [e.action for e in by_alice] == ["benefit.update", "points.adjust"]
    adjustments = await audit.entries(audit.AuditFilter(action="points.adjust"))
    assert [e.actor_email for e in adjustments] == [bob.email, alice.email]
    assert (await audit.entries(audit.AuditFilter(action="review.publish"))) == []

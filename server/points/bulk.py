"""Ledger changes for a whole batch of members in a few statements: the nightly jobs' path.

The same rules as :mod:`server.points.ledger` — each change is a ledger entry written with the
balance it moves, in one transaction, under the members' locks — but a batch of a thousand
members costs a handful of statements, not a handful per member. Callers open the transaction
(``in_transaction()``); :func:`lock_members` takes the rows in primary-key order, so a batch and
a member's own request never wait on each other in a circle.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from server.core.prepared import Statement, moment
from server.messages import events
from server.models import LedgerEntry, LedgerKind, PointsAllocation
from server.points.ledger import EARNING_KINDS, MAX_POINTS, expires_on, expiry_for, tell_observers
from server.points.ledger_text import Note


@dataclass(frozen=True)
class Held:
    """A locked member's balance columns, as read under the lock."""

    balance: int
    lifetime_earned: int
    tier_code: str


def _marks(values: Sequence[object]) -> str:
    return ", ".join("?" * len(values))


async def lock_members(member_ids: Sequence[int]) -> dict[int, Held]:
    """Lock the members and read their balances (``FOR UPDATE`` on PostgreSQL; ``BEGIN IMMEDIATE`` on SQLite)."""
    ids = sorted(set(member_ids))
    if not ids:
        return {}
    rows = await Statement(
        f"SELECT id, balance, lifetime_earned, tier_code FROM member WHERE id IN ({_marks(ids)}) ORDER BY id",
        postgres_suffix="FOR UPDATE",
    ).all(*ids)
    return {int(row[0]): Held(int(row[1]), int(row[2]), row[3]) for row in rows}


async def credit_many(
    kind: LedgerKind, credits: dict[int, tuple[int, Note]], at: datetime, held: dict[int, Held]
) -> dict[int, int]:
    """Credit each member ``points`` as a new lot (debt paid off first); returns member id → points credited.

    ``held`` comes from :func:`lock_members` in the same transaction. A member whose account
    would overflow is left out (as :func:`server.points.ledger.credit` refuses it).
    """
    earning = kind in EARNING_KINDS
    done: dict[int, int] = {}
    entries = []
    by_points: dict[int, list[int]] = defaultdict(list)
    expires_at = expiry_for(at)
    for member_id, (points, note) in sorted(credits.items()):
        state = held.get(member_id)
        if state is None or points <= 0:
            continue
        if max(state.balance + points, state.lifetime_earned + (points if earning else 0)) > MAX_POINTS:
            continue
        debt = max(0, -state.balance)
        by_points[points].append(member_id)
        done[member_id] = points
        entries.append(
            LedgerEntry(
                member_id=member_id,
                kind=kind,
                delta=points,
                balance_after=state.balance + points,
                description=note.render()[:255],
                params=note.as_params(),
                created_at=at,
                expires_at=expires_at,
                remaining=max(0, points - debt),
            )
        )
    for points, ids in by_points.items():
        await Statement(
            "UPDATE member SET balance = balance + ?, lifetime_earned = lifetime_earned + ?"
            f" WHERE id IN ({_marks(ids)})"
        ).execute(points, points if earning else 0, *ids)
    if entries:
        await LedgerEntry.bulk_create(entries)
        tell_observers(entries)
        await _publish(kind, entries, at, "POINTS_EARNED", expires_at)
    return done


async def _publish(
    kind: LedgerKind, entries: list[LedgerEntry], at: datetime, event: str, expires_at: datetime
) -> None:
    """POINTS_EARNED / POINTS_SPENT for each entry just written, as ``ledger`` publishes them one by one."""
    members = [entry.member_id for entry in entries]
    rows = await Statement(
        f"SELECT member_id, id FROM ledger_entry WHERE member_id IN ({_marks(members)}) AND expires_at = ?"
        " AND kind = ? AND created_at = ? ORDER BY id"  # expires_at: the (member, expiry) index finds them
    ).all(*members, expires_at, kind.value, at)
    entry_of = {int(row[0]): int(row[1]) for row in rows}  # the latest, should one member have two
    await events.publish_many(
        event,
        [
            (
                entry.member_id,
                {
                    "entry_id": entry_of.get(entry.member_id),
                    "kind": kind.value,
                    "points": abs(entry.delta),
                    "balance": entry.balance_after,
                    "reference": None,
                    "at": at,
                },
            )
            for entry in entries
        ],
    )


async def expire_many(member_ids: Sequence[int], at: datetime) -> int:
    """Book every lapsed lot of these (locked) members as one EXPIRY entry each; returns how many members.

    What :func:`server.points.ledger.expire_due` does for one member, for a batch: the lapsed
    lots are zeroed, one EXPIRY entry per member records the loss with its ``balance_after``,
    and allocations say which lots lapsed (a later refund must not take those points back).
    """
    ids = sorted(set(member_ids))
    if not ids:
        return 0
    lots = await Statement(
        f"SELECT member_id, id, remaining, expires_at FROM ledger_entry WHERE member_id IN ({_marks(ids)})"
        " AND remaining > 0 AND expires_at <= ? ORDER BY member_id, expires_at, id"
    ).all(*ids, at)
    if not lots:
        return 0
    per_member: dict[int, list[tuple[int, int, datetime]]] = defaultdict(list)
    for member_id, lot_id, remaining, lapse in lots:
        per_member[int(member_id)].append((int(lot_id), int(remaining), moment(lapse)))
    members = list(per_member)
    # The balances first, in one statement, from the very lots about to be zeroed (under the locks).
    await Statement(
        "UPDATE member SET balance = balance - (SELECT COALESCE(SUM(l.remaining), 0) FROM ledger_entry l"
        " WHERE l.member_id = member.id AND l.remaining > 0 AND l.expires_at <= ?)"
        f" WHERE id IN ({_marks(members)})"
    ).execute(at, *members)
    balances = await Statement(f"SELECT id, balance FROM member WHERE id IN ({_marks(members)})").all(*members)
    balance = {int(row[0]): int(row[1]) for row in balances}
    lot_ids = [lot_id for lots_of in per_member.values() for lot_id, _, _ in lots_of]
    for start in range(0, len(lot_ids), 500):
        chunk = lot_ids[start : start + 500]
        await Statement(f"UPDATE ledger_entry SET remaining = 0 WHERE id IN ({_marks(chunk)})").execute(*chunk)
    entries = []
    for member_id, lots_of in per_member.items():
        total = sum(remaining for _, remaining, _ in lots_of)
        latest = expires_on(max(lapse for _, _, lapse in lots_of))
        note = Note("expiry", {"date": latest.isoformat()})
        entries.append(
            LedgerEntry(
                member_id=member_id,
                kind=LedgerKind.EXPIRY,
                delta=-total,
                balance_after=balance[member_id],
                description=note.render(),
                params=note.as_params(),
                created_at=at,
                remaining=0,
            )
        )
    await LedgerEntry.bulk_create(entries)
    tell_observers(entries)
    booked = await Statement(
        f"SELECT member_id, id FROM ledger_entry WHERE member_id IN ({_marks(list(per_member))})"
        " AND expires_at IS NULL AND kind = ? AND created_at = ?"  # debits only: the (member, expiry) index
    ).all(*per_member, LedgerKind.EXPIRY.value, at)
    entry_of = {int(row[0]): int(row[1]) for row in booked}
    await PointsAllocation.bulk_create(
        [
            PointsAllocation(debit_id=entry_of[member_id], lot_id=lot_id, points=remaining)
            for member_id, lots_of in per_member.items()
            for lot_id, remaining, _ in lots_of
        ]
    )
    await events.publish_many(
        "POINTS_SPENT",
        [
            (
                entry.member_id,
                {
                    "entry_id": entry_of[entry.member_id],
                    "kind": LedgerKind.EXPIRY.value,
                    "points": -entry.delta,
                    "balance": entry.balance_after,
                    "reference": None,
                    "at": at,
                },
            )
            for entry in entries
        ],
    )
    return len(per_member)

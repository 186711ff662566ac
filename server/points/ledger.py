"""The points ledger: the only code that changes a balance.

Every change is one :class:`LedgerEntry` written in the same transaction as the member's
balance, with ``balance_after`` recorded, so the balance always equals the sum of the ledger.

Callers open the transaction (``in_transaction()``) and call :func:`lock_member` first; the
functions here then run under that lock. On PostgreSQL the lock is ``SELECT … FOR UPDATE``
on the member row; on SQLite every write transaction starts with ``BEGIN IMMEDIATE``
(``server.core.sqlite_engine``), which serialises writers. Debits additionally use a conditional
``UPDATE … WHERE balance >= n``, so a balance can never go below zero even if a caller forgot
the lock.

Credits are *lots* that expire at the end of the N-th month after the month they were earned;
debits consume unexpired lots soonest-expiry first and record which (``PointsAllocation``), so
a cancelled redemption can give the points back with their original expiry.

A purchase refund may take back points the member has already spent. The balance then goes
negative: that is the member's *debt*, and the next credits pay it off before they form a
spendable lot.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from tortoise.expressions import F

from server.core import clock
from server.core.errors import DomainError, ErrorCode
from server.core.prepared import Columns, Statement, moment
from server.messages import events
from server.models import LedgerEntry, LedgerKind, Member, PointsAllocation
from server.points.ledger_text import Note
from server.points.program import get_program

MAX_POINTS = 2**31 - 1  # balances and lifetime totals are INT columns
EARNING_KINDS = frozenset(
    {
        LedgerKind.PURCHASE,
        LedgerKind.CHECK_IN,
        LedgerKind.STREAK_BONUS,
        LedgerKind.REVIEW,
        LedgerKind.REFERRAL,
        LedgerKind.BONUS,
        LedgerKind.ADJUSTMENT,
        LedgerKind.CAMPAIGN,
        LedgerKind.BIRTHDAY,
        LedgerKind.ANNIVERSARY,
    }
)


@dataclass(frozen=True)
class Expiry:
    points: int
    expires_on: date


def expiry_for(earned_at: datetime) -> datetime:
    """First instant (UTC) after the end of the N-th month after the month of ``earned_at``."""
    months = get_program().points_expire_after_months
    first_of_month = earned_at.astimezone(UTC).date().replace(day=1)
    lapse_month = clock.add_months(first_of_month, months + 1)
    return datetime.combine(lapse_month, time(0), tzinfo=UTC)


def expires_on(expires_at: datetime) -> date:
    """The last day on which points lapsing at ``expires_at`` can still be spent.

    Days are UTC days: lots lapse at 00:00 UTC, so in the default market (UTC+8) points stay
    spendable until 08:00 local time on the day after ``expiresOn``, never less than promised.
    """
    return (expires_at.astimezone(UTC) - timedelta(microseconds=1)).date()


_MEMBER = Columns(Member, "m")
LOCK_MEMBER = Statement(f"SELECT {_MEMBER.sql} FROM member m WHERE m.id = ?", postgres_suffix="FOR UPDATE")
MOVE_BALANCE = Statement(
    "UPDATE member SET balance = balance + ?, lifetime_earned = lifetime_earned + ?,"
    " lifetime_spent = lifetime_spent + ? WHERE id = ?"
)
MOVE_BALANCE_IF_COVERED = Statement(
    "UPDATE member SET balance = balance + ?, lifetime_earned = lifetime_earned + ?,"
    " lifetime_spent = lifetime_spent + ? WHERE id = ? AND balance >= ?"
)
LAPSED_LOTS = Statement(
    "SELECT id, remaining, expires_at FROM ledger_entry WHERE member_id = ? AND remaining > 0 AND expires_at <= ?"
    " ORDER BY expires_at, id"
)


async def lock_member(member_id: int) -> Member:
    """Lock and return the member row; call inside a transaction before any ledger change.

    ``SELECT … FOR UPDATE`` on PostgreSQL; on SQLite the transaction's ``BEGIN IMMEDIATE``
    already holds the write lock. A prepared statement: every credit and debit starts here.
    """
    row = await LOCK_MEMBER.one(member_id)
    member = _MEMBER.load(row) if row is not None else None
    if member is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such member.", "memberId")
    return member


async def _write(
    member: Member,
    kind: LedgerKind,
    delta: int,
    description: str | Note,
    *,
    reference: str | None,
    expires_at: datetime | None = None,
    remaining: int = 0,
    at: datetime,
) -> LedgerEntry:
    """Move the balance and write its entry together, so the two can never disagree.

    The balance columns are changed relatively (``balance = balance + ?``) in one UPDATE rather than from the
    Python copy, so a stale ``member`` object can never overwrite a newer balance. Refunded
    purchase points count against ``lifetime_earned`` (they were never really earned);
    cancelled redemptions count against ``lifetime_spent``.
    """
    earned = delta if kind in EARNING_KINDS and delta > 0 else 0
    if kind is LedgerKind.PURCHASE_REFUND:
        earned = delta
    spent = -delta if kind is LedgerKind.REDEMPTION else 0
    if kind is LedgerKind.REDEMPTION_REFUND:
        spent = -delta
    if max(member.balance + delta, member.lifetime_earned + earned, member.lifetime_spent + spent) > MAX_POINTS:
        # The columns are 32-bit on PostgreSQL: refuse rather than fail the statement (SQLite would not).
        raise DomainError(
            ErrorCode.INVALID_INPUT, f"An account can hold at most {MAX_POINTS:,} points.", "points"
        )
    if delta < 0 and kind is not LedgerKind.PURCHASE_REFUND:
        # The conditional update is the last line of defence against overspending.
        updated = await MOVE_BALANCE_IF_COVERED.execute(delta, earned, spent, member.id, -delta)
    else:
        updated = await MOVE_BALANCE.execute(delta, earned, spent, member.id)
    if not updated:
        raise DomainError(ErrorCode.INSUFFICIENT_POINTS, "Not enough points.", "points")
    member.balance += delta
    member.lifetime_earned += earned
    member.lifetime_spent += spent
    note = description if isinstance(description, Note) else None
    entry = await LedgerEntry.create(
        member_id=member.id,
        kind=kind,
        delta=delta,
        balance_after=member.balance,
        description=(note.render() if note else str(description))[:255],
        params=note.as_params() if note else None,
        created_at=at,
        expires_at=expires_at,
        remaining=remaining,
        reference=reference,
    )
    # Every credit and debit passes here, so partners hear of each one, in this same transaction.
    await events.publish(
        "POINTS_EARNED" if delta > 0 else "POINTS_SPENT",
        member.id,
        {
            "entry_id": entry.id,
            "kind": kind.value,
            "points": abs(delta),
            "balance": member.balance,
            "reference": reference,
            "at": at,
        },
    )
    tell_observers([entry])
    return entry


# Observers (the points counters in /metrics) hear of every entry written in this process.
_OBSERVERS: list[Callable[[str, int], None]] = []


def observe_entries(callback: Callable[[str, int], None]) -> None:
    """``callback(kind, delta)`` after every ledger entry this process writes (it must not raise)."""
    _OBSERVERS.append(callback)


def tell_observers(entries: list[LedgerEntry]) -> None:
    """Report entries just written (one by one here, or a batch by ``server.points.bulk``)."""
    for callback in _OBSERVERS:
        for entry in entries:
            callback(LedgerKind(entry.kind).value, entry.delta)


async def expire_due(member: Member, at: datetime | None = None) -> LedgerEntry | None:
    """Write one EXPIRY entry for every unspent point whose lot has lapsed by ``at``.

    Every credit and debit calls this first, so a spend can never use lapsed points even when
    the daily sweep (``server.points.lifecycle``) has not run yet; the sweep books the rest.
    """
    at = at or clock.now()
    # (id, remaining, expires_at) of every lapsed lot: usually none, so a prepared statement.
    lots = [(row[0], row[1], moment(row[2])) for row in await LAPSED_LOTS.all(member.id, at)]
    total = sum(remaining for _, remaining, _ in lots)
    if not total:
        return None
    await LedgerEntry.filter(id__in=[lot_id for lot_id, _, _ in lots]).update(remaining=0)
    latest = expires_on(max(lapse for _, _, lapse in lots))
    entry = await _write(
        member,
        LedgerKind.EXPIRY,
        -total,
        Note("expiry", {"date": latest.isoformat()}),
        reference=None,
        at=at,
    )
    # Which lots lapsed, and by how much: a later refund of a purchase must not take back
    # points the member already lost to expiry (see ``lapsed_from``).
    await PointsAllocation.bulk_create(
        [PointsAllocation(debit_id=entry.id, lot_id=lot_id, points=remaining) for lot_id, remaining, _ in lots]
    )
    return entry


async def lapsed_from(lot_id: int) -> int:
    """How many points of the lot ``lot_id`` expired unspent."""
    rows = await PointsAllocation.filter(lot_id=lot_id, debit__kind=LedgerKind.EXPIRY).values_list("points", flat=True)
    return sum(rows)


async def credit(
    member: Member,
    kind: LedgerKind,
    points: int,
    description: str | Note,
    *,
    reference: str | None = None,
    at: datetime | None = None,
) -> LedgerEntry:
    """Add ``points`` (> 0) as a new lot; any debt is paid off first."""
    if points <= 0:
        raise ValueError("credit takes a positive number of points")
    at = at or clock.now()
    await expire_due(member, at)
    debt = max(0, -member.balance)
    return await _write(
        member,
        kind,
        points,
        description,
        reference=reference,
        expires_at=expiry_for(at),
        remaining=max(0, points - debt),
        at=at,
    )


async def _consume(member: Member, points: int, at: datetime, prefer_lot: int | None) -> list[tuple[int, int]]:
    """Take ``points`` from unexpired lots, soonest expiry first; returns (lot id, points) taken.

    Soonest-expiring first is what a member expects ("use the points about to lapse"); a refund
    passes ``prefer_lot`` so it takes back the purchase's own points before touching others.
    Fewer points than asked may be found only when a refund runs the balance into debt.
    """
    lots = await LedgerEntry.filter(
        member_id=member.id, remaining__gt=0, expires_at__gt=at
    ).order_by("expires_at", "id")
    if prefer_lot is not None:
        lots.sort(key=lambda lot: lot.id != prefer_lot)
    taken: list[tuple[int, int]] = []
    for lot in lots:
        if points <= 0:
            break
        take = min(points, lot.remaining)
        await LedgerEntry.filter(id=lot.id).update(remaining=F("remaining") - take)
        taken.append((lot.id, take))
        points -= take
    return taken


async def debit(
    member: Member,
    kind: LedgerKind,
    points: int,
    description: str | Note,
    *,
    reference: str | None = None,
    allow_debt: bool = False,
    prefer_lot: int | None = None,
    at: datetime | None = None,
) -> LedgerEntry:
    """Take ``points`` (> 0) from the balance, oldest-expiring points first.

    Raises INSUFFICIENT_POINTS when the balance is short, unless ``allow_debt`` (purchase
    refunds), in which case the shortfall becomes debt.
    """
    if points <= 0:
        raise ValueError("debit takes a positive number of points")
    at = at or clock.now()
    await expire_due(member, at)
    if member.balance < points and not allow_debt:
        raise DomainError(
            ErrorCode.INSUFFICIENT_POINTS,
            f"This needs {points} points; the balance is {max(member.balance, 0)}.",
            "points",
        )
    taken = await _consume(member, points, at, prefer_lot)
    entry = await _write(member, kind, -points, description, reference=reference, at=at)
    if taken:
        await PointsAllocation.bulk_create(
            [PointsAllocation(debit_id=entry.id, lot_id=lot_id, points=n) for lot_id, n in taken]
        )
    return entry


async def restore(
    member: Member,
    debit_entry_id: int,
    kind: LedgerKind,
    description: str | Note,
    *,
    reference: str | None = None,
    at: datetime | None = None,
) -> LedgerEntry:
    """Give back what a debit took, to the lots it came from where they have not lapsed.

    Points whose original lot has lapsed meanwhile come back as a fresh lot with the standard
    expiry, so a cancellation never hands back points that vanish the same instant.
    """
    at = at or clock.now()
    await expire_due(member, at)
    debit_entry = await LedgerEntry.get(id=debit_entry_id, member_id=member.id)
    points = -debit_entry.delta
    allocations = await PointsAllocation.filter(debit_id=debit_entry_id).prefetch_related("lot")
    debt = max(0, -member.balance)
    fresh = 0
    for allocation in allocations:
        give = allocation.points
        pay = min(debt, give)
        debt -= pay
        give -= pay
        if not give:
            continue
        if allocation.lot.expires_at and allocation.lot.expires_at > at:
            await LedgerEntry.filter(id=allocation.lot_id).update(remaining=F("remaining") + give)
        else:
            fresh += give
    unallocated = points - sum(a.points for a in allocations)
    fresh += max(0, unallocated - debt)
    return await _write(
        member,
        kind,
        points,
        description,
        reference=reference,
        expires_at=expiry_for(at) if fresh else None,
        remaining=fresh,
        at=at,
    )


EXPIRING = Statement(
    "SELECT expires_at, SUM(remaining) FROM ledger_entry WHERE member_id = ? AND remaining > 0 AND expires_at > ?"
    " GROUP BY expires_at ORDER BY expires_at"
)


async def expiring(member_ids: list[int], at: datetime | None = None) -> dict[int, list[Expiry]]:
    """Unspent points by expiry day, soonest first, for each member (one statement).

    Lots are summed per lapse instant in SQL (they share month-start instants), so a member with
    a long history decodes a row per month, not one per credit.
    """
    at = at or clock.now()
    if len(member_ids) == 1:
        rows = [(member_ids[0], lapse, points) for lapse, points in await EXPIRING.all(member_ids[0], at)]
    else:
        marks = ", ".join("?" * len(member_ids))
        rows = await Statement(
            f"SELECT member_id, expires_at, SUM(remaining) FROM ledger_entry WHERE member_id IN ({marks})"
            " AND remaining > 0 AND expires_at > ? GROUP BY member_id, expires_at ORDER BY expires_at"
        ).all(*member_ids, at)
    grouped: dict[int, dict[date, int]] = {member_id: {} for member_id in member_ids}
    for member_id, lapse, points in rows:
        day = expires_on(moment(lapse))
        by_day = grouped[member_id]
        by_day[day] = by_day.get(day, 0) + int(points)
    return {member_id: [Expiry(points, day) for day, points in by_day.items()] for member_id, by_day in grouped.items()}

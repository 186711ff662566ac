"""Staff point adjustments: credit or debit with a reason, exactly once per idempotency key."""

from __future__ import annotations

import logging

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from server.accounts import roles
from server.core import idempotency
from server.core.errors import DomainError, ErrorCode, invalid
from server.core.validation import check_key, check_public_text
from server.models import LedgerEntry, LedgerKind, Member
from server.points import ledger
from server.points.ledger_text import Note

log = logging.getLogger("patron.staff")
SCOPE = "adjust"
MAX_DELTA = 10_000_000


async def _debit(member: Member, points: int, description: Note) -> LedgerEntry:
    """Debit for an adjustment; a shortfall names ``delta``, the argument staff must change."""
    try:
        return await ledger.debit(member, LedgerKind.ADJUSTMENT, points, description)
    except DomainError as error:
        if error.code is ErrorCode.INSUFFICIENT_POINTS:
            error.field = "delta"
        raise


async def _credit(member: Member, points: int, description: Note) -> LedgerEntry:
    """Credit for an adjustment; a balance beyond what an account can hold names ``delta``."""
    try:
        return await ledger.credit(member, LedgerKind.ADJUSTMENT, points, description)
    except DomainError as error:
        error.field = "delta"
        raise


async def adjust_points(staff: Member, member_id: int, delta: int, reason: str, key: str) -> LedgerEntry:
    """Credit or debit once per key: a retry returns the first entry, other arguments conflict.

    The key is global (not per staff member) so that two back-office screens retrying the same
    correction cannot apply it twice.
    """
    roles.require_staff(staff)
    key = check_key(key, "idempotencyKey")
    reason = check_public_text(reason, "reason", max_length=200)
    if delta == 0 or abs(delta) > MAX_DELTA:
        raise invalid("delta", f"Use a non-zero whole number of at most {MAX_DELTA:,} points.")
    fp = idempotency.fingerprint(member_id, delta, reason)
    record = await idempotency.find(SCOPE, 0, key, fp)
    if record is not None:
        return await LedgerEntry.get(id=record.result_id)
    description = Note("adjustment", {"reason": reason})
    try:
        async with in_transaction():
            member = await ledger.lock_member(member_id)
            # Re-check under the lock: a concurrent retry may have committed meanwhile.
            record = await idempotency.find(SCOPE, 0, key, fp)
            if record is not None:
                return await LedgerEntry.get(id=record.result_id)
            if delta > 0:
                entry = await _credit(member, delta, description)
            else:
                entry = await _debit(member, -delta, description)
            await idempotency.remember(SCOPE, 0, key, fp, entry.id)
    except IntegrityError:
        record = await idempotency.find(SCOPE, 0, key, fp)
        if record is None:
            raise
        return await LedgerEntry.get(id=record.result_id)
    log.info("adjustment staff=%s member=%s delta=%s", staff.id, member_id, delta)
    return entry

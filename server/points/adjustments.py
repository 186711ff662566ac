"""Staff point adjustments: credit or debit with a reason, exactly once per idempotency key.

Each adjustment names a reason code (:class:`AdjustmentReason`) and a free-text reason, counts
against the staff member's daily cap (``Program.adjustment_cap_per_staff_day``, the absolute
points adjusted per programme day in ``Program.time_zone``) and is audited (``points.adjust``:
balance before → after, the delta and the reason), all in the one transaction that moves the
balance. The cap is raised by a conditional UPDATE of the staff member's row for the day, so
concurrent adjustments by one staff member can never pass it together; two staff adjusting the
same member queue on the member's lock and both land.
"""

from __future__ import annotations

import contextlib
import enum
import logging
from datetime import date
from zoneinfo import ZoneInfo

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from server import audit
from server.accounts import roles
from server.core import clock, idempotency
from server.core.errors import DomainError, ErrorCode, invalid
from server.core.prepared import Statement
from server.core.validation import check_key, check_public_text
from server.models import LedgerEntry, LedgerKind, Member, StaffAdjustmentDay
from server.points import ledger
from server.points.ledger_text import Note
from server.points.program import get_program

log = logging.getLogger("patron.staff")
SCOPE = "adjust"
MAX_DELTA = 10_000_000
CAP_REACHED = "You can adjust at most {cap:,} points a day; {left:,} are left today."


class AdjustmentReason(str, enum.Enum):
    """Why staff adjusted a balance; the free-text reason says the rest."""

    GOODWILL = "GOODWILL"  # a gesture for a member, nothing went wrong
    CORRECTION = "CORRECTION"  # points that should (not) have been credited
    SERVICE_RECOVERY = "SERVICE_RECOVERY"  # making up for a bad experience
    FRAUD_REVERSAL = "FRAUD_REVERSAL"  # taking back points obtained by abuse
    OTHER = "OTHER"


ADD_TO_DAY = Statement(
    "UPDATE staff_adjustment_day SET points = points + ? WHERE staff_id = ? AND day = ? AND points + ? <= ?"
)
DAY_TOTAL = Statement("SELECT points FROM staff_adjustment_day WHERE staff_id = ? AND day = ?")


def programme_day() -> date:
    """Today in the programme's time zone: the day the cap counts."""
    return clock.now().astimezone(ZoneInfo(get_program().time_zone)).date()


async def adjusted_today(staff_id: int) -> int:
    """Points (absolute) the staff member has adjusted so far on this programme day."""
    row = await DAY_TOTAL.one(staff_id, programme_day())
    return int(row[0]) if row else 0


async def _count_against_cap(staff_id: int, points: int, day: date) -> None:
    """Add ``points`` to the staff member's day, or refuse (LIMIT_REACHED) past the cap; inside the transaction."""
    cap = get_program().adjustment_cap_per_staff_day
    if await ADD_TO_DAY.execute(points, staff_id, day, points, cap):
        return
    row = await DAY_TOTAL.one(staff_id, day)
    left = max(0, cap - (int(row[0]) if row else 0))
    raise DomainError(ErrorCode.LIMIT_REACHED, CAP_REACHED, "delta", {"cap": cap, "left": left})


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


async def adjust_points(
    staff: Member,
    member_id: int,
    delta: int,
    reason: str,
    key: str,
    reason_code: AdjustmentReason = AdjustmentReason.OTHER,
) -> LedgerEntry:
    """Credit or debit once per key: a retry returns the first entry, other arguments conflict.

    The key is global (not per staff member) so that two back-office screens retrying the same
    correction cannot apply it twice. A retry neither counts against the cap again nor audits again.
    """
    roles.require_staff(staff)
    key = check_key(key, "idempotencyKey")
    reason = check_public_text(reason, "reason", max_length=200)
    code = AdjustmentReason(reason_code)
    if delta == 0 or abs(delta) > MAX_DELTA:
        raise invalid("delta", f"Use a non-zero whole number of at most {MAX_DELTA:,} points.")
    # Keys stored before reason codes existed (OTHER) keep their fingerprint.
    parts = (member_id, delta, reason) if code is AdjustmentReason.OTHER else (member_id, delta, reason, code.value)
    fp = idempotency.fingerprint(*parts)
    record = await idempotency.find(SCOPE, 0, key, fp)
    if record is not None:
        return await LedgerEntry.get(id=record.result_id)
    day = programme_day()
    # The day's row exists before the transaction: two first adjustments of the day must not both insert it.
    with contextlib.suppress(IntegrityError):
        await StaffAdjustmentDay.get_or_create(staff_id=staff.id, day=day, defaults={"points": 0})
    description = Note("adjustment", {"reason": reason})
    try:
        async with in_transaction():
            member = await ledger.lock_member(member_id)
            # Re-check under the lock: a concurrent retry may have committed meanwhile.
            record = await idempotency.find(SCOPE, 0, key, fp)
            if record is not None:
                return await LedgerEntry.get(id=record.result_id)
            await _count_against_cap(staff.id, abs(delta), day)
            before = member.balance
            if delta > 0:
                entry = await _credit(member, delta, description)
            else:
                entry = await _debit(member, -delta, description)
            await idempotency.remember(SCOPE, 0, key, fp, entry.id)
            await audit.record(
                staff, "points.adjust", target_type="Member", target_id=member_id, member_id=member_id,
                before={"balance": before},
                after={"balance": entry.balance_after, "delta": delta, "reasonCode": code.value},
                reason=f"{code.value}: {reason}",
            )
    except IntegrityError:
        record = await idempotency.find(SCOPE, 0, key, fp)
        if record is None:
            raise
        return await LedgerEntry.get(id=record.result_id)
    log.info("adjustment staff=%s member=%s delta=%s code=%s", staff.id, member_id, delta, code.value)
    return entry

"""Redeeming benefits for points, cancelling redemptions, and partners claiming vouchers.

A redemption is one transaction: lock the member, then the benefit (always in that order, so
two redemptions never wait on each other in a circle), check the rules in the order
``server.catalog.benefits`` documents, take the stock with a conditional update, debit the ledger
(oldest-expiring points first) and issue the voucher. A refusal raises and rolls all of it back.

Exactly once per (member, idempotency key): the unique pair on ``Redemption`` holds the first
outcome, so a retry returns it (even if the benefit has since run out) and a reuse of the key
for another benefit or quantity is IDEMPOTENCY_CONFLICT. A refused attempt stores nothing, so
retrying it after, say, earning more points can succeed.
"""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from server import audit
from server.accounts import ownership, tokens
from server.accounts.partners import require_scope
from server.catalog.benefits import blocking_reason, held_quantities
from server.core import clock
from server.core.errors import DomainError, ErrorCode, invalid
from server.core.validation import check_key, encodable
from server.messages import events
from server.messages.notifications import notify
from server.models import Benefit, LedgerKind, Member, Partner, Redemption, RedemptionStatus
from server.points import ledger
from server.points.ledger_text import Note

MAX_QUANTITY = 10
VOUCHER_LENGTH = 12  # 31^12 ≈ 7.9e17 codes: unguessable, and collisions are practically nil
VOUCHER_SCOPE = "vouchers:write"

REFUSALS = {
    ErrorCode.NOT_AVAILABLE: "This benefit is not available right now.",
    ErrorCode.TIER_TOO_LOW: "Your tier is too low for this benefit.",
    ErrorCode.OUT_OF_STOCK: "This benefit is out of stock.",
    ErrorCode.LIMIT_REACHED: "You have reached the limit for this benefit.",
}


@dataclass(frozen=True)
class RedemptionResult:
    redemption: Redemption
    member: Member
    replayed: bool = False


def _replay(existing: Redemption, benefit_id: int, quantity: int) -> Redemption:
    if existing.benefit_id != benefit_id or existing.quantity != quantity:
        raise DomainError(
            ErrorCode.IDEMPOTENCY_CONFLICT,
            "This idempotency key was already used to redeem something else.",
            "idempotencyKey",
        )
    return existing


def normalise_voucher(code: str) -> str:
    """Codes are read aloud and typed: ignore case, spaces and hyphens."""
    return "".join(ch for ch in code.upper() if ch not in " -")


async def redeem_benefit(
    member_id: int, benefit_id: int, idempotency_key: str, quantity: int | None = 1
) -> RedemptionResult:
    quantity = 1 if quantity is None else quantity
    if not 1 <= quantity <= MAX_QUANTITY:
        raise invalid("quantity", f"Redeem 1 to {MAX_QUANTITY} at a time.")
    key = check_key(idempotency_key, "idempotencyKey")
    existing = await Redemption.get_or_none(member_id=member_id, idempotency_key=key)
    if existing is not None:
        return RedemptionResult(_replay(existing, benefit_id, quantity), await Member.get(id=member_id), True)
    if not await Benefit.exists(id=benefit_id):
        raise DomainError(ErrorCode.NOT_FOUND, "No such benefit.", "benefitId")
    try:
        async with in_transaction():
            member = await ledger.lock_member(member_id)
            # Re-check under the lock: a concurrent retry may have committed meanwhile.
            existing = await Redemption.get_or_none(member_id=member_id, idempotency_key=key)
            if existing is not None:
                return RedemptionResult(_replay(existing, benefit_id, quantity), member, True)
            benefit = await Benefit.select_for_update().get(id=benefit_id)
            now = clock.now()
            held = (await held_quantities(member.id, [benefit.id]))[benefit.id]
            reason = blocking_reason(member, benefit, held, None, quantity, now)
            if reason is not None:
                raise DomainError(reason, REFUSALS[reason], None)
            stock = Benefit.filter(id=benefit.id)
            if benefit.stock is not None:
                stock = stock.filter(issued__lte=benefit.stock - quantity)
            if not await stock.update(issued=F("issued") + quantity):
                raise DomainError(ErrorCode.OUT_OF_STOCK, REFUSALS[ErrorCode.OUT_OF_STOCK], None)
            points = benefit.points_cost * quantity
            times = "" if quantity == 1 else f" ×{quantity}"
            label = {"benefit": benefit.title + times, "benefit_zh": (benefit.title_zh or benefit.title) + times}
            entry = await ledger.debit(
                member,
                LedgerKind.REDEMPTION,
                points,
                Note("redemption", label),
                reference=f"benefit:{benefit.id}",
                at=now,
            )
            code = await tokens.unused_code(Redemption, "voucher_code", VOUCHER_LENGTH)
            redemption = await Redemption.create(
                member_id=member.id,
                benefit_id=benefit.id,
                quantity=quantity,
                points_spent=points,
                status=RedemptionStatus.ISSUED,
                voucher_code=code,
                idempotency_key=key,
                debit_entry_id=entry.id,
                created_at=now,
            )
            await notify(
                member.id,
                "REDEMPTION_ISSUED",
                {"benefit": benefit.title, "benefit_zh": benefit.title_zh or benefit.title, "code": code},
                dedupe_key=f"redemption:{redemption.id}:issued",
            )
            await events.publish(
                "REDEMPTION_ISSUED",
                member.id,
                {
                    "redemption_id": redemption.id,
                    "benefit_id": benefit.id,
                    "quantity": quantity,
                    "points_spent": points,
                    "at": now,
                },
            )
    except IntegrityError:
        # The unique (member, key) pair caught a duplicate the lock did not: answer as a replay.
        existing = await Redemption.get_or_none(member_id=member_id, idempotency_key=key)
        if existing is None:
            raise
        return RedemptionResult(_replay(existing, benefit_id, quantity), await Member.get(id=member_id), True)
    return RedemptionResult(redemption, member)


async def cancel_redemption(actor: Member, redemption_id: int) -> RedemptionResult:
    """The owner or staff cancel an issued redemption: points back (original expiry), stock released."""
    found = await ownership.owned_by(
        Redemption, redemption_id, actor, field="redemptionId", label="redemption", staff_may_act=True
    )
    async with in_transaction():
        member = await ledger.lock_member(found.member_id)
        now = clock.now()
        # The conditional update decides a race with another cancel or a partner claiming the voucher.
        changed = await Redemption.filter(id=found.id, status=RedemptionStatus.ISSUED).update(
            status=RedemptionStatus.CANCELLED, cancelled_at=now
        )
        if not changed:
            current = await Redemption.get(id=found.id)
            raise DomainError(
                ErrorCode.CANNOT_CANCEL,
                f"Only an issued redemption can be cancelled; this one is {current.status.value}.",
                None,
            )
        benefit = await Benefit.select_for_update().get(id=found.benefit_id)
        await Benefit.filter(id=benefit.id).update(issued=F("issued") - found.quantity)
        if found.debit_entry_id is not None:
            await ledger.restore(
                member,
                found.debit_entry_id,
                LedgerKind.REDEMPTION_REFUND,
                Note("redemption_refund", {"benefit": benefit.title, "benefit_zh": benefit.title_zh or benefit.title}),
                reference=f"redemption:{found.id}",
                at=now,
            )
        await notify(
            member.id,
            "REDEMPTION_CANCELLED",
            {"benefit": benefit.title, "benefit_zh": benefit.title_zh or benefit.title, "points": found.points_spent},
            dedupe_key=f"redemption:{found.id}:cancelled",
        )
        if found.member_id != actor.id:
            # Staff cancelling on a member's behalf is a staff action: audited with the change.
            await audit.record(
                actor, "redemption.cancel", target_type="redemption", target_id=found.id, member_id=found.member_id,
                before={"status": RedemptionStatus.ISSUED}, after={"status": RedemptionStatus.CANCELLED},
            )
    return RedemptionResult(await Redemption.get(id=found.id), member)


async def redeem_voucher(partner: Partner | None, code: str) -> Redemption:
    """A partner claims a voucher: ISSUED becomes USED, once, recording who and when."""
    partner = require_scope(partner, VOUCHER_SCOPE)
    normalised = normalise_voucher(code)
    if not normalised or not encodable(normalised):
        raise invalid("code", "Enter the voucher code.")
    redemption = await Redemption.get_or_none(voucher_code=normalised)
    if redemption is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No voucher with this code.", "code")
    now = clock.now()
    changed = await Redemption.filter(id=redemption.id, status=RedemptionStatus.ISSUED).update(
        status=RedemptionStatus.USED, used_at=now, used_by_partner_id=partner.id
    )
    redemption = await Redemption.get(id=redemption.id)
    if not changed:
        if redemption.status is RedemptionStatus.USED:
            when = redemption.used_at.strftime("%Y-%m-%d %H:%M UTC") if redemption.used_at else "earlier"
            raise DomainError(ErrorCode.NOT_AVAILABLE, f"This voucher was already used ({when}).", "code")
        raise DomainError(ErrorCode.NOT_AVAILABLE, "This voucher was cancelled and cannot be used.", "code")
    return redemption

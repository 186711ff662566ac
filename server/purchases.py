"""Purchases reported by partners: points by the rules and tier, idempotent per order, refunds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_FLOOR, Decimal, InvalidOperation

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from server import clock, ledger, referrals, tiers
from server.errors import DomainError, ErrorCode, invalid
from server.models import LedgerEntry, LedgerKind, Member, Partner, Purchase, PurchaseSubject
from server.program import get_program
from server.validation import check_key, check_text, normalise_email

MAX_AMOUNT = Decimal("100000000")
MAX_SUBJECTS = 50


@dataclass(frozen=True)
class PurchaseResult:
    purchase: Purchase
    member: Member
    points: int
    replayed: bool = False


def _check_amount(amount: Decimal, field: str = "amount") -> Decimal:
    try:
        if not amount.is_finite() or amount <= 0 or amount > MAX_AMOUNT:
            raise invalid(field, "Enter an amount above 0.")
        if amount != amount.quantize(Decimal("0.01")):
            raise invalid(field, "Use at most two decimal places.")
    except InvalidOperation:
        raise invalid(field, "Enter a decimal amount such as 12.50.") from None
    return amount.quantize(Decimal("0.01"))


def points_for(amount: Decimal, tier_code: str) -> int:
    """Points for spending ``amount``: rate × tier multiplier, rounded down."""
    program = get_program()
    multiplier = program.tier(tier_code).earn_multiplier
    raw = amount * program.points_per_currency_unit * multiplier
    return int(raw.to_integral_value(rounding=ROUND_FLOOR))


def _replay(purchase: Purchase, amount: Decimal) -> PurchaseResult:
    if purchase.amount != amount:
        raise DomainError(
            ErrorCode.IDEMPOTENCY_CONFLICT,
            f"Order {purchase.order_id} was already recorded with amount {purchase.amount}.",
            "amount",
        )
    return PurchaseResult(purchase, purchase.member, purchase.points_earned, replayed=True)


async def record_purchase(
    partner: Partner,
    member_email: str,
    order_id: str,
    amount: Decimal,
    occurred_at: datetime | None = None,
    subjects: list[str] | None = None,
) -> PurchaseResult:
    """Credit a purchase once per (partner, order id); a repeat returns the first result."""
    order_id = check_key(order_id, "orderId")
    amount = _check_amount(amount)
    email = normalise_email(member_email, "memberEmail")
    now = clock.now()
    when = occurred_at or now
    if when.tzinfo is None:
        raise invalid("occurredAt", "Give the time with its UTC offset.")
    if when > now + timedelta(minutes=5):
        raise invalid("occurredAt", "A purchase cannot be in the future.")
    subject_list = [check_text(s, "subjects", max_length=200) for s in (subjects or [])]
    if len(subject_list) > MAX_SUBJECTS:
        raise invalid("subjects", f"List at most {MAX_SUBJECTS} subjects.")
    subject_list = list(dict.fromkeys(subject_list))

    existing = await Purchase.get_or_none(partner_id=partner.id, order_id=order_id).select_related("member")
    if existing:
        return _replay(existing, amount)
    member = await Member.get_or_none(email=email)
    if member is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No member with this e-mail.", "memberEmail")
    try:
        async with in_transaction():
            locked = await ledger.lock_member(member.id)
            # Re-check under the lock: a concurrent duplicate may have committed meanwhile.
            existing = await Purchase.get_or_none(partner_id=partner.id, order_id=order_id)
            if existing:
                existing.member = locked
                return _replay(existing, amount)
            points = points_for(amount, locked.tier_code)
            purchase = await Purchase.create(
                partner_id=partner.id,
                order_id=order_id,
                member_id=locked.id,
                amount=amount,
                points_earned=points,
                subjects=subject_list,
                occurred_at=when,
                created_at=now,
            )
            if subject_list:
                await PurchaseSubject.bulk_create(
                    [PurchaseSubject(member_id=locked.id, purchase_id=purchase.id, subject=s) for s in subject_list]
                )
            if points:
                await ledger.credit(
                    locked,
                    LedgerKind.PURCHASE,
                    points,
                    f"Purchase {order_id} at {partner.name}",
                    reference=f"purchase:{purchase.id}",
                    at=now,
                )
            await tiers.apply_upgrade(locked, now)
            await referrals.on_first_purchase(locked, now)
    except IntegrityError:
        # The unique (partner, order id) pair caught a concurrent duplicate: answer as a replay.
        existing = await Purchase.get(partner_id=partner.id, order_id=order_id).select_related("member")
        return _replay(existing, amount)
    return PurchaseResult(purchase, locked, points)


async def refund_purchase(partner: Partner, order_id: str, amount: Decimal | None) -> PurchaseResult:
    """Take back points in proportion to the refunded amount (all of it when ``amount`` is None).

    Points already spent are still taken back: the balance may go negative, and that debt is
    paid from the member's next earnings (see ``server.ledger``).
    """
    order_id = check_key(order_id, "orderId")
    if amount is not None:
        amount = _check_amount(amount)
    now = clock.now()
    purchase = await Purchase.get_or_none(partner_id=partner.id, order_id=order_id)
    if purchase is None:
        raise DomainError(ErrorCode.NOT_FOUND, f"No purchase with order id {order_id}.", "orderId")
    async with in_transaction():
        locked = await ledger.lock_member(purchase.member_id)
        purchase = await Purchase.get(id=purchase.id)
        refundable = purchase.amount - purchase.refunded_amount
        refund = refundable if amount is None else amount
        if refund <= 0:
            raise invalid("orderId", "This purchase has already been refunded in full.")
        if refund > refundable:
            raise invalid("amount", f"At most {refundable} of this purchase can still be refunded.")
        refunded_total = purchase.refunded_amount + refund
        target = (Decimal(purchase.points_earned) * refunded_total / purchase.amount).to_integral_value(
            rounding=ROUND_FLOOR
        )
        take = int(target) - purchase.points_refunded
        purchase.refunded_amount = refunded_total
        purchase.points_refunded += take
        await purchase.save(update_fields=["refunded_amount", "points_refunded"])
        if take:
            lot = await LedgerEntry.get_or_none(member_id=locked.id, reference=f"purchase:{purchase.id}", kind=LedgerKind.PURCHASE)
            await ledger.debit(
                locked,
                LedgerKind.PURCHASE_REFUND,
                take,
                f"Refund of {refund} on order {order_id}",
                reference=f"purchase:{purchase.id}",
                allow_debt=True,
                prefer_lot=lot.id if lot else None,
                at=now,
            )
    return PurchaseResult(purchase, locked, -take)

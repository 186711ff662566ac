"""Purchases reported by partners: points by the rules and tier, idempotent per order, refunds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_FLOOR, Decimal

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from server.campaigns import earning as campaign_earning
from server.campaigns.earning import EarnLine
from server.core import clock, idempotency, money
from server.core.errors import DomainError, ErrorCode, invalid
from server.core.prepared import Statement
from server.core.validation import check_key, check_moment, check_text, normalise_email
from server.models import LedgerEntry, LedgerKind, Member, Partner, Purchase, PurchaseSubject
from server.points import ledger, tiers
from server.points.ledger_text import Note
from server.points.program import get_program
from server.social import referrals

MAX_SUBJECTS = 50
REFUND_SCOPE = "refund"
# Purchases may be reported late (back-fills, offline tills) but not from before the window insight
# looks at (365 days) plus a margin, and not from the future beyond a till clock's drift.
REPORTING_WINDOW = timedelta(days=400)
CLOCK_DRIFT = timedelta(minutes=5)


@dataclass(frozen=True)
class PurchaseResult:
    purchase: Purchase
    member: Member
    points: int
    replayed: bool = False
    breakdown: tuple[EarnLine, ...] = ()  # base, tier and campaign lines adding up to ``points``


def _check_amount(amount: Decimal, field: str = "amount") -> Decimal:
    return money.check_amount(amount, places=money.currency_places(get_program().currency), field=field)


def _check_occurred_at(occurred_at: datetime | None, now: datetime) -> datetime:
    """When the purchase happened: within the last 400 days and at most 5 minutes ahead (then: now).

    Any day inside the window is fine, before the member signed up included: late reports and
    back-fills feed insight's 365-day window.
    """
    if occurred_at is None:
        return now
    when = check_moment(occurred_at, "occurredAt")
    if when > now + CLOCK_DRIFT:
        raise invalid("occurredAt", "A purchase cannot be in the future.")
    if when < now - REPORTING_WINDOW:
        raise invalid("occurredAt", "Report purchases from the last {days} days only.", days=REPORTING_WINDOW.days)
    # A till whose clock runs a little fast is tolerated, but the purchase is dated now: a
    # future date would keep it out of the qualifying window and delay the tier upgrade.
    return min(when, now)


def points_for(amount: Decimal, tier_code: str) -> int:
    """Points for spending ``amount``: rate × tier multiplier, rounded down."""
    program = get_program()
    multiplier = program.tier(tier_code).earn_multiplier
    raw = amount * program.points_per_currency_unit * multiplier
    return int(raw.to_integral_value(rounding=ROUND_FLOOR))


async def _replay(purchase: Purchase, amount: Decimal, email: str) -> PurchaseResult:
    """The first result again, if this really is a retry of the same order.

    The same order id reported with another amount or for another member is a partner bug, not
    a retry: it is refused rather than silently answered with the first result.
    """
    if purchase.amount != amount:
        raise DomainError(
            ErrorCode.IDEMPOTENCY_CONFLICT,
            f"Order {purchase.order_id} was already recorded with amount {purchase.amount}.",
            "amount",
        )
    if purchase.member.email != email:
        raise DomainError(
            ErrorCode.IDEMPOTENCY_CONFLICT,
            f"Order {purchase.order_id} was already recorded for another member.",
            "memberEmail",
        )
    # The base/tier split of the first answer: the base rate is fixed, the rest was the tier's.
    base = money_floor(purchase.amount * get_program().points_per_currency_unit)
    lines = [EarnLine("base", "Base", base)]
    if purchase.points_earned != base:
        lines.append(EarnLine("tier", _tier_label(purchase), purchase.points_earned - base))
    lines += await campaign_earning.purchase_lines(purchase.id)
    total = sum(line.points for line in lines)
    return PurchaseResult(purchase, purchase.member, total, replayed=True, breakdown=tuple(lines))


def money_floor(value: Decimal) -> int:
    return int(value.to_integral_value(rounding=ROUND_FLOOR))


def _tier_label(purchase: Purchase) -> str:
    return get_program().tier(purchase.member.tier_code).name


# Every report checks for a repeat and finds the member: prepared statements (the rest is the ORM's).
ORDER_SEEN = Statement("SELECT 1 FROM purchase WHERE partner_id = ? AND order_id = ? LIMIT 1")
MEMBER_BY_EMAIL = Statement("SELECT id FROM member WHERE email = ?")


async def _replay_order(partner: Partner, order_id: str, amount: Decimal, email: str) -> PurchaseResult:
    existing = await Purchase.get(partner_id=partner.id, order_id=order_id).select_related("member")
    return await _replay(existing, amount, email)


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
    when = _check_occurred_at(occurred_at, now)
    subject_list = [check_text(s, "subjects", max_length=200) for s in (subjects or [])]
    if len(subject_list) > MAX_SUBJECTS:
        raise invalid("subjects", f"List at most {MAX_SUBJECTS} subjects.")
    subject_list = list(dict.fromkeys(subject_list))

    if await ORDER_SEEN.one(partner.id, order_id):
        return await _replay_order(partner, order_id, amount, email)
    found = await MEMBER_BY_EMAIL.one(email)
    if found is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No member with this e-mail.", "memberEmail")
    try:
        async with in_transaction():
            locked = await ledger.lock_member(found[0])
            # Re-check under the lock: a concurrent duplicate may have committed meanwhile.
            if await ORDER_SEEN.one(partner.id, order_id):
                return await _replay_order(partner, order_id, amount, email)
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
                try:
                    await ledger.credit(
                        locked,
                        LedgerKind.PURCHASE,
                        points,
                        Note("purchase", {"order": order_id, "partner": partner.name}),
                        reference=f"purchase:{purchase.id}",
                        at=now,
                    )
                except DomainError as error:
                    if error.code is ErrorCode.INVALID_INPUT:
                        error.field = "amount"  # more points than the account can hold
                    raise
            tier_code = locked.tier_code  # campaigns multiply the points of the tier held at purchase
            await tiers.apply_upgrade(locked, now)
            await referrals.on_first_purchase(locked, now)
            # Last: awarding locks the campaign rows until the commit.
            extra = await campaign_earning.award_purchase(
                locked, purchase.id, amount, tier_code, points, when, now, order_id
            )
    except IntegrityError:
        # The unique (partner, order id) pair caught a concurrent duplicate: answer as a replay.
        existing = await Purchase.get(partner_id=partner.id, order_id=order_id).select_related("member")
        return await _replay(existing, amount, email)
    lines = (*campaign_earning.base_and_tier(amount, tier_code), *extra)
    return PurchaseResult(purchase, locked, points + sum(line.points for line in extra), breakdown=lines)


async def _points_to_take_back(
    member: Member, purchase: Purchase, target: int, lot: LedgerEntry | None, at: datetime
) -> int:
    """Points this refund removes from the balance, given ``target`` refunded points in total.

    Points of the purchase that already lapsed unspent are not taken back a second time: the
    member lost them once to expiry and never benefited from them. Everything else (unspent,
    spent, or used to pay an earlier debt) is taken back, up to ``target`` overall.
    """
    await ledger.expire_due(member, at)  # book any lapse first, so it counts below
    lapsed = await ledger.lapsed_from(lot.id) if lot else 0
    already = await LedgerEntry.filter(
        member_id=member.id, kind=LedgerKind.PURCHASE_REFUND, reference=f"purchase:{purchase.id}"
    ).values_list("delta", flat=True)
    return max(0, min(target, purchase.points_earned - lapsed) + sum(already))


async def refund_purchase(
    partner: Partner, order_id: str, amount: Decimal | None, refund_id: str | None = None
) -> PurchaseResult:
    """Take back points in proportion to the refunded amount (all of it when ``amount`` is None).

    Points are computed on the cumulative refunded amount and rounded down, so several partial
    refunds never take back more (or less) in total than one whole refund would.

    Points already spent are still taken back, because they were earned on money the member
    got back: the refund consumes the purchase's own lot first, then other lots, and whatever
    is left makes the balance negative. That negative balance is the member's *debt*: it
    cannot be spent further, never expires, and ``ledger.credit`` pays it off first, so the
    next earnings' lot ``remaining`` excludes the part that went to the debt. Points of the
    purchase that already lapsed unspent are not taken back again (``_points_to_take_back``).
    Qualifying points drop by the full proportion, but the tier is kept until its retention ends.

    With ``refund_id`` the refund is exactly-once: a partner retrying after a lost answer gets
    the first result back instead of refunding twice (another amount is IDEMPOTENCY_CONFLICT).
    """
    order_id = check_key(order_id, "orderId")
    if amount is not None:
        amount = _check_amount(amount)
    # Both ids may be 128 characters: the stored key is their digest, which always fits its column.
    refund_key = idempotency.fingerprint(order_id, check_key(refund_id, "refundId")) if refund_id is not None else None
    fp = idempotency.fingerprint(order_id, amount)
    now = clock.now()
    purchase = await Purchase.get_or_none(partner_id=partner.id, order_id=order_id)
    if purchase is None:
        raise DomainError(ErrorCode.NOT_FOUND, f"No purchase with order id {order_id}.", "orderId")
    async with in_transaction():
        locked = await ledger.lock_member(purchase.member_id)
        purchase = await Purchase.get(id=purchase.id)
        if refund_key is not None:
            record = await idempotency.find(REFUND_SCOPE, partner.id, refund_key, fp, field="refundId")
            if record is not None:
                entry = await LedgerEntry.get_or_none(id=record.result_id) if record.result_id else None
                return PurchaseResult(purchase, locked, entry.delta if entry else 0, replayed=True)
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
        lot = await LedgerEntry.get_or_none(
            member_id=locked.id, reference=f"purchase:{purchase.id}", kind=LedgerKind.PURCHASE
        )
        take = await _points_to_take_back(locked, purchase, int(target), lot, now)
        purchase.refunded_amount = refunded_total
        # Qualifying points drop by the full proportion, whatever happened to the points since.
        purchase.points_refunded = int(target)
        await purchase.save(update_fields=["refunded_amount", "points_refunded"])
        entry = None
        if take:
            entry = await ledger.debit(
                locked,
                LedgerKind.PURCHASE_REFUND,
                take,
                Note("purchase_refund", {"amount": str(refund), "order": order_id}),
                reference=f"purchase:{purchase.id}",
                allow_debt=True,
                prefer_lot=lot.id if lot else None,
                at=now,
            )
        taken = await campaign_earning.take_back(
            locked, purchase.id, order_id, purchase.amount, refunded_total, now
        )
        if refund_key is not None:
            await idempotency.remember(REFUND_SCOPE, partner.id, refund_key, fp, entry.id if entry else None)
    lines = (EarnLine("base", "Base", -take), *taken)
    return PurchaseResult(purchase, locked, sum(line.points for line in lines), breakdown=lines)

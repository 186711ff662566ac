"""The benefits catalog: staff maintain it, members browse it and learn what blocks them.

Listing order is cheapest first (points cost, then id), so the benefits a member can most
likely afford come first and the order is stable while paging.

Eligibility names the *first* reason that blocks a member, always checked in this order:
NOT_AVAILABLE (inactive or outside its window), TIER_TOO_LOW, OUT_OF_STOCK, LIMIT_REACHED,
INSUFFICIENT_POINTS. Redemption (``server.catalog.redemptions``) refuses in the same order, so the
answer a member sees in the list is the error they would get.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.functions import Sum
from tortoise.transactions import in_transaction

from server import audit
from server.accounts import roles
from server.core import clock
from server.core.errors import DomainError, ErrorCode, InvalidFields, invalid
from server.core.validation import check_moment, check_public_text, encodable
from server.models import Benefit, LedgerEntry, Member, Redemption, RedemptionStatus
from server.points.program import get_program

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
CATEGORY = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")
MAX_POINTS_COST = 10_000_000
MAX_STOCK = 10_000_000
MAX_DESCRIPTION = 5000
ORDERING = ("points_cost", "id")
T = TypeVar("T")
# Redemptions that still count against a per-member limit (a cancelled one gives its slot back).
HELD = (RedemptionStatus.ISSUED, RedemptionStatus.USED)


@dataclass(frozen=True)
class BenefitInput:
    slug: str
    title: str
    category: str
    points_cost: int
    description: str | None = None
    title_zh: str | None = None
    description_zh: str | None = None
    min_tier_code: str | None = None
    stock: int | None = None
    per_member_limit: int | None = None
    available_from: datetime | None = None
    available_until: datetime | None = None
    active: bool | None = None


@dataclass(frozen=True)
class Eligibility:
    can_redeem: bool
    reason: ErrorCode | None


def is_available(benefit: Benefit, at: datetime) -> bool:
    """Active and inside its availability window (from inclusive, until exclusive)."""
    if not benefit.active:
        return False
    if benefit.available_from is not None and at < benefit.available_from:
        return False
    return benefit.available_until is None or at < benefit.available_until


def tier_allows(member: Member, benefit: Benefit) -> bool:
    if not benefit.min_tier_code:
        return True
    program = get_program()
    required = program.find_tier(benefit.min_tier_code)
    return required is None or program.tier(member.tier_code).rank >= required.rank


def remaining(benefit: Benefit) -> int | None:
    return None if benefit.stock is None else max(0, benefit.stock - benefit.issued)


def blocking_reason(
    member: Member, benefit: Benefit, held: int, spendable: int | None, quantity: int, at: datetime
) -> ErrorCode | None:
    """The first reason, in the documented order, that stops ``member`` redeeming ``quantity``.

    ``spendable`` None skips the points check (the ledger's debit makes it under the lock).
    """
    left = remaining(benefit)
    if not is_available(benefit, at):
        return ErrorCode.NOT_AVAILABLE
    if not tier_allows(member, benefit):
        return ErrorCode.TIER_TOO_LOW
    if left is not None and left < quantity:
        return ErrorCode.OUT_OF_STOCK
    if benefit.per_member_limit is not None and held + quantity > benefit.per_member_limit:
        return ErrorCode.LIMIT_REACHED
    if spendable is not None and spendable < benefit.points_cost * quantity:
        return ErrorCode.INSUFFICIENT_POINTS
    return None


async def held_quantities(member_id: int, benefit_ids: list[int]) -> dict[int, int]:
    """Units of each benefit the member holds (issued or used), in one query."""
    rows = (
        await Redemption.filter(member_id=member_id, benefit_id__in=benefit_ids, status__in=list(HELD))
        .group_by("benefit_id")
        .annotate(total=Sum("quantity"))
        .values("benefit_id", "total")
    )
    held: dict[int, int] = defaultdict(int)
    for row in rows:
        held[row["benefit_id"]] = int(row["total"] or 0)
    return held


async def spendable_points(member: Member, at: datetime) -> int:
    """The balance less lots that have lapsed but not yet been written off (what a debit would see)."""
    lapsed = (
        await LedgerEntry.filter(member_id=member.id, remaining__gt=0, expires_at__lte=at)
        .annotate(total=Sum("remaining"))
        .first()
        .values("total")
    )
    return max(0, member.balance - int((lapsed or {}).get("total") or 0))


async def eligibility_for(member_id: int, benefit_ids: list[int]) -> dict[int, Eligibility]:
    """Eligibility of one member for many benefits in four queries, whatever the list length."""
    at = clock.now()
    member = await Member.get(id=member_id)
    benefits = await Benefit.filter(id__in=benefit_ids)
    held = await held_quantities(member_id, benefit_ids)
    spendable = await spendable_points(member, at)
    result: dict[int, Eligibility] = {}
    for benefit in benefits:
        reason = blocking_reason(member, benefit, held[benefit.id], spendable, 1, at)
        result[benefit.id] = Eligibility(can_redeem=reason is None, reason=reason)
    return result


def catalog_query(*, category: str | None = None, include_inactive: bool = False, at: datetime | None = None):
    """Benefits a member may browse: active and currently available (staff may ask for all)."""
    query = Benefit.all()
    if not include_inactive:
        at = at or clock.now()
        query = query.filter(
            Q(available_from__isnull=True) | Q(available_from__lte=at),
            Q(available_until__isnull=True) | Q(available_until__gt=at),
            active=True,
        )
    if category:
        # Text no database can store (lone surrogates) names no category.
        query = query.filter(category=category.strip().lower()) if encodable(category) else query.filter(id__in=[])
    return query


async def benefit_by_slug(slug: str, *, staff: bool = False) -> Benefit | None:
    """A benefit by slug: members also reach active ones outside their window, staff every one."""
    if not encodable(slug):
        return None
    benefit = await Benefit.get_or_none(slug=slug.strip().lower())
    if benefit is None or (not benefit.active and not staff):
        return None
    return benefit


def _optional_text(value: str | None, field: str, max_length: int, *, multiline: bool = False) -> str | None:
    if value is None or not value.strip():
        return None
    return check_public_text(value, field, max_length=max_length, multiline=multiline)


class _Checks:
    """Runs each field's check and keeps every refusal, so a form learns all its mistakes at once."""

    def __init__(self) -> None:
        self.errors: list[DomainError] = []

    def __call__(self, check: Callable[[], T]) -> T | None:
        try:
            return check()
        except DomainError as error:
            self.errors.append(error)
            return None

    def refuse(self, field: str, message: str, **params: object) -> None:
        self.errors.append(invalid(field, message, **params))


def _slug(value: str) -> str:
    slug = value.strip().lower()
    if not SLUG.match(slug) or len(slug) > 64:
        raise invalid("slug", "Use 1 to 64 lower-case letters, digits and single hyphens, such as coffee-voucher.")
    return slug


def _category(value: str) -> str:
    category = value.strip().lower()
    if not CATEGORY.match(category) or len(category) > 40:
        raise invalid("category", "Use 1 to 40 lower-case letters, digits, hyphens or underscores, such as dining.")
    return category


def _check_input(data: BenefitInput) -> dict:
    """The input as stored; :class:`InvalidFields` names every field at fault."""
    check = _Checks()
    values = {
        "slug": check(lambda: _slug(data.slug)),
        "title": check(lambda: check_public_text(data.title, "title", max_length=120)),
        "title_zh": check(lambda: _optional_text(data.title_zh, "titleZh", 120)),
        "description": check(
            lambda: _optional_text(data.description, "description", MAX_DESCRIPTION, multiline=True)
        ) or "",
        "description_zh": check(
            lambda: _optional_text(data.description_zh, "descriptionZh", MAX_DESCRIPTION, multiline=True)
        ),
        "category": check(lambda: _category(data.category)),
        "points_cost": data.points_cost,
        "min_tier_code": data.min_tier_code.strip() if data.min_tier_code and data.min_tier_code.strip() else None,
        "stock": data.stock,
        "per_member_limit": data.per_member_limit,
        "available_from": check(lambda: check_moment(data.available_from, "availableFrom"))
        if data.available_from is not None else None,
        "available_until": check(lambda: check_moment(data.available_until, "availableUntil"))
        if data.available_until is not None else None,
    }
    if not 0 < data.points_cost <= MAX_POINTS_COST:
        check.refuse("pointsCost", "Use a whole number of points from 1 to {maximum:,}.", maximum=MAX_POINTS_COST)
    tier = values["min_tier_code"]
    if tier is not None and get_program().find_tier(tier) is None:
        codes = ", ".join(t.code for t in get_program().tiers)
        check.refuse("minTierCode", "Unknown tier {tier!r}; choose from {codes}.", tier=tier, codes=codes)
    if data.stock is not None and not 0 <= data.stock <= MAX_STOCK:
        check.refuse("stock", "Use 0 to {maximum:,} units, or leave it empty (null) for unlimited.", maximum=MAX_STOCK)
    if data.per_member_limit is not None and data.per_member_limit < 1:
        check.refuse("perMemberLimit", "Use at least 1, or leave it empty (null) for no limit.")
    start, end = values["available_from"], values["available_until"]
    if start and end and end <= start:
        check.refuse("availableUntil", "The end must be after the start.")
    if check.errors:
        raise InvalidFields(check.errors)
    return values


# What the audit trail shows of a benefit, before and after a change.
AUDITED = (
    "title", "title_zh", "description", "description_zh", "category", "points_cost", "min_tier_code", "stock",
    "per_member_limit", "available_from", "available_until", "active",
)


def _audited(benefit: Benefit) -> dict[str, object]:
    return {name: getattr(benefit, name) for name in AUDITED}


def _changed(before: dict[str, object], after: dict[str, object]) -> tuple[dict[str, object], dict[str, object]]:
    keys = [k for k in AUDITED if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}


async def upsert_benefit(staff: Member, data: BenefitInput, *, create: bool = False) -> Benefit:
    """Create a benefit, or replace the one with the same slug; audited in the same transaction.

    Every field is replaced (null stock means unlimited, null window means always), except
    ``active``: null keeps the current flag (a new benefit starts active). ``create`` refuses
    (on ``slug``) rather than replace a benefit that already has the slug.
    """
    roles.require_staff(staff)
    return await save_benefit(data, actor=staff, create=create)


def _slug_taken() -> DomainError:
    return invalid("slug", "A benefit with this slug already exists; choose another or edit that one.")


async def save_benefit(data: BenefitInput, *, actor: Member | None = None, create: bool = False) -> Benefit:
    """The upsert itself, for callers that have already been authorised (staff, the demo loader).

    With an ``actor`` (a staff member) the change is written to the audit trail: what changed,
    before → after, as ``benefit.create``, ``benefit.update``, ``benefit.deactivate`` or
    ``benefit.activate``. Saving a benefit exactly as it is records nothing.
    """
    try:
        return await _save_benefit(data, actor, create)
    except IntegrityError:
        # The unique slug caught a concurrent create of the same benefit.
        raise _slug_taken() from None


async def _save_benefit(data: BenefitInput, actor: Member | None, create: bool) -> Benefit:
    values = _check_input(data)
    now = clock.now()
    async with in_transaction():
        benefit = await Benefit.select_for_update().get_or_none(slug=values["slug"])
        if benefit is None:
            active = True if data.active is None else data.active
            benefit = await Benefit.create(**values, active=active, created_at=now, updated_at=now)
            if actor is not None:
                await audit.record(
                    actor, "benefit.create", target_type="benefit", target_id=benefit.slug, after=_audited(benefit)
                )
            return benefit
        if create:
            raise _slug_taken()
        if values["stock"] is not None and values["stock"] < benefit.issued:
            raise invalid("stock", "{issued} units are already issued; stock cannot be lower.", issued=benefit.issued)
        before = _audited(benefit)
        for name, value in values.items():
            setattr(benefit, name, value)
        if data.active is not None:
            benefit.active = data.active
        old, new = _changed(before, _audited(benefit))
        if not new:
            return benefit
        benefit.updated_at = now
        await benefit.save()
        if actor is not None:
            action = "benefit.update"
            if "active" in new:
                action = "benefit.activate" if benefit.active else "benefit.deactivate"
            await audit.record(actor, action, target_type="benefit", target_id=benefit.slug, before=old, after=new)
        return benefit

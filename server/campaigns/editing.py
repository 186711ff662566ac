"""Creating, changing and starting or stopping campaigns: staff only, every change audited.

Status moves: DRAFT/PAUSED → ACTIVE, ACTIVE → PAUSED, any status but ENDED → ENDED (final).
Every other move is INVALID_STATUS_CHANGE; activating a campaign whose budget is spent is
BUDGET_EXHAUSTED. The first activation is remembered: a campaign whose startsAt lies in the
past runs from then, and nothing that happened before is awarded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from tortoise.transactions import in_transaction

from server import audit
from server.accounts import roles
from server.campaigns import schedule
from server.core import clock, money
from server.core.errors import DomainError, ErrorCode, invalid
from server.core.prepared import Statement
from server.core.validation import check_moment, check_public_text
from server.models import Campaign, CampaignStatus, CampaignTrigger, LifecycleStage, Member, RfmSegment
from server.points.ledger import MAX_POINTS
from server.points.program import get_program

MAX_NAME = 120
MIN_MULTIPLIER, MAX_MULTIPLIER = Decimal("1"), Decimal("10")
MAX_HOLDOUT = 50

MOVES: dict[CampaignStatus, frozenset[CampaignStatus]] = {
    CampaignStatus.DRAFT: frozenset({CampaignStatus.ACTIVE, CampaignStatus.ENDED}),
    CampaignStatus.PAUSED: frozenset({CampaignStatus.ACTIVE, CampaignStatus.ENDED}),
    CampaignStatus.ACTIVE: frozenset({CampaignStatus.PAUSED, CampaignStatus.ENDED}),
    CampaignStatus.ENDED: frozenset(),
}

LOCK = Statement("SELECT id FROM campaign WHERE id = ?", postgres_suffix="FOR UPDATE")


@dataclass
class CampaignDraft:
    """What staff typed, before validation (the API's CampaignInput, the console's form)."""

    name: str
    trigger: CampaignTrigger
    starts_at: datetime
    ends_at: datetime | None = None
    recurrence: str | None = None
    multiplier: Decimal | None = None
    bonus_points: int | None = None
    tier_codes: list[str] = field(default_factory=list)
    segments: list[str] = field(default_factory=list)
    stages: list[str] = field(default_factory=list)
    min_amount: Decimal | None = None
    per_member_cap: int | None = None
    budget_points: int | None = None
    holdout_percent: int = 0


def _count(value: int | None, name: str, *, minimum: int) -> int | None:
    if value is None:
        return None
    if not minimum <= value <= MAX_POINTS:
        raise invalid(name, "Give a whole number from {minimum} to {maximum:,}.", minimum=minimum, maximum=MAX_POINTS)
    return value


def _enum_values(values: list[Any], kind: type, name: str) -> list[str]:
    known = {member.value for member in kind}
    chosen = [getattr(v, "value", v) for v in values]
    if any(v not in known for v in chosen):
        raise invalid(name, "Unknown value.")
    return list(dict.fromkeys(chosen))


def validate(draft: CampaignDraft) -> dict[str, Any]:
    """The draft as model fields, or the first refusal (INVALID_INPUT / INVALID_SCHEDULE with its field)."""
    program = get_program()
    name = check_public_text(draft.name, "name", max_length=MAX_NAME)
    trigger = CampaignTrigger(getattr(draft.trigger, "value", draft.trigger))
    starts_at = check_moment(draft.starts_at, "startsAt")
    ends_at = check_moment(draft.ends_at, "endsAt") if draft.ends_at is not None else None
    if trigger is CampaignTrigger.GRANT and (draft.recurrence or "").strip():
        raise schedule.schedule_error("recurrence", "A GRANT gives once per member: leave the recurrence empty.")
    recurrence = schedule.check(draft.recurrence, starts_at, ends_at, program.time_zone)
    multiplier = draft.multiplier
    if multiplier is not None:
        if not multiplier.is_finite() or not MIN_MULTIPLIER <= multiplier <= MAX_MULTIPLIER:
            raise invalid("multiplier", "Give a multiplier from 1 to 10.")
        if multiplier != multiplier.quantize(Decimal("0.01")):
            raise invalid("multiplier", "Give the multiplier with at most 2 decimal places.")
        if trigger is CampaignTrigger.GRANT:
            raise invalid("multiplier", "A GRANT gives bonus points; it has no multiplier.")
    bonus = _count(draft.bonus_points, "bonusPoints", minimum=0)
    if trigger is CampaignTrigger.GRANT and not bonus:
        raise invalid("bonusPoints", "A GRANT needs the bonus points it gives.")
    if not bonus and (multiplier is None or multiplier == 1):
        raise invalid("bonusPoints", "Give a multiplier above 1 or bonus points: the campaign must give something.")
    known_tiers = [tier.code for tier in program.tiers]
    tier_codes = list(dict.fromkeys(code.strip() for code in draft.tier_codes))
    if any(code not in known_tiers for code in tier_codes):
        raise invalid("tierCodes", "Unknown tier: use {codes}.", codes=", ".join(known_tiers))
    min_amount = draft.min_amount
    if min_amount is not None:
        if trigger is not CampaignTrigger.PURCHASE:
            raise invalid("minAmount", "A minimum amount applies to PURCHASE campaigns only.")
        min_amount = money.check_amount(
            min_amount, places=money.currency_places(program.currency), field="minAmount"
        )
    holdout = draft.holdout_percent if draft.holdout_percent is not None else 0
    if not 0 <= holdout <= MAX_HOLDOUT:
        raise invalid("holdoutPercent", "Hold out 0 to {maximum} percent.", maximum=MAX_HOLDOUT)
    return {
        "name": name,
        "trigger": trigger,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "recurrence": recurrence,
        "multiplier": multiplier,
        "bonus_points": bonus or None,
        "tier_codes": tier_codes,
        "segments": _enum_values(draft.segments, RfmSegment, "segments"),
        "stages": _enum_values(draft.stages, LifecycleStage, "stages"),
        "min_amount": min_amount,
        "per_member_cap": _count(draft.per_member_cap, "perMemberCap", minimum=1),
        "budget_points": _count(draft.budget_points, "budgetPoints", minimum=1),
        "holdout_percent": holdout,
    }


def snapshot(campaign: Campaign) -> dict[str, Any]:
    """The audited view of a campaign (what staff set, and its status)."""
    return {
        "name": campaign.name, "trigger": campaign.trigger, "status": campaign.status,
        "recurrence": campaign.recurrence, "starts_at": campaign.starts_at, "ends_at": campaign.ends_at,
        "multiplier": campaign.multiplier, "bonus_points": campaign.bonus_points,
        "tier_codes": campaign.tier_codes, "segments": campaign.segments, "stages": campaign.stages,
        "min_amount": campaign.min_amount, "per_member_cap": campaign.per_member_cap,
        "budget_points": campaign.budget_points, "holdout_percent": campaign.holdout_percent,
    }


def _not_found() -> DomainError:
    return DomainError(ErrorCode.NOT_FOUND, "No such campaign.", "id")


async def upsert(actor: Member | None, campaign_id: int | None, draft: CampaignDraft) -> Campaign:
    """Create a DRAFT campaign, or change the one with ``campaign_id`` while it is not ENDED."""
    roles.require_staff(actor)
    values = validate(draft)
    now = clock.now()
    async with in_transaction():
        if campaign_id is None:
            campaign = await Campaign.create(**values, created_at=now, updated_at=now)
            await audit.record(actor, "campaign.create", target_type="campaign", target_id=campaign.id,
                               after=snapshot(campaign))
            return campaign
        if await LOCK.one(campaign_id) is None:
            raise _not_found()
        campaign = await Campaign.get(id=campaign_id)
        if campaign.status is CampaignStatus.ENDED:
            raise DomainError(ErrorCode.INVALID_STATUS_CHANGE, "An ended campaign cannot be changed.", "id")
        before = snapshot(campaign)
        for key, value in values.items():
            setattr(campaign, key, value)
        campaign.updated_at = now
        await campaign.save()
        await audit.record(actor, "campaign.update", target_type="campaign", target_id=campaign.id,
                           before=before, after=snapshot(campaign))
        return campaign


async def set_status(actor: Member | None, campaign_id: int, status: CampaignStatus) -> Campaign:
    """Move a campaign along DRAFT/PAUSED → ACTIVE → PAUSED, any → ENDED."""
    roles.require_staff(actor)
    status = CampaignStatus(getattr(status, "value", status))
    now = clock.now()
    async with in_transaction():
        if await LOCK.one(campaign_id) is None:
            raise _not_found()
        campaign = await Campaign.get(id=campaign_id)
        if status not in MOVES[campaign.status]:
            raise DomainError(
                ErrorCode.INVALID_STATUS_CHANGE,
                "A campaign cannot move from {current} to {wanted}.", "status",
                {"current": campaign.status.value, "wanted": status.value},
            )
        if status is CampaignStatus.ACTIVE and campaign.budget_points is not None \
                and campaign.points_given >= campaign.budget_points:
            raise DomainError(ErrorCode.BUDGET_EXHAUSTED, "This campaign's budget is spent.", "status")
        before = campaign.status
        campaign.status = status
        campaign.updated_at = now
        if status is CampaignStatus.ACTIVE and campaign.activated_at is None:
            campaign.activated_at = now
        await campaign.save(update_fields=["status", "updated_at", "activated_at"])
        await audit.record(actor, "campaign.status", target_type="campaign", target_id=campaign.id,
                           before={"status": before}, after={"status": status})
        return campaign

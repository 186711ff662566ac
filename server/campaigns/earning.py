"""Campaign points on purchases and check-ins, inside the caller's ledger transaction.

Stacking: the tier multiplier applies first (the purchase's own points), then the **single
best** active multiplier among the campaigns that apply (multipliers never multiply together;
ties go to the older campaign), then every applicable campaign's bonus. Each campaign's points
are a CAMPAIGN ledger entry of their own, named after it, and a :class:`CampaignAward` row.

Budgets and per-member caps are exact under concurrency. The caller holds the member's lock
(``ledger.lock_member``), which serialises that member's awards, so the cap is read and used
without a race. The budget is shared by all members: each award locks the campaign row
(``SELECT … FOR UPDATE`` on PostgreSQL; SQLite's write transactions are serialised already)
and takes at most what is left; the UPDATE is also conditional (``points_given + n <=
budget``) as a last line of defence. The award that crosses the budget or cap gets the
remainder; the purchase itself never fails because of a campaign. Locks are always taken
member first, then campaigns in id order, so two awards never wait on each other in a circle.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_FLOOR, Decimal

from server.campaigns import audience, schedule
from server.core.prepared import Statement
from server.models import Campaign, CampaignAward, CampaignStatus, CampaignTrigger, LedgerEntry, LedgerKind, Member
from server.points import ledger
from server.points.ledger_text import Note
from server.points.program import get_program


@dataclass(frozen=True)
class EarnLine:
    """One part of what a purchase earned: ``source`` is base, tier or campaign."""

    source: str
    label: str
    points: int


LOCK_CAMPAIGN = Statement(
    "SELECT status, points_given, budget_points FROM campaign WHERE id = ?", postgres_suffix="FOR UPDATE"
)
GIVE = Statement(
    "UPDATE campaign SET points_given = points_given + ?, points_awarded = points_awarded + ?"
    " WHERE id = ? AND status = 'ACTIVE' AND (budget_points IS NULL OR points_given + ? <= budget_points)"
)
TAKE_BACK = Statement("UPDATE campaign SET points_awarded = points_awarded - ? WHERE id = ?")
GIVEN_TO_MEMBER = Statement(
    "SELECT COALESCE(SUM(points), 0) FROM campaign_award WHERE campaign_id = ? AND member_id = ? AND points > 0"
)
ACTIVE = Statement(
    "SELECT id FROM campaign WHERE status = 'ACTIVE' AND trigger = ? ORDER BY id"
)


def _floor(value: Decimal) -> int:
    return int(value.to_integral_value(rounding=ROUND_FLOOR))


def base_and_tier(amount: Decimal, tier_code: str) -> list[EarnLine]:
    """The purchase's own points split into the base rate and what the tier multiplier added."""
    program = get_program()
    tier = program.tier(tier_code)
    base = _floor(amount * program.points_per_currency_unit)
    total = _floor(amount * program.points_per_currency_unit * tier.earn_multiplier)
    lines = [EarnLine("base", "Base", base)]
    if total != base:
        lines.append(EarnLine("tier", tier.name, total - base))
    return lines


async def active(trigger: CampaignTrigger) -> list[Campaign]:
    """Active campaigns of ``trigger``: one indexed statement, usually answering no rows."""
    ids = [row[0] for row in await ACTIVE.all(trigger.value)]
    return await Campaign.filter(id__in=ids).order_by("id") if ids else []


async def _give(
    campaign: Campaign, member: Member, wanted: int, *, reference: str, purchase_id: int | None,
    note: Note, at: datetime,
) -> int:
    """Award up to ``wanted`` points, within the member's cap and the budget; returns what was given."""
    if campaign.per_member_cap is not None:
        (already,) = await GIVEN_TO_MEMBER.one(campaign.id, member.id)
        wanted = min(wanted, campaign.per_member_cap - int(already))
    if wanted <= 0:
        return 0
    row = await LOCK_CAMPAIGN.one(campaign.id)
    if row is None or row[0] != CampaignStatus.ACTIVE.value:
        return 0  # paused or ended meanwhile
    given, budget = int(row[1]), row[2]
    grant = wanted if budget is None else min(wanted, int(budget) - given)
    if grant <= 0 or not await GIVE.execute(grant, grant, campaign.id, grant):
        return 0
    entry = await ledger.credit(member, LedgerKind.CAMPAIGN, grant, note, reference=f"campaign:{campaign.id}", at=at)
    await CampaignAward.create(
        campaign_id=campaign.id, member_id=member.id, ledger_entry_id=entry.id, points=grant,
        purchase_id=purchase_id, reference=reference, created_at=at,
    )
    return grant


def _applies(campaign: Campaign, member: Member, who: audience.Profile, when: datetime) -> bool:
    if campaign.activated_at is None or when < campaign.activated_at:
        return False  # nothing is awarded for what happened before the campaign first ran
    if schedule.window_at(campaign.recurrence, campaign.starts_at, campaign.ends_at, member.timezone, when) is None:
        return False
    return audience.treated(campaign, who)


def _best(campaigns: list[Campaign]) -> Campaign | None:
    with_multiplier = [c for c in campaigns if c.multiplier is not None and c.multiplier > 1]
    return max(with_multiplier, key=lambda c: (c.multiplier, -c.id), default=None)


async def _award(
    trigger: CampaignTrigger, member: Member, tier_code: str, points: int, raw: Decimal, when: datetime,
    at: datetime, reference: str, purchase_id: int | None, amount: Decimal | None, note_values: dict,
) -> list[EarnLine]:
    campaigns = await active(trigger)
    if not campaigns:
        return []
    who = await audience.profile(member.id, tier_code, audience.needs_insight(campaigns))
    applying = [
        c for c in campaigns
        if _applies(c, member, who, when) and (amount is None or c.min_amount is None or amount >= c.min_amount)
    ]
    best = _best(applying)
    lines: list[EarnLine] = []
    for campaign in applying:
        extra = _floor(raw * best.multiplier) - points if campaign is best and best and best.multiplier else 0
        wanted = max(0, extra) + (campaign.bonus_points or 0)
        note = Note("campaign", {"campaign": campaign.name, **note_values})
        given = await _give(
            campaign, member, wanted, reference=reference, purchase_id=purchase_id, note=note, at=at
        )
        if given:
            lines.append(EarnLine("campaign", campaign.name, given))
    return lines


async def award_purchase(
    member: Member, purchase_id: int, amount: Decimal, tier_code: str, points: int, occurred_at: datetime,
    at: datetime, order_id: str,
) -> list[EarnLine]:
    """Campaign points for a purchase just recorded (``points``: its base and tier points).

    Call last inside the purchase's transaction, under the member's lock: the campaign rows
    stay locked until the commit, so the shorter the rest of the transaction the better.
    """
    program = get_program()
    raw = amount * program.points_per_currency_unit * program.tier(tier_code).earn_multiplier
    return await _award(
        CampaignTrigger.PURCHASE, member, tier_code, points, raw, occurred_at, at,
        f"purchase:{purchase_id}", purchase_id, amount, {"order": order_id},
    )


async def award_check_in(member: Member, check_in_id: int, base_points: int, at: datetime) -> list[EarnLine]:
    """Campaign points for a check-in (bonus, and the best multiplier on the day's base points)."""
    return await _award(
        CampaignTrigger.CHECK_IN, member, member.tier_code, base_points, Decimal(base_points), at, at,
        f"check_in:{check_in_id}", None, None, {},
    )


async def purchase_lines(purchase_id: int) -> list[EarnLine]:
    """The campaign lines a purchase earned, for a replayed report."""
    rows = await CampaignAward.filter(purchase_id=purchase_id, points__gt=0).order_by("id").values(
        "points", "campaign__name"
    )
    return [EarnLine("campaign", row["campaign__name"], row["points"]) for row in rows]


async def take_back(
    member: Member, purchase_id: int, order_id: str, amount: Decimal, refunded_total: Decimal, at: datetime
) -> list[EarnLine]:
    """After a refund, take back each campaign's points in proportion to the refunded amount.

    Like the purchase's own points: computed on the cumulative refunded amount and rounded down
    (several partial refunds never take more than one whole refund), points that already lapsed
    unspent are not taken twice, and points already spent run the balance into debt.
    """
    rows = await CampaignAward.filter(purchase_id=purchase_id, member_id=member.id).order_by("id")
    by_campaign: dict[int, list[CampaignAward]] = {}
    for row in rows:
        by_campaign.setdefault(row.campaign_id, []).append(row)
    lines: list[EarnLine] = []
    for campaign_id, awards in sorted(by_campaign.items()):
        given = sum(a.points for a in awards if a.points > 0)
        already = -sum(a.points for a in awards if a.points < 0)
        lot_id = next((a.ledger_entry_id for a in awards if a.points > 0), None)
        lapsed = await ledger.lapsed_from(lot_id) if lot_id else 0
        target = _floor(Decimal(given) * refunded_total / amount)
        take = max(0, min(target, given - lapsed) - already)
        if not take:
            continue
        campaign = await Campaign.get(id=campaign_id)
        entry: LedgerEntry = await ledger.debit(
            member, LedgerKind.PURCHASE_REFUND, take,
            Note("campaign_refund", {"campaign": campaign.name, "order": order_id}),
            reference=f"campaign:{campaign_id}", allow_debt=True, prefer_lot=lot_id, at=at,
        )
        await CampaignAward.create(
            campaign_id=campaign_id, member_id=member.id, ledger_entry_id=entry.id, points=-take,
            purchase_id=purchase_id, reference=f"refund:{entry.id}", created_at=at,
        )
        await TAKE_BACK.execute(take, campaign_id)
        lines.append(EarnLine("campaign", campaign.name, -take))
    return lines

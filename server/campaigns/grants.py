"""GRANT campaigns: a one-off gift to each member of the audience once the campaign has started.

Run by the ``campaign-grants`` job. For every ACTIVE GRANT campaign whose window has started
(and not ended), each member of its audience who has no gift from it yet gets the bonus, once:
the award row (unique per campaign, member and ``grant``) is the proof, so a second run, a
second process or a run after downtime gives nothing twice and misses no one. Members who join
the audience later (a member who becomes AT_RISK while a win-back gift runs) get it on the next
run. Held-out members get nothing. Gifts are given in batches of 500, one transaction per batch
(members locked in id order), each with its CAMPAIGN_GIFT notification (and e-mail, with
marketing consent). When the budget runs out the campaign stops giving (the award that crosses
it gets the remainder).
"""

from __future__ import annotations

from datetime import datetime

from tortoise.transactions import in_transaction

from server.campaigns import audience, earning
from server.jobs import JobContext
from server.messages import notifications
from server.models import Campaign, CampaignAward, CampaignStatus, CampaignTrigger, Member, Role
from server.points import ledger
from server.points.ledger_text import Note

BATCH = 500
REFERENCE = "grant"


def audience_query(campaign: Campaign):
    """Members the campaign's filters take in (the holdout is applied per member)."""
    query = Member.filter(role=Role.MEMBER)
    if campaign.tier_codes:
        query = query.filter(tier_code__in=campaign.tier_codes)
    if campaign.segments:
        query = query.filter(insight__segment__in=campaign.segments)
    if campaign.stages:
        query = query.filter(insight__stage__in=campaign.stages)
    return query


async def _gift(campaign: Campaign, member_id: int, at: datetime) -> int | None:
    """Give one member the gift (inside the batch's transaction); the points given, None when the budget is spent."""
    member = await ledger.lock_member(member_id)
    if await CampaignAward.exists(campaign_id=campaign.id, member_id=member_id, reference=REFERENCE):
        return 0
    given = await earning._give(  # noqa: SLF001  (the one award path, shared with earning)
        campaign, member, campaign.bonus_points or 0, reference=REFERENCE, purchase_id=None,
        note=Note("campaign", {"campaign": campaign.name}), at=at,
    )
    if not given:
        return None if await _spent(campaign.id) else 0
    await notifications.notify(
        member.id, "CAMPAIGN_GIFT", {"campaign": campaign.name, "points": given},
        dedupe_key=f"campaign:{campaign.id}",
    )
    return given


async def _gift_batch(campaign: Campaign, member_ids: list[int], at: datetime) -> tuple[int, bool]:
    """Gifts to a batch of members in one transaction (members locked in id order); (given, budget spent)."""
    granted = 0
    async with in_transaction():
        for member_id in sorted(member_ids):
            given = await _gift(campaign, member_id, at)
            if given is None:
                return granted, True
            granted += given > 0
    return granted, False


async def _spent(campaign_id: int) -> bool:
    row = await Campaign.filter(id=campaign_id).values("points_given", "budget_points", "status")
    if not row:
        return True
    budget = row[0]["budget_points"]
    status = getattr(row[0]["status"], "value", row[0]["status"])
    return status != CampaignStatus.ACTIVE.value or (budget is not None and row[0]["points_given"] >= budget)


async def grant_campaign(campaign: Campaign, at: datetime, ctx: JobContext | None = None) -> int:
    """Give the campaign's gift to every audience member still without it; returns how many got it."""
    granted = 0
    after = 0
    total = await audience_query(campaign).count() if ctx is not None else None
    done = 0
    while True:
        ids = await audience_query(campaign).filter(id__gt=after).order_by("id").limit(BATCH).values_list(
            "id", flat=True
        )
        if not ids:
            return granted
        after = ids[-1]
        have = set(
            await CampaignAward.filter(campaign_id=campaign.id, member_id__in=ids, reference=REFERENCE).values_list(
                "member_id", flat=True
            )
        )
        due = [
            member_id for member_id in ids
            if member_id not in have and not audience.held_out(campaign.id, member_id, campaign.holdout_percent)
        ]
        given, spent = await _gift_batch(campaign, due, at) if due else (0, False)
        granted += given
        if spent:
            return granted  # the budget is spent (or the campaign stopped meanwhile)
        done += len(ids)
        if ctx is not None:
            ctx.progress(done, total, f"campaign {campaign.id}")
            await ctx.checkpoint()


async def grant_due(at: datetime, ctx: JobContext | None = None) -> int:
    """Every started, active GRANT campaign's gifts that are due by ``at``."""
    campaigns = await Campaign.filter(
        status=CampaignStatus.ACTIVE, trigger=CampaignTrigger.GRANT, starts_at__lte=at
    ).order_by("id")
    granted = 0
    for campaign in campaigns:
        if campaign.ends_at is not None and campaign.ends_at <= at:
            continue
        granted += await grant_campaign(campaign, at, ctx)
    return granted

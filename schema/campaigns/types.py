"""Campaigns, their windows, results and simulations, members' offers and earn lines as GraphQL types.

Campaign data beyond what an offer says (totals, budget, audience, results) is back-office
data: a member reaching a Campaign through ``Member.offers`` sees its name, trigger, schedule
and what it gives, with zeros and empty lists for the rest.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal

import strawberry
from strawberry import relay
from strawberry.types import Info

from schema.dataloaders import batch
from schema.enums import described_enum
from schema.insight.enums import LifecycleStage, RfmSegment
from schema.pagination import CURSOR, EDGES, NODE, PAGE_INFO, TOTAL_COUNT, PageInfo
from schema.permissions import is_reader
from server import campaigns
from server.models import Campaign as CampaignRow
from server.models import CampaignStatus as DomainCampaignStatus
from server.models import CampaignTrigger as DomainCampaignTrigger

CampaignStatus = described_enum(
    DomainCampaignStatus,
    name="CampaignStatus",
    description="Where a campaign stands: DRAFT/PAUSED → ACTIVE → PAUSED, any → ENDED (final).",
    values={
        "DRAFT": "Being prepared: gives nothing yet.",
        "ACTIVE": "Running: gives points inside its windows.",
        "PAUSED": "Stopped for now; can be activated again.",
        "ENDED": "Over for good: cannot be changed or activated again.",
    },
)

CampaignTrigger = described_enum(
    DomainCampaignTrigger,
    name="CampaignTrigger",
    description="What a campaign rewards.",
    values={
        "PURCHASE": "Multiplies or adds to points earned on purchases while it runs.",
        "CHECK_IN": "Adds points to check-ins while it runs.",
        "GRANT": "Grants points once per member when it starts (a win-back or welcome gift).",
    },
)


@strawberry.type(description="One window in which a campaign runs.")
class CampaignWindow:
    starts_at: datetime = strawberry.field(description="When the window opens.")
    ends_at: datetime = strawberry.field(
        description="When it closes (exclusive); 9999-12-31 for a window without an end."
    )


@strawberry.type(
    description="What a campaign returned. The audience as it stands when results are computed is split by the "
    "deterministic holdout assignment into treated and held-out members; revenue is net of refunds, dated by "
    "occurredAt, inside the campaign's windows."
)
class CampaignResults:
    attributed_revenue: Decimal = strawberry.field(
        description="Revenue of the purchases that earned this campaign's points."
    )
    points_cost: Decimal = strawberry.field(description="pointsAwarded × Program.pointValue.")
    roi: float | None = strawberry.field(
        description="(attributedRevenue × Program.grossMargin − pointsCost) / pointsCost; null while pointsCost is 0."
    )
    treated_members: int = strawberry.field(description="Audience members the campaign gives to.")
    holdout_members: int = strawberry.field(description="Audience members held out as the control group.")
    revenue_per_treated_member: Decimal = strawberry.field(
        description="Revenue inside the windows per treated member (all treated members, buyers or not)."
    )
    revenue_per_holdout_member: Decimal | None = strawberry.field(
        description="The same for held-out members; null without a holdout."
    )
    lift: float | None = strawberry.field(
        description="revenuePerTreatedMember / revenuePerHoldoutMember − 1; null when that is undefined."
    )


NO_RESULTS = CampaignResults(
    attributed_revenue=Decimal("0.00"), points_cost=Decimal("0.00"), roi=None, treated_members=0,
    holdout_members=0, revenue_per_treated_member=Decimal("0.00"), revenue_per_holdout_member=None, lift=None,
)


@batch("campaigns.reach")
async def load_reach(campaign_ids: Sequence[int]) -> list[int]:
    found = await campaigns.reach(list(set(campaign_ids)))
    return [found.get(campaign_id, 0) for campaign_id in campaign_ids]


@strawberry.type(description="A campaign: member day, double points, bonus or gift, with its budget and audience.")
class Campaign(relay.Node):
    row_id: relay.NodeID[int]
    row: strawberry.Private[CampaignRow]

    @strawberry.field(description="The campaign's name, as members read it in offers and their points history.")
    def name(self) -> str:
        return self.row.name

    @strawberry.field(description="What it rewards.")
    def trigger(self) -> CampaignTrigger:
        return self.row.trigger

    @strawberry.field(description="Where it stands.")
    def status(self) -> CampaignStatus:
        return self.row.status

    @strawberry.field(description="iCalendar RRULE of its windows (each occurrence is one day); null for one window.")
    def recurrence(self) -> str | None:
        return self.row.recurrence

    @strawberry.field(description="Start of the window, or of the series of windows.")
    def starts_at(self) -> datetime:
        return self.row.starts_at

    @strawberry.field(description="End of the window or series; null when open-ended.")
    def ends_at(self) -> datetime | None:
        return self.row.ends_at

    @strawberry.field(description="Points multiplier on top of the tier multiplier (1–10).")
    def multiplier(self) -> Decimal | None:
        return self.row.multiplier

    @strawberry.field(description="Points added to each purchase or check-in, or the GRANT gift.")
    def bonus_points(self) -> int | None:
        return self.row.bonus_points

    @strawberry.field(description="Tiers in the audience; empty means every tier (back office only).")
    def tier_codes(self, info: Info) -> list[str]:
        return list(self.row.tier_codes) if is_reader(info) else []

    @strawberry.field(description="RFM segments in the audience; empty means every segment (back office only).")
    def segments(self, info: Info) -> list[RfmSegment]:
        return [RfmSegment(v) for v in self.row.segments] if is_reader(info) else []

    @strawberry.field(description="Lifecycle stages in the audience; empty means every stage (back office only).")
    def stages(self, info: Info) -> list[LifecycleStage]:
        return [LifecycleStage(v) for v in self.row.stages] if is_reader(info) else []

    @strawberry.field(description="Minimum purchase amount for PURCHASE campaigns.")
    def min_amount(self) -> Decimal | None:
        return self.row.min_amount

    @strawberry.field(description="Most points one member can receive from this campaign (back office only).")
    def per_member_cap(self, info: Info) -> int | None:
        return self.row.per_member_cap if is_reader(info) else None

    @strawberry.field(description="Most points the campaign may give in total (back office only).")
    def budget_points(self, info: Info) -> int | None:
        return self.row.budget_points if is_reader(info) else None

    @strawberry.field(
        description="Points given so far, net of points taken back after refunds (back office only; else 0)."
    )
    def points_awarded(self, info: Info) -> int:
        return self.row.points_awarded if is_reader(info) else 0

    @strawberry.field(description="Distinct members the campaign gave points to (back office only; else 0).")
    async def members_reached(self, info: Info) -> int:
        if not is_reader(info):
            return 0
        return await info.context.loaders.load("campaigns.reach", self.row.id)

    @strawberry.field(description="The current and next windows, up to 5, in the programme's time zone.")
    def upcoming(self) -> list[CampaignWindow]:
        return [CampaignWindow(starts_at=s, ends_at=e) for s, e in campaigns.upcoming(self.row)]

    @strawberry.field(description="Percent of the audience held out as a control group (back office only; else 0).")
    def holdout_percent(self, info: Info) -> int:
        return self.row.holdout_percent if is_reader(info) else 0

    @strawberry.field(description="What the campaign returned so far (back office only; else zeros).")
    async def results(self, info: Info) -> CampaignResults:
        if not is_reader(info):
            return NO_RESULTS
        found = (await campaigns.results([self.row.id])).get(self.row.id)
        if found is None:
            return NO_RESULTS
        return CampaignResults(**found.__dict__)

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids, required: bool = False):  # type: ignore[override]
        wanted = [int(i) for i in node_ids]
        rows = {row.id: row for row in await CampaignRow.filter(id__in=wanted)} if is_reader(info) else {}
        return [campaign_type(rows[i]) if i in rows else None for i in wanted]


def campaign_type(row: CampaignRow) -> Campaign:
    return Campaign(row_id=row.id, row=row)


@strawberry.type(description="What a draft campaign would have done over the replayed days. Nothing was written.")
class CampaignSimulation:
    members_reached: int = strawberry.field(description="Distinct members it would have given points to.")
    points_cost: int = strawberry.field(description="Points it would have given.")
    budget_exhausted_on: date | None = strawberry.field(
        description="Whether the budget would have run out, and on which day (programme time zone)."
    )


@strawberry.type(description="A campaign in a page of campaigns.")
class CampaignEdge:
    cursor: str = strawberry.field(description=CURSOR)
    node: Campaign = strawberry.field(description=NODE)


@strawberry.type(description="A page of campaigns.")
class CampaignConnection:
    edges: list[CampaignEdge] = strawberry.field(description=EDGES)
    page_info: PageInfo = strawberry.field(description=PAGE_INFO)
    total_count: int = strawberry.field(description=TOTAL_COUNT)


@strawberry.type(description="A campaign the member can take part in now or within 7 days.")
class Offer:
    campaign: Campaign = strawberry.field(description="The campaign.")
    starts_at: datetime = strawberry.field(description="The next occurrence in the member's time zone.")
    ends_at: datetime = strawberry.field(description="When that occurrence ends.")
    headline: str = strawberry.field(
        description="Human-readable, in the member's locale, such as 'Member day on the 8th: double points'."
    )


@strawberry.type(description="One part of the points a purchase earned.")
class EarnLine:
    source: str = strawberry.field(description="base, tier, or campaign.")
    label: str = strawberry.field(description='"Base", the tier\'s name, or the campaign\'s name for campaign lines.')
    points: int = strawberry.field(description="Points of this part (negative for a refund's take-back).")


async def member_offers(member_row, info: Info) -> list[Offer]:
    """The member's offers: for the member themselves and the back office, empty for anyone else."""
    from schema.permissions import can_see_member

    if not can_see_member(info, member_row.id):
        return []
    return [
        Offer(campaign=campaign_type(o.campaign), starts_at=o.starts_at, ends_at=o.ends_at, headline=o.headline)
        for o in await campaigns.offers_for(member_row)
    ]

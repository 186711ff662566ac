"""Campaign queries and mutations: the back office's list, editor, simulation and status moves."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

import strawberry
from graphql import GraphQLError
from strawberry.types import Info

from schema.campaigns.types import (
    Campaign,
    CampaignConnection,
    CampaignEdge,
    CampaignSimulation,
    CampaignStatus,
    CampaignTrigger,
    campaign_type,
)
from schema.errors import USER_ERRORS, UserError, attempt
from schema.insight.enums import LifecycleStage, RfmSegment
from schema.pagination import After, First, connection, empty, newest_first
from schema.permissions import is_reader, require_member
from schema.points.schema import decode_id
from server import campaigns
from server.core.errors import DomainError

CAMPAIGN_ID = "The Campaign's id."


@strawberry.input(description="A campaign as staff set it up.")
class CampaignInput:
    name: str = strawberry.field(description="1 to 120 characters; members read it in offers and their history.")
    trigger: CampaignTrigger = strawberry.field(description="What it rewards.")
    recurrence: str | None = strawberry.field(
        default=None,
        description="iCalendar RRULE for recurring windows, e.g. FREQ=MONTHLY;BYMONTHDAY=8 (member day on the 8th) "
        "or FREQ=WEEKLY;BYDAY=SA; null for one window from startsAt to endsAt. Each occurrence is one whole day in "
        "the member's time zone, cut by startsAt and endsAt. FREQ finer than DAILY, DTSTART, or a rule that never "
        "occurs is INVALID_SCHEDULE on recurrence (as is any recurrence on a GRANT).",
    )
    starts_at: datetime = strawberry.field(
        description="Start of the window or series; may lie in the past (the campaign runs from activation)."
    )
    ends_at: datetime | None = strawberry.field(
        default=None, description="End of the window or series; not after startsAt (else INVALID_SCHEDULE)."
    )
    multiplier: Decimal | None = strawberry.field(
        default=None,
        description="Points multiplier applied on top of the tier multiplier; 1 to 10 (else INVALID_INPUT).",
    )
    bonus_points: int | None = strawberry.field(
        default=None, description="Points added to each purchase or check-in, or the GRANT gift (needed for GRANT)."
    )
    tier_codes: list[str] | None = strawberry.field(default=None, description="Empty lists mean everyone.")
    segments: list[RfmSegment] | None = strawberry.field(default=None, description="Empty lists mean everyone.")
    stages: list[LifecycleStage] | None = strawberry.field(default=None, description="Empty lists mean everyone.")
    min_amount: Decimal | None = strawberry.field(
        default=None, description="Minimum purchase amount for PURCHASE campaigns."
    )
    per_member_cap: int | None = strawberry.field(
        default=None, description="Most points one member can receive from this campaign."
    )
    budget_points: int | None = strawberry.field(
        default=None,
        description="Most points the campaign may give in total; it stops giving at the cap, never beyond.",
    )
    holdout_percent: int | None = strawberry.field(
        default=0,
        description="Percent of the audience held out as a control group (0–50) that the campaign skips, so its "
        "real lift can be measured. Assignment is deterministic per member and campaign.",
    )


@strawberry.type(description="The answer to a mutation on a campaign.")
class CampaignPayload:
    campaign: Campaign | None = strawberry.field(description="The campaign as it now stands; null on failure.")
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)


def draft_of(input: CampaignInput) -> campaigns.CampaignDraft:
    return campaigns.CampaignDraft(
        name=input.name, trigger=input.trigger, starts_at=input.starts_at, ends_at=input.ends_at,
        recurrence=input.recurrence, multiplier=input.multiplier, bonus_points=input.bonus_points,
        tier_codes=list(input.tier_codes or []), segments=list(input.segments or []),
        stages=list(input.stages or []), min_amount=input.min_amount, per_member_cap=input.per_member_cap,
        budget_points=input.budget_points, holdout_percent=input.holdout_percent or 0,
    )


def _failed(errors: list[UserError]) -> CampaignPayload:
    return CampaignPayload(campaign=None, user_errors=errors)


def _query_error(error: DomainError) -> GraphQLError:
    return GraphQLError(error.message, extensions={"code": error.code.value, "field": error.field})


@strawberry.type
class CampaignQuery:
    @strawberry.field(description="Staff and analysts: campaigns, newest first. Empty for anyone else.")
    async def campaigns(
        self,
        info: Info,
        first: First = 20,
        after: After = None,
        status: Annotated[CampaignStatus | None, strawberry.argument(description="Only this status.")] = None,
    ) -> CampaignConnection:
        if not is_reader(info):
            return empty(CampaignConnection)
        page = await newest_first(campaigns.listing(info.context.member, status), first, after)
        return connection(page, CampaignConnection, CampaignEdge, campaign_type)

    @strawberry.field(description="Staff and analysts: one campaign; null for anyone else or an unknown id.")
    async def campaign(
        self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description=CAMPAIGN_ID)]
    ) -> Campaign | None:
        if not is_reader(info):
            return None
        try:
            row = await campaigns.get(info.context.member, decode_id(id, "Campaign", "id"))
        except DomainError:
            return None
        return campaign_type(row) if row else None

    @strawberry.field(
        description="Staff and analysts: what a campaign would have done over the last `days` days of real "
        "purchases and check-ins had it been active: members reached and points it would have cost. Writes "
        "nothing. Null for anyone else; an invalid draft or `days` outside 1–365 is a GraphQL error with "
        "extensions.code and extensions.field."
    )
    async def simulate_campaign(
        self,
        info: Info,
        input: Annotated[CampaignInput, strawberry.argument(description="The draft campaign.")],
        days: Annotated[int | None, strawberry.argument(description="Days to replay, 1 to 365.")] = 30,
    ) -> CampaignSimulation | None:
        if not is_reader(info):
            return None
        try:
            found = await campaigns.simulate(info.context.member, draft_of(input), 30 if days is None else days)
        except DomainError as error:
            raise _query_error(error) from None
        return CampaignSimulation(
            members_reached=found.members_reached, points_cost=found.points_cost,
            budget_exhausted_on=found.budget_exhausted_on,
        )


@strawberry.type
class CampaignMutation:
    @strawberry.mutation(
        description="Staff: create a campaign (DRAFT), or update the one with the same id while not ENDED."
    )
    async def upsert_campaign(
        self,
        info: Info,
        input: Annotated[CampaignInput, strawberry.argument(description="The campaign.")],
        id: Annotated[
            strawberry.ID | None, strawberry.argument(description="The Campaign to change; null: new.")
        ] = None,
    ) -> CampaignPayload:
        async def action() -> CampaignPayload:
            actor = require_member(info)
            campaign_id = decode_id(id, "Campaign", "id") if id is not None else None
            row = await campaigns.upsert(actor, campaign_id, draft_of(input))
            return CampaignPayload(campaign=campaign_type(row), user_errors=[])

        return await attempt(action, _failed, info.context.locale)

    @strawberry.mutation(
        description="Staff: DRAFT/PAUSED → ACTIVE, ACTIVE → PAUSED, any → ENDED (final); other moves are "
        "INVALID_STATUS_CHANGE, activating a campaign whose budget is spent BUDGET_EXHAUSTED."
    )
    async def set_campaign_status(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description=CAMPAIGN_ID)],
        status: Annotated[CampaignStatus, strawberry.argument(description="The status to move to.")],
    ) -> CampaignPayload:
        async def action() -> CampaignPayload:
            actor = require_member(info)
            row = await campaigns.set_status(actor, decode_id(id, "Campaign", "id"), status)
            return CampaignPayload(campaign=campaign_type(row), user_errors=[])

        return await attempt(action, _failed, info.context.locale)

"""Catalog queries and redemption mutations (to be completed by the catalog work)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from schema.catalog.types import Benefit, BenefitConnection, BenefitEdge, Redemption, benefit_type
from schema.errors import UserError, attempt
from schema.pagination import by_offset, connection
from server.errors import DomainError, ErrorCode
from server.models import Benefit as BenefitRow

MemberType = Annotated["Member", strawberry.lazy("schema.accounts.types")]


@strawberry.input
class BenefitInput:
    slug: str
    title: str
    description: str | None = None
    category: str
    points_cost: int
    min_tier_code: str | None = strawberry.field(default=None, description="Code of the lowest tier that may redeem it; null for every tier.")
    stock: int | None = strawberry.field(default=None, description="Total units; null for unlimited.")
    per_member_limit: int | None = None
    available_from: datetime | None = None
    available_until: datetime | None = None
    active: bool | None = None


@strawberry.type
class RedemptionPayload:
    redemption: Redemption | None
    member: MemberType | None
    user_errors: list[UserError]


@strawberry.type
class BenefitPayload:
    benefit: Benefit | None
    user_errors: list[UserError]


def _not_yet() -> DomainError:
    return DomainError(ErrorCode.NOT_AVAILABLE, "Not available yet.", None)


@strawberry.type
class CatalogQuery:
    @strawberry.field
    async def benefits(
        self, info: Info, first: int | None = 20, after: str | None = None, category: str | None = None
    ) -> BenefitConnection:
        query = BenefitRow.filter(active=True)
        if category:
            query = query.filter(category=category)
        page = await by_offset(query, first, after, ("points_cost", "id"))
        return connection(page, BenefitConnection, BenefitEdge, benefit_type)

    @strawberry.field
    async def benefit(self, info: Info, slug: str) -> Benefit | None:
        row = await BenefitRow.get_or_none(slug=slug, active=True)
        return benefit_type(row) if row else None


@strawberry.type
class CatalogMutation:
    @strawberry.mutation
    async def redeem_benefit(
        self, info: Info, benefit_id: strawberry.ID, idempotency_key: str, quantity: int | None = 1
    ) -> RedemptionPayload:
        async def action() -> RedemptionPayload:
            raise _not_yet()

        return await attempt(action, lambda e: RedemptionPayload(redemption=None, member=None, user_errors=e), info.context.locale)

    @strawberry.mutation
    async def cancel_redemption(self, info: Info, redemption_id: strawberry.ID) -> RedemptionPayload:
        async def action() -> RedemptionPayload:
            raise _not_yet()

        return await attempt(action, lambda e: RedemptionPayload(redemption=None, member=None, user_errors=e), info.context.locale)

    @strawberry.mutation
    async def upsert_benefit(self, info: Info, input: BenefitInput) -> BenefitPayload:
        async def action() -> BenefitPayload:
            raise _not_yet()

        return await attempt(action, lambda e: BenefitPayload(benefit=None, user_errors=e), info.context.locale)

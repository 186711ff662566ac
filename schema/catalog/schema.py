"""Catalog queries and redemption mutations: thin adapters over server.catalog (benefits and redemptions)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.types import Info

from schema.catalog.types import Benefit, BenefitConnection, BenefitEdge, Redemption, benefit_type
from schema.errors import USER_ERRORS, UserError, attempt
from schema.pagination import After, First, by_offset, connection
from schema.permissions import is_reader, require_member, require_partner, require_staff
from schema.points.schema import decode_id
from server import catalog
from server.catalog import redemptions
from server.catalog.redemptions import RedemptionResult

if TYPE_CHECKING:
    from schema.accounts.types import Member

MemberType = Annotated["Member", strawberry.lazy("schema.accounts.types")]


@strawberry.input(description="A benefit to create, or the new state of the one with the same slug.")
class BenefitInput:
    slug: str = strawberry.field(
        description="Stable key: lower-case letters, digits and hyphens; it names the benefit."
    )
    title: str = strawberry.field(
        description="Name members see: without control, invisible or direction-changing characters; stored in NFC."
    )
    description: str | None = strawberry.field(default=None, description="What the benefit gives; may be empty.")
    category: str = strawberry.field(description="Catalog section, such as dining or travel.")
    points_cost: int = strawberry.field(description="Points one unit costs; at least 1.")
    min_tier_code: str | None = strawberry.field(
        default=None, description="Code of the lowest tier that may redeem it; null for every tier."
    )
    stock: int | None = strawberry.field(
        default=None, description="Total units; null for unlimited. Remaining = stock - units issued and not cancelled."
    )
    per_member_limit: int | None = strawberry.field(
        default=None, description="Most units one member may hold (issued or used); null for unlimited."
    )
    available_from: datetime | None = strawberry.field(default=None, description="Redeemable from; null: no start.")
    available_until: datetime | None = strawberry.field(default=None, description="Redeemable until; null: no end.")
    active: bool | None = strawberry.field(
        default=None, description="Null keeps the current flag (a new benefit starts active)."
    )
    title_zh: str | None = strawberry.field(
        default=None, description="Title for zh-CN callers; null falls back to title."
    )
    description_zh: str | None = strawberry.field(
        default=None, description="Description for zh-CN callers; null falls back to description."
    )


@strawberry.type(description="The answer to a mutation on a redemption.")
class RedemptionPayload:
    redemption: Redemption | None = strawberry.field(description="The redemption as it now stands; null on failure.")
    member: MemberType | None = strawberry.field(
        description="The member with their new balance; null on failure and for partners."
    )
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)
    replayed: bool = strawberry.field(
        default=False, description="True when an idempotency key repeated an earlier request: nothing more was spent."
    )


@strawberry.type(description="The answer to upsertBenefit.")
class BenefitPayload:
    benefit: Benefit | None = strawberry.field(description="The benefit as saved; null on failure.")
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)


def _redemption_payload(result: RedemptionResult, *, with_member: bool = True) -> RedemptionPayload:
    from schema.accounts.types import member_type

    return RedemptionPayload(
        redemption=Redemption(row_id=result.redemption.id, row=result.redemption),
        member=member_type(result.member) if with_member else None,
        user_errors=[],
        replayed=result.replayed,
    )


def _failed_redemption(errors: list[UserError]) -> RedemptionPayload:
    return RedemptionPayload(redemption=None, member=None, user_errors=errors)


@strawberry.type
class CatalogQuery:
    @strawberry.field(description="The catalog, cheapest first: active benefits inside their availability window.")
    async def benefits(
        self,
        info: Info,
        first: First = 20,
        after: After = None,
        category: Annotated[str | None, strawberry.argument(description="Only this catalog section.")] = None,
        include_inactive: Annotated[
            bool,
            strawberry.argument(description="Staff only (ignored for others): also withdrawn and out-of-window ones."),
        ] = False,
    ) -> BenefitConnection:
        query = catalog.catalog_query(category=category, include_inactive=include_inactive and is_reader(info))
        page = await by_offset(query, first, after, catalog.ORDERING)
        return connection(page, BenefitConnection, BenefitEdge, benefit_type)

    @strawberry.field(description="Any active benefit, also outside its availability window (staff: any benefit).")
    async def benefit(
        self, info: Info, slug: Annotated[str, strawberry.argument(description="The benefit's slug.")]
    ) -> Benefit | None:
        row = await catalog.benefit_by_slug(slug, staff=is_reader(info))
        return benefit_type(row) if row else None


@strawberry.type
class CatalogMutation:
    @strawberry.mutation(
        description="Spend points on a benefit. A retry with the same idempotencyKey returns the first attempt's "
        "outcome and spends nothing more; the same key with different arguments is IDEMPOTENCY_CONFLICT."
    )
    async def redeem_benefit(
        self,
        info: Info,
        benefit_id: Annotated[strawberry.ID, strawberry.argument(description="The Benefit's id.")],
        idempotency_key: Annotated[
            str,
            strawberry.argument(
                description="A key the client makes up per redemption attempt (1 to 128 visible characters), "
                "reused on retries."
            ),
        ],
        quantity: Annotated[int | None, strawberry.argument(description="Units to redeem; at least 1.")] = 1,
    ) -> RedemptionPayload:
        async def action() -> RedemptionPayload:
            member = require_member(info)
            target = decode_id(benefit_id, "Benefit", "benefitId")
            return _redemption_payload(await redemptions.redeem_benefit(member.id, target, idempotency_key, quantity))

        return await attempt(action, _failed_redemption, info.context.locale)

    @strawberry.mutation(
        description="Cancel an unused redemption; its points come back and its stock is released. "
        "The owner or staff may cancel; another member's redemption answers NOT_FOUND, exactly like an id "
        "that does not exist."
    )
    async def cancel_redemption(
        self,
        info: Info,
        redemption_id: Annotated[strawberry.ID, strawberry.argument(description="The Redemption's id.")],
    ) -> RedemptionPayload:
        async def action() -> RedemptionPayload:
            actor = require_member(info)
            target = decode_id(redemption_id, "Redemption", "redemptionId")
            return _redemption_payload(await redemptions.cancel_redemption(actor, target))

        return await attempt(action, _failed_redemption, info.context.locale)

    @strawberry.mutation(description="Partner (vouchers:write): mark a voucher used; each voucher works once.")
    async def redeem_voucher(
        self, info: Info, code: Annotated[str, strawberry.argument(description="The voucher code the member shows.")]
    ) -> RedemptionPayload:
        async def action() -> RedemptionPayload:
            partner = require_partner(info, redemptions.VOUCHER_SCOPE)
            redemption = await redemptions.redeem_voucher(partner, code)
            return RedemptionPayload(
                redemption=Redemption(row_id=redemption.id, row=redemption), member=None, user_errors=[]
            )

        return await attempt(action, _failed_redemption, info.context.locale)

    @strawberry.mutation(
        description="Staff: create a benefit, or update the one with the same slug. Every field error is answered "
        "at once (one userError per field). Each change is written to the audit log (benefit.create, "
        "benefit.update, benefit.deactivate, benefit.activate) in the same transaction."
    )
    async def upsert_benefit(
        self,
        info: Info,
        input: Annotated[BenefitInput, strawberry.argument(description="The benefit.")],
        create: Annotated[
            bool,
            strawberry.argument(
                description="True: only create; a benefit with this slug already existing is INVALID_INPUT on "
                "slug (a form for new benefits never overwrites one)."
            ),
        ] = False,
    ) -> BenefitPayload:
        async def action() -> BenefitPayload:
            staff = require_staff(info)
            data = catalog.BenefitInput(
                slug=input.slug,
                title=input.title,
                category=input.category,
                points_cost=input.points_cost,
                description=input.description,
                title_zh=input.title_zh,
                description_zh=input.description_zh,
                min_tier_code=input.min_tier_code,
                stock=input.stock,
                per_member_limit=input.per_member_limit,
                available_from=input.available_from,
                available_until=input.available_until,
                active=input.active,
            )
            saved = await catalog.upsert_benefit(staff, data, create=create)
            return BenefitPayload(benefit=benefit_type(saved), user_errors=[])

        return await attempt(
            action, lambda errors: BenefitPayload(benefit=None, user_errors=errors), info.context.locale
        )

"""Benefits, eligibility and redemptions as GraphQL types."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import relay
from strawberry.types import Info

from schema.catalog import dataloaders as _catalog_loaders  # noqa: F401  (registers loaders)
from schema.enums import described_enum
from schema.errors import ErrorCode
from schema.pagination import CURSOR, EDGES, NODE, PAGE_INFO, TOTAL_COUNT, PageInfo, connection, newest_first
from schema.program.types import Tier
from server.models import Benefit as BenefitRow
from server.models import Member as MemberRow
from server.models import Redemption as RedemptionRow
from server.models import RedemptionStatus as DomainRedemptionStatus

RedemptionStatus = described_enum(
    DomainRedemptionStatus,
    name="RedemptionStatus",
    description="Where a redemption (voucher) stands.",
    values={
        "ISSUED": "The voucher is valid and not yet used; the member may still cancel it.",
        "USED": "A partner claimed the voucher.",
        "CANCELLED": "The member cancelled it; its points came back and its stock was released.",
    },
)


@strawberry.type(description="Whether the viewer can redeem a benefit now, and if not, why.")
class Eligibility:
    can_redeem: bool = strawberry.field(description="True when redeemBenefit would succeed now.")
    reason: ErrorCode | None = strawberry.field(
        description="The code redeemBenefit would refuse with, such as INSUFFICIENT_POINTS; null when it would succeed."
    )


@strawberry.type(description="Something members can spend points on, from the rewards catalog.")
class Benefit(relay.Node):
    row_id: relay.NodeID[int]
    row: strawberry.Private[BenefitRow]

    @strawberry.field(description="Stable, URL-safe key of the benefit, such as coffee-voucher.")
    def slug(self) -> str:
        return self.row.slug

    @strawberry.field(description="Name in the caller's language.")
    def title(self, info: Info) -> str:
        return (self.row.title_zh if info.context.locale == "zh-CN" else None) or self.row.title

    @strawberry.field(description="What the benefit gives, in the caller's language; may be empty.")
    def description(self, info: Info) -> str:
        return (self.row.description_zh if info.context.locale == "zh-CN" else None) or self.row.description

    @strawberry.field(description="Catalog section, such as dining or travel; the benefits query filters by it.")
    def category(self) -> str:
        return self.row.category

    @strawberry.field(description="Points one unit costs.")
    def points_cost(self) -> int:
        return self.row.points_cost

    @strawberry.field(description="Null: open to every tier.")
    def min_tier(self, info: Info) -> Tier | None:
        from schema.program.types import tier_type
        from server.points.program import get_program

        rule = get_program().find_tier(self.row.min_tier_code) if self.row.min_tier_code else None
        return tier_type(rule, info) if rule else None

    @strawberry.field(description="Null: unlimited.")
    def remaining(self) -> int | None:
        return None if self.row.stock is None else max(0, self.row.stock - self.row.issued)

    @strawberry.field(description="Null: unlimited.")
    def per_member_limit(self) -> int | None:
        return self.row.per_member_limit

    @strawberry.field(description="Redeemable from this moment; null: no start.")
    def available_from(self) -> datetime | None:
        return self.row.available_from

    @strawberry.field(description="Redeemable until this moment; null: no end.")
    def available_until(self) -> datetime | None:
        return self.row.available_until

    @strawberry.field(description="False when staff have withdrawn it; members only ever see active benefits.")
    def active(self) -> bool:
        return self.row.active

    @strawberry.field(description="Total units; null: unlimited (remaining = stock - units issued).")
    def stock(self) -> int | None:
        return self.row.stock

    @strawberry.field(description="Units issued and not cancelled.")
    def issued(self) -> int:
        return self.row.issued

    @strawberry.field(
        description="The title as stored for English and as the fallback (BenefitInput.title), whatever the "
        "caller's language: what a form editing the benefit starts from."
    )
    def title_en(self) -> str:
        return self.row.title

    @strawberry.field(description="The zh-CN title as stored (BenefitInput.titleZh); null when not given.")
    def title_zh(self) -> str | None:
        return self.row.title_zh

    @strawberry.field(description="The description as stored for English and the fallback (BenefitInput.description).")
    def description_en(self) -> str:
        return self.row.description

    @strawberry.field(description="The zh-CN description as stored (BenefitInput.descriptionZh); null when not given.")
    def description_zh(self) -> str | None:
        return self.row.description_zh

    @strawberry.field(
        description="Whether the viewer can redeem one now, and if not, why (null for anonymous callers)."
    )
    async def viewer_eligibility(self, info: Info) -> Eligibility | None:
        member = info.context.member
        if member is None:
            return None
        answer = await info.context.loaders.load("catalog.eligibility", (member.id, self.row.id))
        return Eligibility(can_redeem=answer.can_redeem, reason=answer.reason) if answer else None

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids, required: bool = False):  # type: ignore[override]
        from schema.permissions import is_reader

        staff = is_reader(info)
        rows = {row.id: row for row in await BenefitRow.filter(id__in=[int(i) for i in node_ids])}
        return [
            benefit_type(rows[int(i)]) if int(i) in rows and (staff or rows[int(i)].active) else None
            for i in node_ids
        ]


def benefit_type(row: BenefitRow) -> Benefit:
    return Benefit(row_id=row.id, row=row)


@strawberry.type(description="Points a member spent on a benefit, and the voucher that claims it.")
class Redemption(relay.Node):
    row_id: relay.NodeID[int]
    row: strawberry.Private[RedemptionRow]

    @strawberry.field(description="The benefit redeemed.")
    async def benefit(self, info: Info) -> Benefit:
        return benefit_type(await info.context.loaders.load("catalog.benefit", self.row.benefit_id))

    @strawberry.field(description="Units redeemed at once.")
    def quantity(self) -> int:
        return self.row.quantity

    @strawberry.field(description="Points this redemption cost (quantity × pointsCost at the time).")
    def points_spent(self) -> int:
        return self.row.points_spent

    @strawberry.field(description="ISSUED, USED or CANCELLED.")
    def status(self) -> RedemptionStatus:
        return self.row.status

    @strawberry.field(description="Unique, hard to guess; shown to the partner to claim the benefit.")
    def voucher_code(self) -> str:
        return self.row.voucher_code

    @strawberry.field(description="When the member redeemed.")
    def created_at(self) -> datetime:
        return self.row.created_at

    @strawberry.field(description="When a partner claimed the voucher; null until it is USED.")
    def used_at(self) -> datetime | None:
        return self.row.used_at

    @strawberry.field(description="Null unless CANCELLED.")
    def cancelled_at(self) -> datetime | None:
        return self.row.cancelled_at

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids, required: bool = False):  # type: ignore[override]
        from schema.permissions import can_see_member

        rows = {row.id: row for row in await RedemptionRow.filter(id__in=[int(i) for i in node_ids])}
        return [
            Redemption(row_id=rows[int(i)].id, row=rows[int(i)])
            if int(i) in rows and can_see_member(info, rows[int(i)].member_id)
            else None
            for i in node_ids
        ]


@strawberry.type(description="A benefit in a page of the catalog.")
class BenefitEdge:
    cursor: str = strawberry.field(description=CURSOR)
    node: Benefit = strawberry.field(description=NODE)


@strawberry.type(description="A page of the catalog.")
class BenefitConnection:
    edges: list[BenefitEdge] = strawberry.field(description=EDGES)
    page_info: PageInfo = strawberry.field(description=PAGE_INFO)
    total_count: int = strawberry.field(description=TOTAL_COUNT)


@strawberry.type(description="A redemption in a page of a member's redemptions.")
class RedemptionEdge:
    cursor: str = strawberry.field(description=CURSOR)
    node: Redemption = strawberry.field(description=NODE)


@strawberry.type(description="A page of a member's redemptions, newest first.")
class RedemptionConnection:
    edges: list[RedemptionEdge] = strawberry.field(description=EDGES)
    page_info: PageInfo = strawberry.field(description=PAGE_INFO)
    total_count: int = strawberry.field(description=TOTAL_COUNT)


async def member_redemptions(
    member: MemberRow, info: Info, first: int | None, after: str | None
) -> RedemptionConnection:
    page = await newest_first(RedemptionRow.filter(member_id=member.id), first, after)
    return connection(page, RedemptionConnection, RedemptionEdge, lambda row: Redemption(row_id=row.id, row=row))


if TYPE_CHECKING:
    from schema.accounts.types import Member

MemberType = Annotated["Member", strawberry.lazy("schema.accounts.types")]

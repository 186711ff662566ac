"""Partner mutations for purchases and refunds."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.types import Info

from schema.campaigns.types import EarnLine
from schema.errors import USER_ERRORS, UserError, attempt
from schema.permissions import require_partner
from server.points import purchases

if TYPE_CHECKING:
    from schema.accounts.types import Member

MemberType = Annotated["Member", strawberry.lazy("schema.accounts.types")]


@strawberry.input(description="A purchase a partner reports.")
class PurchaseInput:
    member_email: str = strawberry.field(description="The buyer's e-mail address as registered with Patron.")
    order_id: str = strawberry.field(
        description="The partner's own order id (1 to 128 visible characters); repeats are idempotent."
    )
    amount: Decimal = strawberry.field(
        description='What the member paid in the programme currency, such as "199.00": above 0, at most '
        "100,000,000, with at most the currency's decimal places (2 for CNY); else INVALID_INPUT on amount."
    )
    occurred_at: datetime | None = strawberry.field(
        default=None,
        description="When the purchase was made; null: now. Accepted from 400 days ago up to 5 minutes ahead "
        "(a till's clock drift; such a time counts as now), before the member joined included; outside that "
        "window INVALID_INPUT on occurredAt.",
    )
    subjects: list[str] | None = strawberry.field(
        default=None,
        description="Subjects (product or store references) bought; a review of one of them is a verified purchase.",
    )


@strawberry.type(description="The answer to recordPurchase and refundPurchase.")
class PurchasePayload:
    points_earned: int = strawberry.field(
        description="Points this call credited (negative for a refund: points taken back); 0 on failure."
    )
    member: MemberType | None = strawberry.field(description="The member with their new balance; null on failure.")
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)
    replayed: bool = strawberry.field(
        default=False, description="True when this answer repeats an earlier report of the same order."
    )
    earn_breakdown: list[EarnLine] = strawberry.field(
        default_factory=list,
        description="How pointsEarned was made up: base, tier multiplier, each campaign (the lines add up to "
        "pointsEarned; negative for a refund's take-back; empty on failure).",
    )


def _lines(result: purchases.PurchaseResult) -> list[EarnLine]:
    return [EarnLine(source=line.source, label=line.label, points=line.points) for line in result.breakdown]


def _failed(errors: list[UserError]) -> PurchasePayload:
    return PurchasePayload(points_earned=0, member=None, user_errors=errors)


@strawberry.type
class PurchaseMutation:
    @strawberry.mutation(
        description="Partner: report a purchase. The same orderId from the same partner is idempotent."
    )
    async def record_purchase(
        self, info: Info, input: Annotated[PurchaseInput, strawberry.argument(description="The purchase.")]
    ) -> PurchasePayload:
        from schema.accounts.types import member_type

        async def action() -> PurchasePayload:
            partner = require_partner(info, "purchases:write")
            result = await purchases.record_purchase(
                partner, input.member_email, input.order_id, input.amount, input.occurred_at, input.subjects
            )
            return PurchasePayload(
                points_earned=result.points, member=member_type(result.member), user_errors=[],
                replayed=result.replayed, earn_breakdown=_lines(result),
            )

        return await attempt(action, _failed, info.context.locale)

    @strawberry.mutation(
        description="Partner: refund all (amount null) or part of a purchase; pointsEarned is the negative change."
    )
    async def refund_purchase(
        self,
        info: Info,
        order_id: Annotated[str, strawberry.argument(description="The order id the purchase was reported with.")],
        amount: Annotated[
            Decimal | None, strawberry.argument(description="The amount refunded; null refunds what is left.")
        ] = None,
        refund_id: Annotated[
            str | None,
            strawberry.argument(
                description="The partner's id for this refund: a retry with the same id refunds nothing more."
            ),
        ] = None,
    ) -> PurchasePayload:
        from schema.accounts.types import member_type

        async def action() -> PurchasePayload:
            partner = require_partner(info, "purchases:write")
            result = await purchases.refund_purchase(partner, order_id, amount, refund_id)
            return PurchasePayload(
                points_earned=result.points, member=member_type(result.member), user_errors=[],
                replayed=result.replayed, earn_breakdown=_lines(result),
            )

        return await attempt(action, _failed, info.context.locale)

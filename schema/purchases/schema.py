"""Partner mutations for purchases and refunds."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.types import Info

from schema.errors import UserError, attempt
from schema.permissions import require_partner
from server.points import purchases

if TYPE_CHECKING:
    from schema.accounts.types import Member

MemberType = Annotated["Member", strawberry.lazy("schema.accounts.types")]


@strawberry.input
class PurchaseInput:
    member_email: str
    order_id: str
    amount: Decimal
    occurred_at: datetime | None = None
    subjects: list[str] | None = strawberry.field(
        default=None,
        description="Subjects (product or store references) bought; a review of one of them is a verified purchase.",
    )


@strawberry.type
class PurchasePayload:
    points_earned: int
    member: MemberType | None
    user_errors: list[UserError]
    replayed: bool = strawberry.field(
        default=False, description="True when this answer repeats an earlier report of the same order."
    )


def _failed(errors: list[UserError]) -> PurchasePayload:
    return PurchasePayload(points_earned=0, member=None, user_errors=errors)


@strawberry.type
class PurchaseMutation:
    @strawberry.mutation(
        description="Partner: report a purchase. The same orderId from the same partner is idempotent."
    )
    async def record_purchase(self, info: Info, input: PurchaseInput) -> PurchasePayload:
        from schema.accounts.types import member_type

        async def action() -> PurchasePayload:
            partner = require_partner(info, "purchases:write")
            result = await purchases.record_purchase(
                partner, input.member_email, input.order_id, input.amount, input.occurred_at, input.subjects
            )
            return PurchasePayload(
                points_earned=result.points, member=member_type(result.member), user_errors=[], replayed=result.replayed
            )

        return await attempt(action, _failed, info.context.locale)

    @strawberry.mutation(
        description="Partner: refund all (amount null) or part of a purchase; pointsEarned is the negative change."
    )
    async def refund_purchase(
        self,
        info: Info,
        order_id: str,
        amount: Decimal | None = None,
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
                points_earned=result.points, member=member_type(result.member), user_errors=[], replayed=result.replayed
            )

        return await attempt(action, _failed, info.context.locale)

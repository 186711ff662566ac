"""Review queries and mutations (to be completed by the reviews work)."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from schema.errors import UserError, attempt
from schema.pagination import empty
from schema.reviews.types import ModerationDecision, Review, ReviewConnection, ReviewSummary
from server.errors import DomainError, ErrorCode


@strawberry.input
class ReviewInput:
    subject: str
    rating: int
    title: str
    body: str


@strawberry.type
class ReviewPayload:
    review: Review | None
    user_errors: list[UserError]


def _not_yet() -> DomainError:
    return DomainError(ErrorCode.NOT_AVAILABLE, "Not available yet.", None)


def _failed(errors: list[UserError]) -> ReviewPayload:
    return ReviewPayload(review=None, user_errors=errors)


@strawberry.type
class ReviewQuery:
    @strawberry.field(description="Published reviews of one subject, newest first.")
    async def reviews(self, info: Info, subject: str, first: int | None = 20, after: str | None = None) -> ReviewConnection:
        return empty(ReviewConnection)

    @strawberry.field
    async def review_summary(self, info: Info, subject: str) -> ReviewSummary:
        return ReviewSummary(subject=subject, count=0, average=None, distribution=[0, 0, 0, 0, 0])


@strawberry.type
class ReviewMutation:
    @strawberry.mutation(description="One review per member and subject; points are granted when it is published.")
    async def submit_review(self, info: Info, input: ReviewInput) -> ReviewPayload:
        async def action() -> ReviewPayload:
            raise _not_yet()

        return await attempt(action, _failed, info.context.locale)

    @strawberry.mutation
    async def mark_review_helpful(self, info: Info, review_id: strawberry.ID) -> ReviewPayload:
        async def action() -> ReviewPayload:
            raise _not_yet()

        return await attempt(action, _failed, info.context.locale)

    @strawberry.mutation(description="Staff: publish or reject a pending review.")
    async def moderate_review(self, info: Info, review_id: strawberry.ID, decision: ModerationDecision) -> ReviewPayload:
        async def action() -> ReviewPayload:
            raise _not_yet()

        return await attempt(action, _failed, info.context.locale)

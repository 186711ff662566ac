"""Review queries and mutations."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from schema.errors import UserError, attempt
from schema.pagination import connection, newest_first
from schema.permissions import require_member, require_staff
from schema.points.schema import decode_id
from schema.reviews.types import ModerationDecision, Review, ReviewConnection, ReviewEdge, ReviewSummary, review_type
from server.social import reviews


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


def _failed(errors: list[UserError]) -> ReviewPayload:
    return ReviewPayload(review=None, user_errors=errors)


@strawberry.type
class ReviewQuery:
    @strawberry.field(description="Published reviews of one subject, newest first.")
    async def reviews(
        self, info: Info, subject: str, first: int | None = 20, after: str | None = None
    ) -> ReviewConnection:
        query = reviews.published(subject)
        page = await newest_first(query, first, after)
        return connection(page, ReviewConnection, ReviewEdge, review_type)

    @strawberry.field
    async def review_summary(self, info: Info, subject: str) -> ReviewSummary:
        found = await reviews.summary(subject)
        return ReviewSummary(
            subject=found.subject, count=found.count, average=found.average, distribution=found.distribution
        )


@strawberry.type
class ReviewMutation:
    @strawberry.mutation(description="One review per member and subject; points are granted when it is published.")
    async def submit_review(self, info: Info, input: ReviewInput) -> ReviewPayload:
        async def action() -> ReviewPayload:
            member = require_member(info)
            draft = reviews.ReviewDraft(subject=input.subject, rating=input.rating, title=input.title, body=input.body)
            row = await reviews.submit_review(member, draft)
            return ReviewPayload(review=review_type(row), user_errors=[])

        return await attempt(action, _failed, info.context.locale)

    @strawberry.mutation(description="Count the viewer's helpful vote on a published review once; a repeat is a no-op.")
    async def mark_review_helpful(self, info: Info, review_id: strawberry.ID) -> ReviewPayload:
        async def action() -> ReviewPayload:
            member = require_member(info)
            row = await reviews.mark_helpful(member, decode_id(review_id, "Review", "reviewId"))
            return ReviewPayload(review=review_type(row), user_errors=[])

        return await attempt(action, _failed, info.context.locale)

    @strawberry.mutation(
        description="Staff: publish or reject a pending review; later, take a published one down or reinstate it."
    )
    async def moderate_review(
        self, info: Info, review_id: strawberry.ID, decision: ModerationDecision
    ) -> ReviewPayload:
        async def action() -> ReviewPayload:
            staff = require_staff(info)
            publish = decision is ModerationDecision.PUBLISH
            row = await reviews.moderate(staff, decode_id(review_id, "Review", "reviewId"), publish)
            return ReviewPayload(review=review_type(row), user_errors=[])

        return await attempt(action, _failed, info.context.locale)

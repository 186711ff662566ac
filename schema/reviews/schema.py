"""Review queries and mutations."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from schema.errors import USER_ERRORS, UserError, attempt
from schema.pagination import After, First, connection, newest_first
from schema.permissions import require_member, require_staff
from schema.points.schema import decode_id
from schema.reviews.types import ModerationDecision, Review, ReviewConnection, ReviewEdge, ReviewSummary, review_type
from server.social import reviews

SUBJECT = "What is reviewed: a reference such as product:travel-mug (1 to 200 characters)."
REVIEW_ID = "The Review's id."


@strawberry.input(description="A new review.")
class ReviewInput:
    subject: str = strawberry.field(description=SUBJECT)
    rating: int = strawberry.field(description="1 to 5 stars.")
    title: str = strawberry.field(
        description="Headline, 1 to 120 characters, without control, invisible or direction-changing characters; "
        "stored in NFC."
    )
    body: str = strawberry.field(
        description="The text, 1 to 5,000 characters; line breaks are kept, other control, invisible and "
        "direction-changing characters are refused; stored in NFC."
    )


@strawberry.type(description="The answer to a mutation on a review.")
class ReviewPayload:
    review: Review | None = strawberry.field(description="The review as it now stands; null on failure.")
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)


def _failed(errors: list[UserError]) -> ReviewPayload:
    return ReviewPayload(review=None, user_errors=errors)


@strawberry.type
class ReviewQuery:
    @strawberry.field(description="Published reviews of one subject, newest first.")
    async def reviews(
        self,
        info: Info,
        subject: Annotated[str, strawberry.argument(description=SUBJECT)],
        first: First = 20,
        after: After = None,
    ) -> ReviewConnection:
        query = reviews.published(subject)
        page = await newest_first(query, first, after)
        return connection(page, ReviewConnection, ReviewEdge, review_type)

    @strawberry.field(description="Count, average and star distribution of one subject's published reviews.")
    async def review_summary(
        self, info: Info, subject: Annotated[str, strawberry.argument(description=SUBJECT)]
    ) -> ReviewSummary:
        found = await reviews.summary(subject)
        return ReviewSummary(
            subject=found.subject, count=found.count, average=found.average, distribution=found.distribution
        )


@strawberry.type
class ReviewMutation:
    @strawberry.mutation(description="One review per member and subject; points are granted when it is published.")
    async def submit_review(
        self, info: Info, input: Annotated[ReviewInput, strawberry.argument(description="The review.")]
    ) -> ReviewPayload:
        async def action() -> ReviewPayload:
            member = require_member(info)
            draft = reviews.ReviewDraft(subject=input.subject, rating=input.rating, title=input.title, body=input.body)
            row = await reviews.submit_review(member, draft)
            return ReviewPayload(review=review_type(row), user_errors=[])

        return await attempt(action, _failed, info.context.locale)

    @strawberry.mutation(description="Count the viewer's helpful vote on a published review once; a repeat is a no-op.")
    async def mark_review_helpful(
        self, info: Info, review_id: Annotated[strawberry.ID, strawberry.argument(description=REVIEW_ID)]
    ) -> ReviewPayload:
        async def action() -> ReviewPayload:
            member = require_member(info)
            row = await reviews.mark_helpful(member, decode_id(review_id, "Review", "reviewId"))
            return ReviewPayload(review=review_type(row), user_errors=[])

        return await attempt(action, _failed, info.context.locale)

    @strawberry.mutation(
        description="Staff: publish or reject a pending review; later, take a published one down or reinstate it."
    )
    async def moderate_review(
        self,
        info: Info,
        review_id: Annotated[strawberry.ID, strawberry.argument(description=REVIEW_ID)],
        decision: Annotated[ModerationDecision, strawberry.argument(description="Publish or reject.")],
    ) -> ReviewPayload:
        async def action() -> ReviewPayload:
            staff = require_staff(info)
            publish = decision is ModerationDecision.PUBLISH
            row = await reviews.moderate(staff, decode_id(review_id, "Review", "reviewId"), publish)
            return ReviewPayload(review=review_type(row), user_errors=[])

        return await attempt(action, _failed, info.context.locale)

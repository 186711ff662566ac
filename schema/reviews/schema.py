"""Review queries and mutations."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from schema.errors import USER_ERRORS, UserError, attempt, user_error
from schema.pagination import After, First, connection, empty, newest_first, oldest_first
from schema.permissions import is_reader, require_member, require_staff
from schema.points.schema import decode_id
from schema.reviews.types import ModerationDecision, Review, ReviewConnection, ReviewEdge, ReviewSummary, review_type
from server.core.errors import DomainError
from server.social import moderation, reviews

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


@strawberry.type(description="What a bulk decision did to one review.")
class ReviewModeration:
    review_id: strawberry.ID = strawberry.field(description="The Review's id, as given.")
    review: Review | None = strawberry.field(description="The review as it now stands; null when it was refused.")
    changed: bool = strawberry.field(
        description="False when the review already had this decision (nothing happened: no points, no notice)."
    )
    user_error: UserError | None = strawberry.field(description="Why this one was refused (NOT_FOUND…); null if not.")


@strawberry.type(description="The answer to moderateReviews: one result per review, in the order given.")
class ModerateReviewsPayload:
    results: list[ReviewModeration] = strawberry.field(description="One per distinct review id, in the order given.")
    user_errors: list[UserError] = strawberry.field(
        description="Why the whole call was refused (FORBIDDEN for analysts, too many ids); empty when it ran."
    )


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

    @strawberry.field(
        description="Staff and analysts: the moderation queue, pending reviews oldest first (the longest waiting "
        "first). Empty for anyone else."
    )
    async def review_queue(self, info: Info, first: First = 20, after: After = None) -> ReviewConnection:
        if not is_reader(info):
            return empty(ReviewConnection)
        page = await oldest_first(moderation.queue(info.context.member), first, after)
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

    @strawberry.mutation(
        description=f"Staff: publish or reject 1 to {moderation.MAX_BULK} reviews at once. Each review is decided "
        "in its own transaction, exactly as moderateReview decides one (points on the first publish, the "
        "author's notice, an audit entry review.publish or review.reject), in the order given: one that cannot "
        "be decided is reported in its result and the others still land. Analysts are refused (FORBIDDEN) and "
        "nothing changes."
    )
    async def moderate_reviews(
        self,
        info: Info,
        review_ids: Annotated[list[strawberry.ID], strawberry.argument(description="The Reviews' ids.")],
        decision: Annotated[ModerationDecision, strawberry.argument(description="Publish or reject them all.")],
    ) -> ModerateReviewsPayload:
        async def action() -> ModerateReviewsPayload:
            staff = require_staff(info)
            given = list(dict.fromkeys(review_ids))
            moderation.check_bulk(len(given))
            decoded: dict[strawberry.ID, int | UserError] = {}
            for raw in given:
                try:
                    decoded[raw] = decode_id(raw, "Review", "reviewIds")
                except DomainError as error:
                    decoded[raw] = user_error(error, info.context.locale)
            wanted = [value for value in decoded.values() if isinstance(value, int)]
            publish = decision is ModerationDecision.PUBLISH
            decided = {d.review_id: d for d in await moderation.moderate_many(staff, wanted, publish)} if wanted else {}
            results, seen = [], set()
            for raw, value in decoded.items():
                if isinstance(value, UserError):
                    results.append(ReviewModeration(review_id=raw, review=None, changed=False, user_error=value))
                elif value not in seen:  # the same review under two spellings of its id is reported once
                    seen.add(value)
                    done = decided[value]
                    results.append(ReviewModeration(
                        review_id=raw,
                        review=review_type(done.review) if done.review else None,
                        changed=done.changed,
                        user_error=user_error(done.error, info.context.locale) if done.error else None,
                    ))
            return ModerateReviewsPayload(results=results, user_errors=[])

        return await attempt(
            action, lambda errors: ModerateReviewsPayload(results=[], user_errors=errors), info.context.locale
        )

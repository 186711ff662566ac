"""Reviews and review summaries as GraphQL types."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import relay
from strawberry.types import Info

from schema.enums import described_enum
from schema.pagination import CURSOR, EDGES, NODE, PAGE_INFO, TOTAL_COUNT, PageInfo, connection, newest_first
from schema.reviews import dataloaders as _loaders  # noqa: F401  (registers loaders)
from server.models import Member as MemberRow
from server.models import Review as ReviewRow
from server.models import ReviewStatus as DomainReviewStatus
from server.social import reviews

if TYPE_CHECKING:
    from schema.accounts.types import Member

ReviewStatus = described_enum(
    DomainReviewStatus,
    name="ReviewStatus",
    description="Where a review stands in moderation.",
    values={
        "PENDING": "Waiting for staff; only its author and staff see it.",
        "PUBLISHED": "Visible to everyone; its author got the review points.",
        "REJECTED": "Not published; only its author and staff see it.",
    },
)


@strawberry.type(description="One of an author's reviews, as the moderation queue shows their history.")
class PastReview:
    subject: str = strawberry.field(description="What was reviewed.")
    rating: int = strawberry.field(description="1 to 5.")
    status: ReviewStatus = strawberry.field(description="Where it stands in moderation.")
    created_at: datetime = strawberry.field(description="When it was submitted.")


@strawberry.type(description="An author's record as a reviewer: how their reviews were decided so far.")
class ReviewAuthorHistory:
    published: int = strawberry.field(description="Their published reviews.")
    rejected: int = strawberry.field(description="Their rejected reviews.")
    pending: int = strawberry.field(description="Their reviews waiting for staff (this one included).")
    recent: list[PastReview] = strawberry.field(description="Their latest five reviews, newest first.")


@strawberry.enum(description="What staff decide about a review.")
class ModerationDecision(enum.Enum):
    PUBLISH = strawberry.enum_value("PUBLISH", description="Make it visible to everyone (and grant its points once).")
    REJECT = strawberry.enum_value("REJECT", description="Keep it, or take it, off the public list.")


@strawberry.type(description="A member's rating and words about a subject (a product, store or benefit).")
class Review(relay.Node):
    row_id: relay.NodeID[int]
    row: strawberry.Private[ReviewRow]

    @strawberry.field(description="What is reviewed: a reference such as product:travel-mug or store:shanghai-1.")
    def subject(self) -> str:
        return self.row.subject

    @strawberry.field(description="1 to 5.")
    def rating(self) -> int:
        return self.row.rating

    @strawberry.field(description="The review's headline.")
    def title(self) -> str:
        return self.row.title

    @strawberry.field(description="The review's text; may contain line breaks.")
    def body(self) -> str:
        return self.row.body

    @strawberry.field(description="The author's masked name, such as 'Li W.'.")
    async def author_name(self, info: Info) -> str:
        return await info.context.loaders.load("reviews.author_name", self.row.member_id)

    @strawberry.field(description="True when the author's reported purchases include the subject.")
    def verified_purchase(self) -> bool:
        return self.row.verified_purchase

    @strawberry.field(description="PENDING, PUBLISHED or REJECTED.")
    def status(self) -> ReviewStatus:
        return self.row.status

    @strawberry.field(description="How many members marked it helpful.")
    def helpful_count(self) -> int:
        return self.row.helpful_count

    @strawberry.field(description="When it was submitted.")
    def created_at(self) -> datetime:
        return self.row.created_at

    @strawberry.field(description="When staff last published or rejected it; null while pending.")
    def moderated_at(self) -> datetime | None:
        return self.row.moderated_at

    @strawberry.field(description="Staff and analysts (and the author): the author; null for anyone else.")
    async def author(self, info: Info) -> Annotated[Member, strawberry.lazy("schema.accounts.types")] | None:
        from schema.accounts.types import member_type
        from schema.permissions import can_see_member

        if not can_see_member(info, self.row.member_id):
            return None
        row = await info.context.loaders.load("reviews.author", self.row.member_id)
        return member_type(row) if row else None

    @strawberry.field(
        description="Staff and analysts: the author's reviews by status and their latest five (this one included), "
        "for deciding about this one; null for anyone else."
    )
    async def author_history(self, info: Info) -> ReviewAuthorHistory | None:
        from schema.permissions import is_reader

        if not is_reader(info):
            return None
        history = await info.context.loaders.load("reviews.history", self.row.member_id)
        return ReviewAuthorHistory(
            published=history.counts[DomainReviewStatus.PUBLISHED],
            rejected=history.counts[DomainReviewStatus.REJECTED],
            pending=history.counts[DomainReviewStatus.PENDING],
            recent=[
                PastReview(subject=r.subject, rating=r.rating, status=r.status, created_at=r.created_at)
                for r in history.recent
            ],
        )

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids, required: bool = False):  # type: ignore[override]
        # Visible when published, or to its author, or to staff.
        wanted = [int(i) for i in node_ids]
        rows = {row.id: row for row in await ReviewRow.filter(id__in=wanted)}
        viewer = info.context.member
        return [review_type(rows[i]) if i in rows and reviews.can_see(rows[i], viewer) else None for i in wanted]


def review_type(row: ReviewRow) -> Review:
    return Review(row_id=row.id, row=row)


@strawberry.type(description="A review in a page of reviews.")
class ReviewEdge:
    cursor: str = strawberry.field(description=CURSOR)
    node: Review = strawberry.field(description=NODE)


@strawberry.type(description="A page of reviews, newest first.")
class ReviewConnection:
    edges: list[ReviewEdge] = strawberry.field(description=EDGES)
    page_info: PageInfo = strawberry.field(description=PAGE_INFO)
    total_count: int = strawberry.field(description=TOTAL_COUNT)


@strawberry.type(description="The published reviews of one subject, in figures.")
class ReviewSummary:
    subject: str = strawberry.field(description="The subject summarised.")
    count: int = strawberry.field(description="How many published reviews it has.")
    average: float | None = strawberry.field(description="Null when there are no published reviews.")
    distribution: list[int] = strawberry.field(
        description="Counts of 1, 2, 3, 4 and 5 star published reviews, in that order."
    )


async def member_reviews(member: MemberRow, info: Info, first: int | None, after: str | None) -> ReviewConnection:
    """The member's own reviews in every status, newest first."""
    page = await newest_first(ReviewRow.filter(member_id=member.id), first, after)
    return connection(page, ReviewConnection, ReviewEdge, review_type)

"""Reviews and review summaries as GraphQL types."""

from __future__ import annotations

import enum
from datetime import datetime

import strawberry
from strawberry import relay
from strawberry.types import Info

from schema.pagination import PageInfo, connection, newest_first
from schema.reviews import dataloaders as _loaders  # noqa: F401  (registers loaders)
from server.models import Member as MemberRow
from server.models import Review as ReviewRow
from server.models import ReviewStatus as DomainReviewStatus
from server.social import reviews

ReviewStatus = strawberry.enum(DomainReviewStatus, name="ReviewStatus")


@strawberry.enum
class ModerationDecision(enum.Enum):
    PUBLISH = "PUBLISH"
    REJECT = "REJECT"


@strawberry.type
class Review(relay.Node):
    row_id: relay.NodeID[int]
    row: strawberry.Private[ReviewRow]

    @strawberry.field
    def subject(self) -> str:
        return self.row.subject

    @strawberry.field(description="1 to 5.")
    def rating(self) -> int:
        return self.row.rating

    @strawberry.field
    def title(self) -> str:
        return self.row.title

    @strawberry.field
    def body(self) -> str:
        return self.row.body

    @strawberry.field(description="The author's masked name, such as 'Li W.'.")
    async def author_name(self, info: Info) -> str:
        return await info.context.loaders.load("reviews.author_name", self.row.member_id)

    @strawberry.field
    def verified_purchase(self) -> bool:
        return self.row.verified_purchase

    @strawberry.field
    def status(self) -> ReviewStatus:
        return self.row.status

    @strawberry.field
    def helpful_count(self) -> int:
        return self.row.helpful_count

    @strawberry.field
    def created_at(self) -> datetime:
        return self.row.created_at

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids, required: bool = False):  # type: ignore[override]
        # Visible when published, or to its author, or to staff.
        wanted = [int(i) for i in node_ids]
        rows = {row.id: row for row in await ReviewRow.filter(id__in=wanted)}
        viewer = info.context.member
        return [review_type(rows[i]) if i in rows and reviews.can_see(rows[i], viewer) else None for i in wanted]


def review_type(row: ReviewRow) -> Review:
    return Review(row_id=row.id, row=row)


@strawberry.type
class ReviewEdge:
    cursor: str
    node: Review


@strawberry.type
class ReviewConnection:
    edges: list[ReviewEdge]
    page_info: PageInfo
    total_count: int


@strawberry.type
class ReviewSummary:
    subject: str
    count: int
    average: float | None = strawberry.field(description="Null when there are no published reviews.")
    distribution: list[int] = strawberry.field(
        description="Counts of 1, 2, 3, 4 and 5 star published reviews, in that order."
    )


async def member_reviews(member: MemberRow, info: Info, first: int | None, after: str | None) -> ReviewConnection:
    """The member's own reviews in every status, newest first."""
    page = await newest_first(ReviewRow.filter(member_id=member.id), first, after)
    return connection(page, ReviewConnection, ReviewEdge, review_type)

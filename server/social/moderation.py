"""The moderation queue: pending reviews oldest first, deciding many at once, each author's history.

A bulk decision runs one transaction per review (each with its own author lock, points credit,
notification and audit row, exactly as a single decision), in the order given: a review that
cannot be decided (gone, or a forged id) is reported and the others still land. The whole call
is refused up front for anyone but staff, so an analyst's request changes nothing at all.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from tortoise.queryset import QuerySet

from server.accounts import roles
from server.core.errors import DomainError, invalid
from server.models import Member, Review, ReviewStatus
from server.social.reviews import decide

MAX_BULK = 100
RECENT = 5


@dataclass(frozen=True)
class Decision:
    """What happened to one review of a bulk decision: the review as it stands, or why not."""

    review_id: int
    review: Review | None
    changed: bool
    error: DomainError | None = None


@dataclass(frozen=True)
class PastReview:
    subject: str
    rating: int
    status: ReviewStatus
    created_at: datetime


@dataclass
class AuthorHistory:
    """An author's reviews by status, and their latest few, for deciding about their next one."""

    counts: dict[ReviewStatus, int] = field(default_factory=lambda: defaultdict(int))
    recent: list[PastReview] = field(default_factory=list)


def queue(viewer: Member | None) -> QuerySet[Review]:
    """Pending reviews (callers page them oldest first); staff and analysts only."""
    roles.require_reader(viewer)
    return Review.filter(status=ReviewStatus.PENDING)


def check_bulk(count: int) -> None:
    """A bulk decision takes 1 to :data:`MAX_BULK` reviews."""
    if not 1 <= count <= MAX_BULK:
        raise invalid("reviewIds", "Choose 1 to {maximum} reviews.", maximum=MAX_BULK)


async def moderate_many(staff: Member, review_ids: Sequence[int], publish: bool) -> list[Decision]:
    """Publish or reject each review in ``review_ids`` (duplicates once), one transaction per review."""
    roles.require_staff(staff)
    wanted = list(dict.fromkeys(review_ids))
    check_bulk(len(wanted))
    decisions = []
    for review_id in wanted:
        try:
            review, changed = await decide(staff, review_id, publish)
        except DomainError as error:
            decisions.append(Decision(review_id, None, False, error))
            continue
        decisions.append(Decision(review_id, review, changed))
    return decisions


async def author_histories(member_ids: Sequence[int]) -> dict[int, AuthorHistory]:
    """Each author's counts by status and latest reviews, for a whole page of the queue in one query.

    A member reviews each subject once, so an author's history stays short enough to read whole.
    """
    histories = {member_id: AuthorHistory() for member_id in set(member_ids)}
    rows = (
        await Review.filter(member_id__in=list(histories))
        .order_by("-created_at", "-id")
        .values("member_id", "subject", "rating", "status", "created_at")
    )
    for row in rows:
        history = histories[row["member_id"]]
        status = ReviewStatus(row["status"])
        history.counts[status] += 1
        if len(history.recent) < RECENT:
            history.recent.append(PastReview(row["subject"], row["rating"], status, row["created_at"]))
    return histories

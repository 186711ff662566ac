"""Member reviews: submission, staff moderation with review points, helpful votes and summaries.

Titles and bodies are stored exactly as the member typed them (HTML included); escaping is the
job of whatever renders them. One review per member and subject, enforced by a unique index so
that concurrent submissions cannot both land.

Moderation: staff may publish or reject a pending review, take a published review down
(reject) or reinstate a rejected one (publish). Review points are granted on the first publish
only (``points_granted``) and are not taken back on a later rejection. Summaries are computed
from the published reviews when asked, so they are right whatever the history.
"""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.functions import Count
from tortoise.transactions import in_transaction

from server import audit
from server.accounts import roles
from server.core import clock
from server.core.errors import DomainError, ErrorCode, invalid
from server.core.validation import check_encodable, check_public_text, check_text, encodable
from server.messages import events, notifications
from server.models import LedgerKind, Member, PurchaseSubject, Review, ReviewStatus, ReviewVote
from server.points import ledger
from server.points.ledger_text import Note
from server.points.program import get_program

MAX_SUBJECT = 200
MAX_TITLE = 120
MAX_BODY = 5000


@dataclass(frozen=True)
class ReviewDraft:
    subject: str
    rating: int
    title: str
    body: str


@dataclass(frozen=True)
class Summary:
    subject: str
    count: int
    average: float | None
    distribution: list[int]


def check_subject(subject: str) -> str:
    subject = check_text(subject, "subject", max_length=MAX_SUBJECT)
    _check_encodable(subject, "subject")
    return subject


def _check_encodable(value: str, field: str) -> None:
    check_encodable(value, field)


def _already() -> DomainError:
    return DomainError(ErrorCode.ALREADY_REVIEWED, "You have already reviewed this.", "subject")


async def submit_review(member: Member, draft: ReviewDraft) -> Review:
    """A new PENDING review; verified when the member's purchases list the subject."""
    subject = check_subject(draft.subject)
    if not 1 <= draft.rating <= 5:
        raise invalid("rating", "Give a rating from 1 to 5.")
    # Stored as written (no trimming), in NFC, by the rule for all text shown to others.
    title = check_public_text(draft.title, "title", max_length=MAX_TITLE, strip=False)
    body = check_public_text(draft.body, "body", max_length=MAX_BODY, multiline=True, strip=False)
    if await Review.exists(member_id=member.id, subject=subject):
        raise _already()
    verified = await PurchaseSubject.exists(member_id=member.id, subject=subject)
    try:
        async with in_transaction():
            return await Review.create(
                member_id=member.id,
                subject=subject,
                rating=draft.rating,
                title=title,
                body=body,
                verified_purchase=verified,
                created_at=clock.now(),
            )
    except IntegrityError:
        # The unique (member, subject) index caught a concurrent duplicate.
        raise _already() from None


def can_see(review: Review, viewer: Member | None) -> bool:
    if review.status is ReviewStatus.PUBLISHED:
        return True
    return viewer is not None and (viewer.id == review.member_id or roles.can_read(viewer))


async def visible_review(review_id: int, viewer: Member | None) -> Review:
    review = await Review.get_or_none(id=review_id)
    if review is None or not can_see(review, viewer):
        raise DomainError(ErrorCode.NOT_FOUND, "No such review.", "reviewId")
    return review


def _points_params(points: int) -> dict[str, object]:
    return {
        "points": points,
        "points_text": f" You earned {points} points." if points else "",
        "points_text_zh": f"您获得了 {points} 积分。" if points else "",
    }


async def moderate(staff: Member, review_id: int, publish: bool) -> Review:
    """Publish or reject, audited with the change; the same decision twice changes nothing (a double click is
    harmless, and records nothing)."""
    review, _changed = await decide(staff, review_id, publish)
    return review


async def decide(staff: Member, review_id: int, publish: bool) -> tuple[Review, bool]:
    """:func:`moderate`, also saying whether this call changed the review (False: it already had the decision)."""
    roles.require_staff(staff)
    found = await Review.get_or_none(id=review_id)
    if found is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such review.", "reviewId")
    target = ReviewStatus.PUBLISHED if publish else ReviewStatus.REJECTED
    now = clock.now()
    async with in_transaction():
        # Author first, then the review: the ledger's lock order.
        author = await ledger.lock_member(found.member_id)
        review = await Review.select_for_update().get(id=review_id)
        if review.status is target:
            return review, False
        await audit.record(
            staff, "review.publish" if publish else "review.reject", target_type="review", target_id=review.id,
            member_id=author.id, before={"status": review.status}, after={"status": target},
        )
        review.status, review.moderated_at = target, now
        await Review.filter(id=review.id).update(status=target, moderated_at=now)
        if not publish:
            await notifications.notify(
                author.id, "REVIEW_REJECTED", {"subject": review.subject}, dedupe_key=f"review:{review.id}:rejected"
            )
            return review, True
        points = get_program().review_points
        granted = await Review.filter(id=review.id, points_granted=False).update(points_granted=True)
        if granted and points:
            review.points_granted = True
            await ledger.credit(
                author, LedgerKind.REVIEW, points, Note("review", {"subject": review.subject[:200]}),
                reference=f"review:{review.id}", at=now,
            )
        await notifications.notify(
            author.id,
            "REVIEW_PUBLISHED",
            {"subject": review.subject, **_points_params(points if granted else 0)},
            dedupe_key=f"review:{review.id}:published",
        )
        await events.publish(
            "REVIEW_PUBLISHED",
            author.id,
            {
                "review_id": review.id,
                "subject": review.subject,
                "rating": review.rating,
                "points": points if granted else 0,
                "at": now,
            },
        )
        return review, True


async def mark_helpful(member: Member, review_id: int) -> Review:
    """Count the member's helpful vote once; a repeat vote is a no-op returning the review."""
    review = await visible_review(review_id, member)
    if review.member_id == member.id:
        raise DomainError(ErrorCode.FORBIDDEN, "You cannot mark your own review helpful.", "reviewId")
    if review.status is not ReviewStatus.PUBLISHED:
        raise DomainError(ErrorCode.NOT_FOUND, "No such published review.", "reviewId")
    try:
        async with in_transaction():
            await ReviewVote.create(review_id=review.id, member_id=member.id, created_at=clock.now())
            await Review.filter(id=review.id).update(helpful_count=F("helpful_count") + 1)
    except IntegrityError:
        pass  # Already voted: the unique (review, member) index keeps it to one.
    return await Review.get(id=review.id)


def published(subject: str):
    """The subject's published reviews (a query); text no database can store matches none."""
    if not encodable(subject):
        return Review.filter(id__in=[])
    return Review.filter(subject=subject.strip(), status=ReviewStatus.PUBLISHED)


async def summary(subject: str) -> Summary:
    """Count, average and 1–5 distribution of the subject's published reviews (one query)."""
    subject = subject.strip() if encodable(subject) else ""
    rows = (
        await published(subject)
        .group_by("rating")
        .annotate(n=Count("id"))
        .values("rating", "n")
    )
    distribution = [0] * 5
    for row in rows:
        if 1 <= row["rating"] <= 5:
            distribution[row["rating"] - 1] = row["n"]
    count = sum(distribution)
    total = sum(stars * n for stars, n in enumerate(distribution, start=1))
    return Summary(subject, count, round(total / count, 2) if count else None, distribution)

"""Answering surveys, and the complaint ticket a low answer opens.

A survey is answered once (ALREADY_ANSWERED after that, however the requests race) within its
14 days (SURVEY_EXPIRED after). NPS scores run 0–10, satisfaction 0–100. A detractor — NPS 0–6,
or satisfaction below 60 — opens a COMPLAINT ticket in the same transaction as the answer, so no
unhappy member goes unanswered.
"""

from __future__ import annotations

from datetime import datetime

from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from server.care import access, texts, tickets
from server.core import clock
from server.core.errors import DomainError, ErrorCode, invalid
from server.core.validation import check_public_text
from server.models import Member, Survey, SurveyKind, SurveyStatus, Ticket, TicketCategory
from server.points import ledger

MAX_COMMENT = 2000
SCALES = {SurveyKind.NPS: 10, SurveyKind.SATISFACTION: 100}
NPS_DETRACTOR_MAX = 6
SATISFACTION_DETRACTOR_BELOW = 60


def scale(kind: SurveyKind) -> int:
    """The highest score of a survey kind (the lowest is 0)."""
    return SCALES[kind]


def is_detractor(kind: SurveyKind, score: int) -> bool:
    if kind is SurveyKind.NPS:
        return score <= NPS_DETRACTOR_MAX
    return score < SATISFACTION_DETRACTOR_BELOW


def pending(member_id: int, at: datetime | None = None) -> QuerySet[Survey]:
    """The member's surveys still open for an answer, newest first."""
    at = at or clock.now()
    return Survey.filter(member_id=member_id, answered_at__isnull=True, expires_at__gt=at).order_by("-sent_at", "-id")


def _check_comment(comment: str | None) -> str | None:
    if comment is None or not comment.strip():
        return None
    return check_public_text(tickets.one_kind_of_newline(comment), "comment", max_length=MAX_COMMENT, multiline=True)


async def answer(member: Member, survey_id: int, score: int, comment: str | None = None) -> Survey:
    """Record the member's score (and optional comment) once; a detractor's answer opens a complaint."""
    survey = await access.own_survey(member, survey_id)
    top = scale(survey.kind)
    if not 0 <= score <= top:
        raise invalid("score", "Give a score from 0 to {top}.", top=top)
    note = _check_comment(comment)
    now = clock.now()
    async with in_transaction():
        locked = await ledger.lock_member(member.id)
        survey = await Survey.select_for_update().get(id=survey.id)
        if survey.answered_at is not None:
            raise DomainError(ErrorCode.ALREADY_ANSWERED, "You have already answered this survey.", "surveyId")
        if survey.expires_at <= now:
            raise DomainError(ErrorCode.SURVEY_EXPIRED, "This survey has closed.", "surveyId")
        survey.answered_at, survey.score, survey.comment = now, score, note
        survey.status = SurveyStatus.ANSWERED
        if is_detractor(survey.kind, score):
            ticket = await _complaint(locked, survey, now)
            survey.detractor_ticket_id = ticket.id
        await survey.save(update_fields=["answered_at", "score", "comment", "status", "detractor_ticket_id"])
        return survey


async def _complaint(member: Member, survey: Survey, at: datetime) -> Ticket:
    """The COMPLAINT ticket for a detractor's answer, written as from the member, in their language."""
    top = scale(survey.kind)
    subject = texts.detractor_subject(survey.score or 0, top, member.locale)
    about = texts.about_text(survey.kind, survey.about, member.locale)
    if about:
        subject = f"{subject} · {about}"[: tickets.MAX_SUBJECT]
    body = survey.comment or texts.no_comment(member.locale)
    purchase = survey.purchase_id
    order_id = survey.about.get("order")
    return await tickets.create(
        member, TicketCategory.COMPLAINT, subject, body, at, order_id=order_id, purchase_id=purchase
    )

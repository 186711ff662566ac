"""Which surveys go out when: the scheduler's follow-ups and their expiry.

The rules, all checked against the time of the run so that a run after downtime catches up:

- A SATISFACTION survey follows a purchase ``survey_delay_days`` after it (3–7, default 3;
  purchases refunded in full are left alone) and follows a ticket once staff resolve it.
- An NPS survey goes to members with a purchase, no sooner than 30 days after their first one,
  and at most once every 90 days.
- At most one survey per member per 30 days, of any kind. A follow-up is sent only if no survey
  went out in the 30 days before it fell due (nor since): the outcome is the same whether the
  scheduler ran at that moment or catches up later.
- The purchase follow-up takes priority: when several are due together it wins, and while one is
  still to come (a purchase within the delay) no other survey takes its place.
- A follow-up not sent within 14 days of falling due (the life of a survey) is dropped.
- Surveys expire 14 days after they are sent.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tortoise.functions import Min
from tortoise.transactions import in_transaction

from server.care import texts
from server.jobs import JobContext
from server.messages import notifications
from server.models import Member, Purchase, Survey, SurveyKind, SurveyStatus, Ticket, TicketStatus
from server.points import ledger
from server.points.program import get_program

SURVEY_LIFE = timedelta(days=14)
ANY_SURVEY_GAP = timedelta(days=30)
NPS_GAP = timedelta(days=90)
NPS_AFTER_FIRST_PURCHASE = timedelta(days=30)
BATCH = 200

PURCHASE, TICKET, NPS = 0, 1, 2  # priority: lower wins


@dataclass(order=True)
class Candidate:
    """A survey that could go to a member now; sorts best first."""

    priority: int
    newest_first: float  # minus the due moment's timestamp: later due sorts first
    member_id: int = field(compare=False)
    kind: SurveyKind = field(compare=False)
    trigger: str = field(compare=False)
    due: datetime = field(compare=False)
    purchase_id: int | None = field(default=None, compare=False)
    ticket_id: int | None = field(default=None, compare=False)
    about: dict[str, Any] = field(default_factory=dict, compare=False)
    occurred_at: datetime | None = field(default=None, compare=False)


def _candidate(priority: int, member_id: int, kind: SurveyKind, trigger: str, due: datetime, **extra: Any) -> Candidate:
    return Candidate(priority, -due.timestamp(), member_id, kind, trigger, due, **extra)


async def _purchase_followups(at: datetime, delay: timedelta) -> list[Candidate]:
    rows = await Purchase.filter(occurred_at__lte=at - delay, occurred_at__gt=at - delay - SURVEY_LIFE).values(
        "id", "member_id", "order_id", "occurred_at", "amount", "refunded_amount"
    )
    return [
        _candidate(
            PURCHASE, row["member_id"], SurveyKind.SATISFACTION, f"purchase:{row['id']}", row["occurred_at"] + delay,
            purchase_id=row["id"], about={"order": row["order_id"]}, occurred_at=row["occurred_at"],
        )
        for row in rows
        if row["refunded_amount"] < row["amount"]
    ]


async def _ticket_followups(at: datetime) -> list[Candidate]:
    rows = await Ticket.filter(
        status=TicketStatus.RESOLVED, closed_at__lte=at, closed_at__gt=at - SURVEY_LIFE
    ).values("id", "member_id", "subject", "closed_at")
    return [
        _candidate(
            TICKET, row["member_id"], SurveyKind.SATISFACTION, f"ticket:{row['id']}", row["closed_at"],
            ticket_id=row["id"], about={"subject": row["subject"]},
        )
        for row in rows
    ]


async def _nps_due(at: datetime, recently_surveyed: set[int]) -> list[Candidate]:
    firsts = (
        await Purchase.annotate(first=Min("occurred_at"))
        .group_by("member_id")
        .filter(first__lte=at - NPS_AFTER_FIRST_PURCHASE)
        .values_list("member_id", flat=True)
    )
    asked = set(await Survey.filter(kind=SurveyKind.NPS, sent_at__gt=at - NPS_GAP).values_list("member_id", flat=True))
    trigger = f"nps:{at.date().isoformat()}"
    return [
        _candidate(NPS, member_id, SurveyKind.NPS, trigger, at)
        for member_id in set(firsts) - asked - recently_surveyed
    ]


async def _choose(at: datetime) -> list[Candidate]:
    """At most one survey per member: the best candidate the 30-day rule leaves."""
    delay = timedelta(days=get_program().survey_delay_days)
    last_sent: dict[int, datetime] = {}
    for member_id, sent_at in await Survey.filter(sent_at__gt=at - ANY_SURVEY_GAP - SURVEY_LIFE).values_list(
        "member_id", "sent_at"
    ):
        last_sent[member_id] = max(sent_at, last_sent.get(member_id, sent_at))
    recent = {member_id for member_id, sent_at in last_sent.items() if sent_at > at - ANY_SURVEY_GAP}
    upcoming = await _upcoming_followups(at, delay)
    by_member: dict[int, list[Candidate]] = defaultdict(list)
    candidates = [
        *await _purchase_followups(at, delay),
        *await _ticket_followups(at),
        *await _nps_due(at, recent),
    ]
    for candidate in candidates:
        sent = last_sent.get(candidate.member_id)
        if sent is not None and sent > candidate.due - ANY_SURVEY_GAP:
            continue  # a survey went out within 30 days before it fell due, or since
        if candidate.priority != PURCHASE and candidate.member_id in upcoming:
            continue  # the purchase follow-up to come keeps its place
        by_member[candidate.member_id].append(candidate)
    return [min(options) for _, options in sorted(by_member.items())]


async def _upcoming_followups(at: datetime, delay: timedelta) -> set[int]:
    """Members with a purchase whose follow-up is still to come (bought within the delay, not refunded in full)."""
    rows = await Purchase.filter(occurred_at__gt=at - delay, occurred_at__lte=at).values(
        "member_id", "amount", "refunded_amount"
    )
    return {row["member_id"] for row in rows if row["refunded_amount"] < row["amount"]}


def _local_day(moment: datetime, timezone: str) -> str:
    try:
        zone = ZoneInfo(timezone)
    except (KeyError, ValueError):
        zone = ZoneInfo("UTC")
    return moment.astimezone(zone).date().isoformat()


async def _send(candidate: Candidate, at: datetime) -> Survey | None:
    """Send one survey under the member's lock, re-checking the rules against what is stored now."""
    async with in_transaction():
        member: Member = await ledger.lock_member(candidate.member_id)
        if await Survey.exists(member_id=member.id, trigger=candidate.trigger):
            return None
        if await Survey.exists(member_id=member.id, sent_at__gt=min(candidate.due, at) - ANY_SURVEY_GAP):
            return None
        if candidate.kind is SurveyKind.NPS and await Survey.exists(
            member_id=member.id, kind=SurveyKind.NPS, sent_at__gt=at - NPS_GAP
        ):
            return None
        about = dict(candidate.about)
        if candidate.occurred_at is not None:
            about["day"] = _local_day(candidate.occurred_at, member.timezone)
        survey = await Survey.create(
            member_id=member.id,
            kind=candidate.kind,
            trigger=candidate.trigger,
            purchase_id=candidate.purchase_id,
            about_ticket_id=candidate.ticket_id,
            about=about,
            sent_at=at,
            expires_at=at + SURVEY_LIFE,
        )
        await notifications.notify(
            member.id,
            "SURVEY_SENT",
            texts.notification_params(survey.id, survey.kind, about),
            dedupe_key=f"survey:{survey.id}",
        )
        return survey


async def send_due(at: datetime, ctx: JobContext | None = None) -> int:
    """Send every survey due by ``at`` under the rules above; returns how many went out."""
    chosen = await _choose(at)
    sent = 0
    for done, candidate in enumerate(chosen):
        if ctx is not None and done % BATCH == 0:
            ctx.progress(done, len(chosen))
            await ctx.checkpoint()
        sent += await _send(candidate, at) is not None
    return sent


async def send_due_to(member_id: int, at: datetime) -> Survey | None:
    """Send the one survey due to this member now, if any (the demo uses it; the job sends to everyone)."""
    chosen = [candidate for candidate in await _choose(at) if candidate.member_id == member_id]
    return await _send(chosen[0], at) if chosen else None


async def expire_due(at: datetime) -> int:
    """Mark surveys unanswered 14 days after sending EXPIRED (answers are refused from then on anyway)."""
    return await Survey.filter(status=SurveyStatus.SENT, answered_at__isnull=True, expires_at__lte=at).update(
        status=SurveyStatus.EXPIRED
    )

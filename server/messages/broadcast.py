"""Notifying many members at once: the nightly jobs' :func:`notify` for a whole batch.

The same rules as :func:`server.messages.notifications.notify` (one notification per member and
``dedupe_key``, the e-mail queued by the kind's category, marketing held to the member's waking
hours and weekly cap), in a fixed number of statements per batch instead of several per member.
Call inside the transaction of the change the notices report, like ``notify``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from server.core import clock
from server.messages import emails
from server.messages.notifications import category
from server.models import Member, Notification, OutboxMessage, OutboxStatus
from server.points.program import get_program


@dataclass(frozen=True)
class Notice:
    member_id: int
    params: dict[str, Any]
    dedupe_key: str


async def notify_many(
    kind: str, notices: Sequence[Notice], *, at: datetime | None = None, email: bool = True
) -> list[Notice]:
    """Record ``kind`` for each notice whose (member, dedupe_key) is new; returns those notices.

    ``email=False`` when the caller sends one digest per member itself (:func:`email_many`).
    """
    if not notices:
        return []
    at = at or clock.now()
    member_ids = sorted({n.member_id for n in notices})
    keys = sorted({n.dedupe_key for n in notices})
    seen = set(
        await Notification.filter(member_id__in=member_ids, dedupe_key__in=keys).values_list("member_id", "dedupe_key")
    )
    fresh, taken = [], set()
    for notice in notices:
        pair = (notice.member_id, notice.dedupe_key)
        if pair in seen or pair in taken:
            continue
        taken.add(pair)
        fresh.append(notice)
    if not fresh:
        return []
    await Notification.bulk_create(
        [
            Notification(member_id=n.member_id, kind=kind, params=n.params, dedupe_key=n.dedupe_key, created_at=at)
            for n in fresh
        ],
        ignore_conflicts=True,
    )
    if email:
        await email_many(kind, fresh, at)
    return fresh


async def email_many(kind: str, notices: Sequence[Notice], at: datetime | None = None) -> None:
    """The e-mails for ``notices`` as :func:`server.messages.notifications.email_notice` would queue them.

    Queued as of the clock (not a job's ``at``), like :func:`server.messages.emails.queue`.
    """
    at = clock.now()
    kind_category = category(kind)
    if kind_category not in emails.E_MAIL_CATEGORIES:
        return
    members = {
        m.id: m
        for m in await Member.filter(id__in=[n.member_id for n in notices]).only(
            "id", "timezone", "service_emails", "marketing_emails", "email_undeliverable_at"
        )
    }
    sent_this_week: dict[int, int] = {}
    if kind_category == emails.MARKETING:
        rows = await OutboxMessage.filter(
            member_id__in=list(members),
            channel=emails.CHANNEL,
            status__in=[OutboxStatus.PENDING, OutboxStatus.SENT],
            next_attempt_at__gt=at - emails.WEEK,
        ).values_list("member_id", "payload")
        for member_id, payload in rows:
            if isinstance(payload, dict) and payload.get("category") == emails.MARKETING:
                sent_this_week[member_id] = sent_this_week.get(member_id, 0) + 1
    cap = get_program().marketing_emails_per_week
    rows = []
    for notice in notices:
        member = members.get(notice.member_id)
        if member is None or not emails.wanted(member, kind_category):
            continue
        send_at = at
        if kind_category == emails.MARKETING:
            if sent_this_week.get(member.id, 0) >= cap:
                continue  # the inbox still has it
            send_at = max(at, emails.next_send_time(member.timezone, at))
        payload = {
            "template": "notification",
            "category": kind_category,
            "params": {"kind": kind, "params": notice.params},
            "to": None,
        }
        rows.append(
            OutboxMessage(
                channel=emails.CHANNEL,
                dedupe_key=f"{kind}:{member.id}:{notice.dedupe_key}"[:191],
                member_id=member.id,
                payload=payload,
                next_attempt_at=send_at,
                created_at=at,
            )
        )
    if rows:
        await OutboxMessage.bulk_create(rows, ignore_conflicts=True)

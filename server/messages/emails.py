"""Which e-mails a member gets, and when: the one place an e-mail is queued.

Every e-mail is an outbox row on the ``email`` channel, written in the transaction of the change
it reports (see :mod:`server.messages.outbox`). It is *rendered when sent* (see
:mod:`server.messages.compose`), in the member's language of that moment, so the row keeps only
the template, its parameters and the category that decides who may receive it:

* ``account`` — password reset, address confirmation, "your password was changed": always sent,
  even to an address that bounced before (it may work again), to the address named in the row.
* ``service`` — tier changes and reviews, points about to expire, ticket answers, survey
  invitations: sent unless the member turned service e-mail off.
* ``marketing`` — greetings, member days, campaigns, win-back offers: only with consent, only
  between 09:00 and 21:00 in the member's time zone (held, not dropped), and at most
  ``Program.marketing_emails_per_week`` in any 7 days (more are not queued: the inbox still has them).

The rules are checked when queueing and again when sending, so a member who opts out, or whose
address bounces meanwhile, gets nothing more.
"""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from server.core import clock
from server.messages import outbox
from server.models import Member, OutboxMessage, OutboxStatus
from server.points.program import get_program

log = logging.getLogger("patron.mail")

CHANNEL = "email"
ACCOUNT, SERVICE, MARKETING = "account", "service", "marketing"
E_MAIL_CATEGORIES = (ACCOUNT, SERVICE, MARKETING)
SEND_FROM, SEND_UNTIL = time(9), time(21)  # marketing goes out within these local hours
WEEK = timedelta(days=7)


def wanted(member: Member, category: str) -> bool:
    """Whether ``member`` receives e-mail of ``category`` now (``inbox`` kinds are never e-mailed)."""
    if category == ACCOUNT:
        return True
    if category not in E_MAIL_CATEGORIES or member.email_undeliverable_at is not None:
        return False
    return member.service_emails if category == SERVICE else member.marketing_emails


def next_send_time(timezone: str, at: datetime) -> datetime:
    """``at`` if it falls between 09:00 and 21:00 in ``timezone``, else the next 09:00 there (in UTC)."""
    try:
        zone = ZoneInfo(timezone)
    except (KeyError, ValueError):
        zone = ZoneInfo("UTC")
    local = at.astimezone(zone)
    if SEND_FROM <= local.time() < SEND_UNTIL:
        return at
    day = local.date() if local.time() < SEND_FROM else local.date() + timedelta(days=1)
    return datetime.combine(day, SEND_FROM, tzinfo=zone).astimezone(at.tzinfo)


async def _marketing_in_week(member_id: int, slot: datetime) -> int:
    """Marketing e-mails to the member sent in the 7 days before ``slot``, or still waiting to go."""
    rows = await OutboxMessage.filter(
        member_id=member_id,
        channel=CHANNEL,
        status__in=[OutboxStatus.PENDING, OutboxStatus.SENT],
        next_attempt_at__gt=slot - WEEK,
    ).values_list("payload", flat=True)
    return sum(1 for payload in rows if isinstance(payload, dict) and payload.get("category") == MARKETING)


async def queue(
    member: Member,
    template: str,
    params: dict[str, Any],
    *,
    category: str,
    dedupe_key: str,
    to: str | None = None,
) -> OutboxMessage | None:
    """Queue e-mail ``template`` to ``member`` (or to the address ``to``); call inside the change's transaction.

    ``dedupe_key`` names the member, kind and subject matter (``reset:<link id>``,
    ``TIER_UPGRADE:<member>:<notification>``): a retried request or a job catching up queues it
    once. Returns None when the member does not receive this category or it was queued before.
    """
    if category not in E_MAIL_CATEGORIES:
        raise ValueError(f"unknown e-mail category {category!r}")
    if not wanted(member, category):
        return None
    not_before = None
    if category == MARKETING:
        not_before = next_send_time(member.timezone, clock.now())
        cap = get_program().marketing_emails_per_week
        if await _marketing_in_week(member.id, not_before) >= cap:
            log.info("marketing e-mail %s to member=%s skipped: %s this week already", dedupe_key, member.id, cap)
            return None
    payload = {"template": template, "category": category, "params": params, "to": to}
    return await outbox.enqueue(CHANNEL, payload, dedupe_key=dedupe_key, member_id=member.id, not_before=not_before)


async def cancel_unwanted(member_id: int) -> int:
    """Cancel the member's waiting e-mails they no longer receive (all but account e-mail after a bounce)."""
    member = await Member.get_or_none(id=member_id)
    rows = await OutboxMessage.filter(member_id=member_id, channel=CHANNEL, status=OutboxStatus.PENDING).values(
        "id", "payload"
    )
    doomed = [
        row["id"]
        for row in rows
        if member is None or not wanted(member, (row["payload"] or {}).get("category", ACCOUNT))
    ]
    if not doomed:
        return 0
    return await OutboxMessage.filter(id__in=doomed, status=OutboxStatus.PENDING).update(status=OutboxStatus.CANCELLED)

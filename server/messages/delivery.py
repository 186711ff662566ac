"""The ``email`` channel of the outbox: who gets a row, when to retry, and what a bounce means.

Retries follow the issue's rule: the first retry of a refused connection or a 4xx comes after
30 seconds, later ones back off (5 min, 15 min, 30 min, 1 h, 2 h, then every 4 h) for about a
day after the first attempt, then the row is given up (FAILED, visible in the outbox). A 5xx for
the member's address marks it undeliverable: their waiting service and marketing e-mail is
cancelled and no more is queued until the address changes or an account e-mail gets through.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from server.core import clock
from server.messages import compose, emails, transport
from server.messages.emails import ACCOUNT, CHANNEL, MARKETING
from server.messages.outbox import Channel, Outcome
from server.models import Member, OutboxMessage

log = logging.getLogger("patron.mail")

RETRY_AFTER = (
    timedelta(seconds=30),
    timedelta(minutes=5),
    timedelta(minutes=15),
    timedelta(minutes=30),
    timedelta(hours=1),
    timedelta(hours=2),
    *[timedelta(hours=4)] * 5,
)  # about 24 hours in all


def backoff(attempts: int) -> timedelta | None:
    """The wait after the ``attempts``-th failed attempt; None once a day of retries is spent."""
    return RETRY_AFTER[attempts - 1] if attempts <= len(RETRY_AFTER) else None


def _recipient(row: OutboxMessage, member: Member) -> str:
    """Account e-mail goes to the address it was written for; the rest to the member's current address."""
    return row.payload.get("to") or member.email


async def deliver(row: OutboxMessage) -> Outcome:
    category = row.payload.get("category", ACCOUNT)
    member = await Member.get_or_none(id=row.member_id) if row.member_id is not None else None
    if member is None or member.erased_at is not None:  # an erased account: not even its account e-mail goes out
        return Outcome.cancel("the member's account no longer exists")
    to = _recipient(row, member)
    if category != ACCOUNT:
        if not emails.wanted(member, category):
            return Outcome.cancel(f"the member no longer receives {category} e-mail")
        if category == MARKETING:
            now = clock.now()
            slot = emails.next_send_time(member.timezone, now)
            if slot > now:  # held overnight in the member's time zone, not dropped
                return Outcome.defer(slot - now, "outside 09:00-21:00 for the member")
    message = compose.build(row, member, to, member.locale)
    outcome = await transport.send(message, compose.sender_address(), to, f"{row.id}-{row.payload['template']}")
    if outcome.kind == "sent" and member.email_undeliverable_at and to == member.email:
        await Member.filter(id=member.id).update(email_undeliverable_at=None)  # the address works again
    return outcome


async def after_failure(row: OutboxMessage, outcome: Outcome) -> None:
    """A permanent refusal of the member's own address stops all but account e-mail to it."""
    if outcome.kind == "give_up" or backoff(row.attempts) is None:
        log.warning("e-mail %s failed for good after %s attempt(s): %s", row.id, row.attempts, outcome.error)
    permanent = outcome.kind == "give_up" and outcome.status is not None and 500 <= outcome.status < 600
    if not permanent or row.member_id is None:
        return
    member = await Member.get_or_none(id=row.member_id)
    if member is None or _recipient(row, member) != member.email:
        return  # e.g. a confirmation to a new address the member typed wrong: their own address is fine
    await Member.filter(id=member.id, email=member.email).update(email_undeliverable_at=clock.now())
    cancelled = await emails.cancel_unwanted(member.id)
    log.warning("member=%s address refused (%s): marked undeliverable, %s e-mail(s) cancelled",
                member.id, outcome.status, cancelled)


CHANNEL_SPEC = Channel(CHANNEL, deliver, backoff, after_failure)

"""The one outbox: every message to the outside world (e-mail, partner webhooks) goes through here.

Writing: :func:`enqueue` is called *inside* the transaction of the change the message is about,
so the two commit together — nothing is sent for a rolled-back change, nothing committed is
lost. A ``dedupe_key`` (unique per channel) makes enqueueing idempotent, so job catch-up and
retried requests cannot queue one message twice.

Sending: :func:`deliver_due` claims due rows with a conditional UPDATE (so several workers and a
cron ``patron jobs run`` never send one row at the same time), delivers each outside any
transaction, and records the outcome. Channels differ only in how a row is delivered and how
long to wait before retrying: each registers a :class:`Channel`. Delivery is at least once: a
crash between sending and recording sends again, and the message id lets receivers drop the copy.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from tortoise.expressions import F, Q
from tortoise.functions import Count

from server.core import clock
from server.models import OutboxMessage, OutboxStatus

log = logging.getLogger("patron.outbox")

CLAIM_FOR = timedelta(minutes=2)  # a claimed row another sender may take over after this
BATCH = 50
PARALLEL = 8  # deliveries in flight per pass (webhooks may each take up to their timeout)


@dataclass(frozen=True)
class Outcome:
    """What one delivery attempt came to. Build with :meth:`sent`, :meth:`retry`, :meth:`give_up`,
    :meth:`cancel` or :meth:`defer`."""

    kind: str  # sent | retry | give_up | cancel | defer
    status: int | None = None
    error: str = ""
    retry_after: timedelta | None = None

    @classmethod
    def sent(cls, status: int | None = None) -> Outcome:
        return cls("sent", status)

    @classmethod
    def retry(cls, error: str, status: int | None = None, after: timedelta | None = None) -> Outcome:
        """A temporary failure: try again after the channel's back-off (or ``after``)."""
        return cls("retry", status, error, after)

    @classmethod
    def give_up(cls, error: str, status: int | None = None) -> Outcome:
        """A permanent failure: never try this row again."""
        return cls("give_up", status, error)

    @classmethod
    def cancel(cls, reason: str) -> Outcome:
        """Not wanted any more (the member opted out meanwhile, the account is gone): CANCELLED, no attempt counted."""
        return cls("cancel", None, reason)

    @classmethod
    def defer(cls, until: timedelta, reason: str = "") -> Outcome:
        """Not yet (outside the hours it may go out): look again after ``until``; no attempt counted."""
        return cls("defer", None, reason, until)


@dataclass(frozen=True)
class Channel:
    """How one channel delivers.

    ``deliver`` sends one message and returns an :class:`Outcome` (it should not raise; an
    exception counts as a temporary failure). ``backoff(attempts)`` is the wait after the
    ``attempts``-th failed attempt, or None to give up. ``after_failure`` hears of every failed
    attempt (to disable a dead endpoint, mark an address undeliverable, notify staff).
    """

    name: str
    deliver: Callable[[OutboxMessage], Awaitable[Outcome]]
    backoff: Callable[[int], timedelta | None]
    after_failure: Callable[[OutboxMessage, Outcome], Awaitable[None]] | None = None


_CHANNELS: dict[str, Channel] = {}


def register_channel(channel: Channel) -> None:
    _CHANNELS[channel.name] = channel


def channels() -> dict[str, Channel]:
    return dict(_CHANNELS)


async def enqueue(
    channel: str,
    payload: dict[str, Any],
    *,
    dedupe_key: str | None = None,
    member_id: int | None = None,
    not_before: datetime | None = None,
) -> OutboxMessage | None:
    """Queue a message; call inside the transaction of the change it describes.

    Returns None when a message with ``dedupe_key`` was queued before on this channel. The
    insert ignores a conflicting concurrent insert (ON CONFLICT DO NOTHING) rather than
    failing, so a race never aborts the caller's transaction.
    """
    if dedupe_key is not None:
        dedupe_key = dedupe_key[:191]
        if await OutboxMessage.exists(channel=channel, dedupe_key=dedupe_key):
            return None
    now = clock.now()
    row = OutboxMessage(
        channel=channel,
        dedupe_key=dedupe_key,
        member_id=member_id,
        payload=payload,
        next_attempt_at=max(not_before, now) if not_before else now,
        created_at=now,
    )
    if dedupe_key is None:
        await row.save()
        return row
    await OutboxMessage.bulk_create([row], ignore_conflicts=True)
    return await OutboxMessage.get_or_none(channel=channel, dedupe_key=dedupe_key)


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    cancelled: int = 0
    held: int = 0
    by_channel: dict[str, int] = field(default_factory=dict)

    def add(self, other: DeliveryReport) -> None:
        self.sent += other.sent
        self.retried += other.retried
        self.failed += other.failed
        self.cancelled += other.cancelled
        self.held += other.held
        for name, count in other.by_channel.items():
            self.by_channel[name] = self.by_channel.get(name, 0) + count

    def __str__(self) -> str:
        text = f"sent {self.sent}, to retry {self.retried}, failed {self.failed}"
        if self.cancelled or self.held:
            text += f", cancelled {self.cancelled}, held {self.held}"
        return text


def _due(at: datetime, channel: str | None):  # type: ignore[no-untyped-def]
    query = OutboxMessage.filter(status=OutboxStatus.PENDING, next_attempt_at__lte=at).filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=at)
    )
    return query.filter(channel=channel) if channel is not None else query.filter(channel__in=list(_CHANNELS))


async def _claim(channel: str | None, at: datetime, limit: int) -> list[OutboxMessage]:
    """Claim up to ``limit`` due rows for this sender; rows another sender claimed are skipped."""
    ids = await _due(at, channel).order_by("next_attempt_at", "id").limit(limit).values_list("id", flat=True)
    if not ids:
        return []
    token = secrets.token_hex(8)
    # The WHERE is re-checked per row when the UPDATE runs: on PostgreSQL a row another sender
    # claimed meanwhile no longer matches, on SQLite writers are serialised. Each row has one owner.
    await _due(at, channel).filter(id__in=list(ids)).update(claimed_until=at + CLAIM_FOR, claim_token=token)
    return await OutboxMessage.filter(claim_token=token).order_by("next_attempt_at", "id")


async def _attempt(message: OutboxMessage, report: DeliveryReport) -> None:
    channel = _CHANNELS.get(message.channel)
    if channel is None:  # its channel is not loaded in this process: leave it for one that has it
        await OutboxMessage.filter(id=message.id, claim_token=message.claim_token).update(claimed_until=None)
        return
    try:
        outcome = await channel.deliver(message)
    except Exception as exc:  # a channel bug or an unexpected network error: retry later
        log.exception("outbox %s message %s failed to deliver", message.channel, message.id)
        outcome = Outcome.retry(f"{type(exc).__name__}: {exc}")
    now = clock.now()
    mine = OutboxMessage.filter(id=message.id, claim_token=message.claim_token)
    if outcome.kind in ("cancel", "defer"):
        released = {"claimed_until": None, "claim_token": None}
        if outcome.kind == "cancel":
            await mine.update(status=OutboxStatus.CANCELLED, last_error=outcome.error[:500], **released)
            report.cancelled += 1
        else:
            await mine.update(next_attempt_at=now + (outcome.retry_after or timedelta(0)), **released)
            report.held += 1
        return
    attempts = message.attempts + 1
    common = {"attempts": F("attempts") + 1, "claimed_until": None, "claim_token": None, "last_status": outcome.status}
    if outcome.kind == "sent":
        await mine.update(status=OutboxStatus.SENT, sent_at=now, last_error="", **common)
        report.sent += 1
        report.by_channel[message.channel] = report.by_channel.get(message.channel, 0) + 1
        return
    wait = outcome.retry_after or (channel.backoff(attempts) if outcome.kind == "retry" else None)
    error = outcome.error[:500]
    if wait is None:
        await mine.update(status=OutboxStatus.FAILED, last_error=error, **common)
        report.failed += 1
    else:
        await mine.update(next_attempt_at=now + wait, last_error=error, **common)
        report.retried += 1
    message.attempts = attempts
    if channel.after_failure is not None:
        try:
            await channel.after_failure(message, outcome)
        except Exception:
            log.exception("outbox %s after-failure hook failed for message %s", message.channel, message.id)


async def deliver_due(
    channel: str | None = None,
    *,
    at: datetime | None = None,
    limit: int | None = None,
    stop: asyncio.Event | None = None,
) -> DeliveryReport:
    """Deliver every message due by ``at`` (default now) on ``channel`` (default: every registered one).

    Works in batches until nothing is due, so ``patron jobs run`` empties the backlog; ``limit``
    caps the rows handled (the server's sender loop keeps passes short). Once ``stop`` is set
    (shutdown) it ends after the batch in hand: claimed rows are never abandoned mid-send.
    """
    report = DeliveryReport()
    gate = asyncio.Semaphore(PARALLEL)
    handled = 0

    async def one(message: OutboxMessage) -> None:
        async with gate:
            await _attempt(message, report)

    while (limit is None or handled < limit) and not (stop is not None and stop.is_set()):
        batch = await _claim(channel, at or clock.now(), BATCH if limit is None else min(BATCH, limit - handled))
        if not batch:
            break
        await asyncio.gather(*(one(message) for message in batch))
        handled += len(batch)
    return report


async def backlog() -> dict[str, int]:
    """Pending messages per channel (for /metrics and the console)."""
    rows = (
        await OutboxMessage.filter(status=OutboxStatus.PENDING)
        .group_by("channel")
        .annotate(n=Count("id"))
        .values("channel", "n")
    )
    return {row["channel"]: row["n"] for row in rows}


async def cancel_for_member(member_id: int, channel: str | None = None) -> int:
    """Cancel a member's pending messages (an erased account, an undeliverable address)."""
    query = OutboxMessage.filter(member_id=member_id, status=OutboxStatus.PENDING)
    if channel is not None:
        query = query.filter(channel=channel)
    return await query.update(status=OutboxStatus.CANCELLED)


_wakeup: asyncio.Event | None = None


def wake() -> None:
    """Ask this process's sender loop to look now (call after the enqueuing transaction commits)."""
    if _wakeup is not None:
        _wakeup.set()


async def send_forever(stop: asyncio.Event, interval: float = 2.0) -> None:
    """The sender loop inside ``patron serve``: deliver due messages every ``interval`` seconds or on :func:`wake`.

    Polling keeps it simple and correct across workers (a message queued by another worker is
    seen within ``interval``); ``wake`` makes a message queued by this worker go at once.
    """
    global _wakeup
    _wakeup = asyncio.Event()
    while not stop.is_set():
        try:
            if _CHANNELS:
                await deliver_due(limit=BATCH * 4, stop=stop)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("outbox pass failed; retrying in %s s", interval)
        _wakeup.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(_first(stop, _wakeup), interval)


async def _first(*events: asyncio.Event) -> None:
    waiters = [asyncio.ensure_future(event.wait()) for event in events]
    try:
        await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()

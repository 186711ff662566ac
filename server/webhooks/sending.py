"""The ``webhook`` channel of the outbox: sign, POST, judge the answer, back off, disable a dead endpoint.

A delivery POSTs ``{"eventId", "type", "time", "payload"}`` as JSON with ``X-Patron-Timestamp``
(Unix seconds) and ``X-Patron-Signature``: the hex HMAC-SHA256 of ``"{timestamp}.{body}"`` keyed
with the endpoint's secret. A 2xx is delivered; a network error, a timeout (10 s), 408, 429 or a
5xx is retried with exponential back-off and jitter (1, 3, 9, 27, 81, 243 minutes, then every 6
hours: 10 attempts over about a day); any other answer stops. The event id is the same on every
attempt, so receivers drop copies.

An endpoint whose attempts have all failed for 12 hours and at least 10 times in a row is
disabled: its waiting deliveries are cancelled and staff are notified. The partner re-enables it
by subscribing the URL again, and recovers what it missed with ``patron webhooks replay``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import random
from datetime import timedelta

import httpx
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from server.core import clock
from server.messages import notifications
from server.messages.outbox import Channel, Outcome
from server.models import Member, OutboxMessage, Partner, WebhookEndpoint, WebhookEvent
from server.webhooks.endpoints import SCOPE, cancel_waiting
from server.webhooks.subscribers import CHANNEL

log = logging.getLogger("patron.webhooks")

TIMEOUT = 10.0  # seconds for the whole request
FIRST_RETRY = timedelta(minutes=1)
LONGEST_WAIT = timedelta(hours=6)
ATTEMPTS = 10  # 1 + 9 retries: 1+3+9+27+81+243 minutes + 3 × 6 hours ≈ 24 hours
JITTER = 0.2  # each wait is stretched or shrunk by up to 20%, so a recovering receiver is not hit all at once
DISABLE_AFTER_FAILURES = 10
DISABLE_AFTER = timedelta(hours=12)
RETRYABLE = frozenset({408, 429})
USER_AGENT = "Patron-Webhooks/1"


def backoff(attempts: int) -> timedelta | None:
    """The wait after the ``attempts``-th failed attempt; None after the last one."""
    if attempts >= ATTEMPTS:
        return None
    wait = min(FIRST_RETRY * 3 ** (attempts - 1), LONGEST_WAIT)
    return wait * random.uniform(1 - JITTER, 1 + JITTER)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The ``X-Patron-Signature`` header: hex HMAC-SHA256 of ``{timestamp}.{body}``."""
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


async def body_for(event: WebhookEvent, partner: Partner) -> bytes:
    """The JSON a partner receives; the member's e-mail only for a partner with ``members:read``."""
    payload = dict(event.payload)
    if "members:read" in partner.scopes and event.member_id is not None:
        email = await Member.filter(id=event.member_id).values_list("email", flat=True)
        if email:
            payload["email"] = email[0]
    document = {
        "eventId": event.event_id,
        "type": event.type.value,
        "time": event.occurred_at.isoformat(),
        "payload": payload,
    }
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()


async def post(url: str, secret: str, event: WebhookEvent, body: bytes) -> Outcome:
    timestamp = int(clock.now().timestamp())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Patron-Event": event.type.value,
        "X-Patron-Event-Id": event.event_id,
        "X-Patron-Timestamp": str(timestamp),
        "X-Patron-Signature": sign(secret, timestamp, body),
    }
    try:
        async with httpx.AsyncClient(timeout=TIMEOUT, follow_redirects=False) as client:
            response = await client.post(url, content=body, headers=headers)
    except httpx.HTTPError as exc:  # refused, reset, DNS, TLS, timeout: the receiver may come back
        return Outcome.retry(f"{type(exc).__name__}: {exc}"[:500])
    status = response.status_code
    if 200 <= status < 300:
        return Outcome.sent(status)
    if status in RETRYABLE or status >= 500:
        return Outcome.retry(f"HTTP {status}", status)
    return Outcome.give_up(f"HTTP {status}", status)


async def deliver(message: OutboxMessage) -> Outcome:
    endpoint = await WebhookEndpoint.get_or_none(id=message.payload["endpoint"])
    if endpoint is None or endpoint.deleted_at is not None:
        return Outcome.cancel("the endpoint was deleted")
    if not endpoint.active:
        return Outcome.cancel("the endpoint is disabled")
    partner = await Partner.get(id=endpoint.partner_id)
    if partner.revoked_at is not None or SCOPE not in partner.scopes:
        return Outcome.cancel("the partner's key is revoked or lacks webhooks:manage")
    event = await WebhookEvent.get_or_none(id=message.payload["event"])
    if event is None:
        return Outcome.cancel("the event no longer exists")
    outcome = await post(endpoint.url, endpoint.secret, event, await body_for(event, partner))
    if outcome.kind == "sent" and endpoint.failure_count:
        await WebhookEndpoint.filter(id=endpoint.id).update(failure_count=0, failing_since=None)
    return outcome


async def after_failure(message: OutboxMessage, outcome: Outcome) -> None:
    """Count the failure against the endpoint; disable it once it has failed long enough."""
    endpoint_id = message.payload["endpoint"]
    now = clock.now()
    await WebhookEndpoint.filter(id=endpoint_id).update(failure_count=F("failure_count") + 1)
    await WebhookEndpoint.filter(id=endpoint_id, failing_since=None).update(failing_since=now)
    endpoint = await WebhookEndpoint.get_or_none(id=endpoint_id)
    if endpoint is None or not endpoint.active or endpoint.failing_since is None:
        return
    if endpoint.failure_count < DISABLE_AFTER_FAILURES or now - endpoint.failing_since < DISABLE_AFTER:
        return
    since = f"{endpoint.failing_since:%Y-%m-%d %H:%M} UTC"
    await disable(endpoint, f"{endpoint.failure_count} failed attempts since {since}")


async def disable(endpoint: WebhookEndpoint, why: str) -> bool:
    """Disable the endpoint, cancel what waits for it and tell staff, once (a concurrent sender does nothing)."""
    now = clock.now()
    async with in_transaction():
        if not await WebhookEndpoint.filter(id=endpoint.id, active=True, deleted_at=None).update(
            active=False, disabled_at=now
        ):
            return False
        cancelled = await cancel_waiting(endpoint.id, "the endpoint was disabled")
        partner = await Partner.get(id=endpoint.partner_id)
        await notifications.notify_staff(
            "WEBHOOK_DISABLED",
            {"partner": partner.name, "url": endpoint.url, "why": why},
            dedupe_key=f"webhook-disabled:{endpoint.id}:{now.isoformat()}",
        )
    log.warning("webhook endpoint %s (%s) disabled: %s; %s delivery(ies) cancelled", endpoint.id,
                partner.name, why, cancelled)
    return True


CHANNEL_SPEC = Channel(CHANNEL, deliver, backoff, after_failure)

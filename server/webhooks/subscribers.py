"""Partner webhooks hear every domain event, inside the transaction of the change it describes.

For an event some endpoint subscribes to, one :class:`WebhookEvent` row is written, and for each
active subscribed endpoint one outbox row (channel ``webhook``) with its :class:`WebhookDelivery`
— all in the caller's transaction, so a rolled-back change leaves no event and a committed one
cannot be lost. An event nobody subscribes to costs one small read and writes nothing.

What a partner sees is an allow-list per event: the member's id, figures and ids of the objects
involved, never texts members wrote, voucher codes or anything secret. The member's e-mail is
added when sending, and only for partners holding ``members:read`` (see ``sending``).
"""

from __future__ import annotations

import json
import secrets
from datetime import datetime
from enum import Enum
from typing import Any

from server.core import clock
from server.core.prepared import Statement
from server.messages import events, outbox
from server.messages.events import global_id
from server.models import OutboxMessage, WebhookDelivery, WebhookEvent, WebhookEventType

CHANNEL = "webhook"

SUBSCRIBED = Statement("SELECT id, events, active FROM webhook_endpoint WHERE deleted_at IS NULL")

# Payload keys (as publishers name them) each event may carry to partners.
ALLOWED: dict[WebhookEventType, tuple[str, ...]] = {
    WebhookEventType.POINTS_EARNED: ("entry_id", "kind", "points", "balance", "reference"),
    WebhookEventType.POINTS_SPENT: ("entry_id", "kind", "points", "balance", "reference"),
    WebhookEventType.TIER_CHANGED: ("from_tier", "to_tier", "direction"),
    WebhookEventType.REDEMPTION_ISSUED: ("redemption_id", "benefit_id", "quantity", "points_spent"),
    WebhookEventType.REFERRAL_REWARDED: ("referral_id", "referee_id", "referrer_points", "referee_points"),
    WebhookEventType.REVIEW_PUBLISHED: ("review_id", "subject", "rating", "points"),
    WebhookEventType.TICKET_ANSWERED: ("ticket_id", "category", "status", "first_response"),
}
# Row ids are shown as the API's global ids of these types, so partners can match them.
GLOBAL_IDS = {
    "entry_id": "LedgerEntry",
    "redemption_id": "Redemption",
    "benefit_id": "Benefit",
    "referral_id": "Referral",
    "referee_id": "Member",
    "review_id": "Review",
    "ticket_id": "Ticket",
}


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


def partner_payload(kind: WebhookEventType, member_id: int | None, payload: dict[str, Any]) -> dict[str, Any]:
    """The allowed part of ``payload``, keys in the API's camelCase, with the member's global id."""
    shown: dict[str, Any] = {"memberId": global_id("Member", member_id) if member_id is not None else None}
    for key in ALLOWED[kind]:
        if key in payload:
            value = payload[key]
            if key in GLOBAL_IDS and isinstance(value, int):
                value = global_id(GLOBAL_IDS[key], value)
            shown[_camel(key)] = _plain(value)
    return shown


def _events(value: Any) -> list[str]:
    return json.loads(value) if isinstance(value, str | bytes) else list(value or [])


async def _subscribed(event: str) -> tuple[WebhookEventType | None, list[tuple[int, bool]]]:
    """The event's type and the (endpoint id, active) of every undeleted endpoint subscribed to it."""
    try:
        kind = WebhookEventType(event)
    except ValueError:
        return None, []  # an event partners cannot subscribe to
    return kind, [(row[0], bool(row[2])) for row in await SUBSCRIBED.all() if kind.value in _events(row[1])]


def _occurred(payload: dict[str, Any], now: datetime) -> datetime:
    at = payload.get("at")
    return at if isinstance(at, datetime) else now


async def record(event: str, member_id: int | None, payload: dict[str, Any]) -> None:
    """The subscriber: store the event and queue its deliveries, in the caller's transaction."""
    kind, endpoints = await _subscribed(event)
    if kind is None or not endpoints:
        return
    now = clock.now()
    occurred = _occurred(payload, now)
    # Stored while a disabled endpoint subscribes too, so a replay after re-enabling can send it.
    stored = await WebhookEvent.create(
        event_id=f"evt_{secrets.token_hex(16)}",
        type=kind,
        member_id=member_id,
        payload=partner_payload(kind, member_id, payload),
        occurred_at=occurred,
    )
    deliveries = []
    for endpoint_id, active in endpoints:
        if not active:
            continue
        message = await outbox.enqueue(CHANNEL, {"event": stored.id, "endpoint": endpoint_id}, member_id=member_id)
        assert message is not None  # no dedupe key: always queued
        deliveries.append(
            WebhookDelivery(endpoint_id=endpoint_id, event_id=stored.id, message_id=message.id, created_at=now)
        )
    if deliveries:
        await WebhookDelivery.bulk_create(deliveries)


BATCH = 200  # events per insert: with 20 endpoints, 4,000 outbox rows and as many bound parameters


async def record_many(event: str, items: list[tuple[int | None, dict[str, Any]]]) -> None:
    """The same for a batch (a nightly job's thousand members): a few statements per 200 events."""
    kind, endpoints = await _subscribed(event)
    if kind is None or not endpoints:
        return
    active = [endpoint_id for endpoint_id, is_active in endpoints if is_active]
    now = clock.now()
    for start in range(0, len(items), BATCH):
        rows = [
            WebhookEvent(
                event_id=f"evt_{secrets.token_hex(16)}",
                type=kind,
                member_id=member_id,
                payload=partner_payload(kind, member_id, payload),
                occurred_at=_occurred(payload, now),
            )
            for member_id, payload in items[start : start + BATCH]
        ]
        await WebhookEvent.bulk_create(rows)
        if not active:
            continue
        # bulk_create does not return ids on every database: read them back by their unique keys.
        stored = dict(await WebhookEvent.filter(event_id__in=[r.event_id for r in rows]).values_list("event_id", "id"))
        messages = [
            OutboxMessage(
                channel=CHANNEL,
                dedupe_key=f"{row.event_id}:{endpoint_id}",
                member_id=row.member_id,
                payload={"event": stored[row.event_id], "endpoint": endpoint_id},
                next_attempt_at=now,
                created_at=now,
            )
            for row in rows
            for endpoint_id in active
        ]
        await OutboxMessage.bulk_create(messages)
        queued = await OutboxMessage.filter(
            channel=CHANNEL, dedupe_key__in=[m.dedupe_key for m in messages]
        ).values_list("dedupe_key", "id")
        deliveries = []
        for key, message_id in queued:
            event_key, endpoint_id = key.rsplit(":", 1)
            deliveries.append(
                WebhookDelivery(
                    endpoint_id=int(endpoint_id), event_id=stored[event_key], message_id=message_id, created_at=now
                )
            )
        await WebhookDelivery.bulk_create(deliveries)


events.subscribe(record, record_many)

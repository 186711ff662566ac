"""Send an endpoint the events it subscribes to again, for recovery (``patron webhooks replay``)."""

from __future__ import annotations

from datetime import datetime

from tortoise.transactions import in_transaction

from server.core import clock
from server.core.errors import DomainError, ErrorCode, invalid
from server.messages import outbox
from server.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from server.webhooks.subscribers import CHANNEL

BATCH = 500


async def replay(endpoint_id: int, since: datetime, until: datetime | None = None) -> int:
    """Queue every stored event of the endpoint's types that occurred in [since, until] again.

    The events keep their ids (receivers de-duplicate on them) and are sent in the order they
    happened, including those the endpoint missed while disabled. Returns how many were queued.
    """
    endpoint = await WebhookEndpoint.get_or_none(id=endpoint_id, deleted_at=None)
    if endpoint is None:
        raise DomainError(ErrorCode.NOT_FOUND, f"No webhook endpoint {endpoint_id}.", "endpoint")
    if not endpoint.active:
        raise invalid("endpoint", "The endpoint is disabled: the partner re-enables it by subscribing its URL again.")
    query = WebhookEvent.filter(occurred_at__gte=since, type__in=list(endpoint.events))
    if until is not None:
        query = query.filter(occurred_at__lte=until)
    queued, after = 0, 0
    while True:
        batch = await query.filter(id__gt=after).order_by("id").limit(BATCH).values_list("id", "member_id")
        if not batch:
            return queued
        now = clock.now()
        async with in_transaction():
            deliveries = []
            for event_id, member_id in batch:
                payload = {"event": event_id, "endpoint": endpoint.id}
                message = await outbox.enqueue(CHANNEL, payload, member_id=member_id)
                assert message is not None
                deliveries.append(
                    WebhookDelivery(
                        endpoint_id=endpoint.id, event_id=event_id, message_id=message.id, replay=True, created_at=now
                    )
                )
            await WebhookDelivery.bulk_create(deliveries)
        queued += len(batch)
        after = batch[-1][0]

"""Domain events: what happened to a member, published inside the transaction that made it happen.

Services call :func:`publish` (``POINTS_EARNED``, ``TIER_CHANGED``, ``TICKET_ANSWERED``…) next to
their change; subscribers (partner webhooks) turn an event into outbox rows in that same
transaction, so an event exists exactly when its change committed. With no subscriber, publishing
costs nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

Subscriber = Callable[[str, int | None, dict[str, Any]], Awaitable[None]]
_SUBSCRIBERS: list[Subscriber] = []


def subscribe(subscriber: Subscriber) -> None:
    """``subscriber(event, member_id, payload)`` is awaited for every published event."""
    if subscriber not in _SUBSCRIBERS:
        _SUBSCRIBERS.append(subscriber)


async def publish(event: str, member_id: int | None, payload: dict[str, Any]) -> None:
    """Publish ``event`` (a WebhookEvent name) about ``member_id``; call inside the change's transaction."""
    for subscriber in _SUBSCRIBERS:
        await subscriber(event, member_id, payload)

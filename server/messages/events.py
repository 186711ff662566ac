"""Domain events: what happened to a member, published inside the transaction that made it happen.

Services call :func:`publish` (``POINTS_EARNED``, ``TIER_CHANGED``, ``TICKET_ANSWERED``…) next to
their change; subscribers (partner webhooks) turn an event into outbox rows in that same
transaction, so an event exists exactly when its change committed. With no subscriber, publishing
costs nothing.

Subscribers live in modules named ``server.<domain>.subscribers``, imported on the first publish,
so every process that changes data (the server, ``patron jobs run``, any other command) hears
the same subscribers without each entry point remembering to import them.
"""

from __future__ import annotations

import base64
import importlib
import pkgutil
from collections.abc import Awaitable, Callable
from typing import Any

Subscriber = Callable[[str, int | None, dict[str, Any]], Awaitable[None]]
BatchSubscriber = Callable[[str, list[tuple[int | None, dict[str, Any]]]], Awaitable[None]]
_SUBSCRIBERS: list[Subscriber] = []
_BATCH: dict[Subscriber, BatchSubscriber] = {}
_loaded = False


def global_id(type_name: str, row_id: int) -> str:
    """The id the GraphQL API gives an object (``Member:12`` in base64): event payloads name objects by it."""
    return base64.b64encode(f"{type_name}:{row_id}".encode()).decode()


def subscribe(subscriber: Subscriber, batch: BatchSubscriber | None = None) -> None:
    """``subscriber(event, member_id, payload)`` is awaited for every published event; ``batch(event,
    [(member_id, payload), …])``, if given, for :func:`publish_many` (else ``subscriber`` once per item)."""
    if subscriber not in _SUBSCRIBERS:
        _SUBSCRIBERS.append(subscriber)
    if batch is not None:
        _BATCH[subscriber] = batch


def load_subscribers() -> None:
    """Import every ``server.<domain>.subscribers`` module once (each subscribes on import)."""
    global _loaded
    if _loaded:
        return
    import server

    for module in pkgutil.iter_modules(server.__path__):
        if module.ispkg:
            try:
                importlib.import_module(f"server.{module.name}.subscribers")
            except ModuleNotFoundError as exc:
                if exc.name != f"server.{module.name}.subscribers":
                    raise
    _loaded = True


async def publish(event: str, member_id: int | None, payload: dict[str, Any]) -> None:
    """Publish ``event`` (a WebhookEvent name) about ``member_id``; call inside the change's transaction."""
    if not _loaded:
        load_subscribers()
    for subscriber in _SUBSCRIBERS:
        await subscriber(event, member_id, payload)


async def publish_many(event: str, items: list[tuple[int | None, dict[str, Any]]]) -> None:
    """Publish one ``event`` per (member_id, payload), for set-based paths (nightly batches); same transaction rule."""
    if not items:
        return
    if not _loaded:
        load_subscribers()
    for subscriber in _SUBSCRIBERS:
        batch = _BATCH.get(subscriber)
        if batch is not None:
            await batch(event, items)
        else:
            for member_id, payload in items:
                await subscriber(event, member_id, payload)

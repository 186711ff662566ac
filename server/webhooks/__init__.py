"""Partner webhooks: endpoints partners subscribe, events written with each change, signed deliveries.

Verbs: :func:`create_endpoint`, :func:`delete_endpoint`, :func:`endpoints_of`, :func:`deliveries`,
:func:`replay`, :func:`all_endpoints`. Events come from ``server.messages.events.publish`` (see
``subscribers``); the ``webhook`` outbox channel sends them (``sending``, registered by ``jobs``).
"""

from server.models import WebhookEndpoint
from server.webhooks.endpoints import SCOPE, create_endpoint, delete_endpoint, deliveries, endpoints_of, own_endpoint
from server.webhooks.replay import replay


async def all_endpoints() -> list[WebhookEndpoint]:
    """Every endpoint of every partner, deleted ones too (``patron webhooks list``)."""
    return await WebhookEndpoint.all().select_related("partner").order_by("id")


__all__ = [
    "SCOPE",
    "all_endpoints",
    "create_endpoint",
    "delete_endpoint",
    "deliveries",
    "endpoints_of",
    "own_endpoint",
    "replay",
]

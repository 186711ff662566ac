"""A partner's webhook endpoints: subscribe a URL, list, delete, and read the delivery log."""

from __future__ import annotations

from urllib.parse import urlsplit

from tortoise.expressions import Subquery
from tortoise.transactions import in_transaction

from server.accounts import tokens
from server.accounts.partners import require_scope
from server.core import clock
from server.core.config import get_settings
from server.core.errors import DomainError, ErrorCode, invalid
from server.core.validation import encodable
from server.models import OutboxMessage, OutboxStatus, Partner, WebhookDelivery, WebhookEndpoint, WebhookEventType

SCOPE = "webhooks:manage"
MAX_URL = 2000
MAX_ENDPOINTS = 20  # per partner: each event is sent to every one of them
LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})


def check_url(url: str) -> str:
    """An https URL, or outside production an http URL to this machine; INVALID_INPUT on ``url`` otherwise."""
    url = url.strip()
    if not url or len(url) > MAX_URL or not encodable(url) or any(c.isspace() or ord(c) < 32 for c in url):
        raise invalid("url", f"Give an absolute https URL of at most {MAX_URL} characters.")
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018  (raises on a malformed port)
    except ValueError:
        raise invalid("url", "This is not a valid URL.") from None
    if not host:
        raise invalid("url", "The URL needs a host name.")
    if parts.username is not None or parts.password is not None:
        raise invalid("url", "Credentials in the URL would travel with every event: verify the signature instead.")
    if parts.fragment:
        raise invalid("url", "A URL with a #fragment is not sent to a server: leave it out.")
    scheme = parts.scheme.lower()
    if scheme == "https":
        return url
    if scheme == "http":
        if get_settings().production:
            raise invalid("url", "Webhooks are sent over https only.")
        if host.lower() in LOOPBACK:
            return url
        raise invalid("url", "Use https; plain http is allowed only to localhost, 127.0.0.1 or ::1 in development.")
    raise invalid("url", "Use an https URL.")


def check_events(events: list[WebhookEventType]) -> list[str]:
    """The events, each once, in the enum's order; at least one."""
    chosen = {WebhookEventType(event) for event in events}
    if not chosen:
        raise invalid("events", "Choose at least one event.")
    return [event.value for event in WebhookEventType if event in chosen]


async def create_endpoint(
    partner: Partner | None, url: str, events: list[WebhookEventType]
) -> tuple[WebhookEndpoint, str]:
    """Subscribe ``url``; returns the endpoint and its signing secret.

    Subscribing a URL the partner already has (a disabled one included) updates its events and
    re-enables it rather than making a twin: the secret stays the same, so the receiver keeps
    verifying, and its failure count starts again.
    """
    partner = require_scope(partner, SCOPE)
    url = check_url(url)
    chosen = check_events(events)
    now = clock.now()
    async with in_transaction():
        # Lock the partner row so two concurrent subscriptions of one URL cannot both create it.
        await Partner.select_for_update().get(id=partner.id)
        existing = await WebhookEndpoint.filter(partner_id=partner.id, url=url, deleted_at=None).first()
        if existing is not None:
            existing.events, existing.active = chosen, True
            existing.failure_count, existing.failing_since, existing.disabled_at = 0, None, None
            await existing.save(update_fields=["events", "active", "failure_count", "failing_since", "disabled_at"])
            return existing, existing.secret
        if await WebhookEndpoint.filter(partner_id=partner.id, deleted_at=None).count() >= MAX_ENDPOINTS:
            raise invalid("url", f"A partner may subscribe at most {MAX_ENDPOINTS} URLs; delete one first.")
        secret = tokens.new_secret("whsec_")
        endpoint = await WebhookEndpoint.create(
            partner_id=partner.id, url=url, events=chosen, secret=secret, created_at=now
        )
        return endpoint, secret


async def own_endpoint(partner: Partner, endpoint_id: int) -> WebhookEndpoint:
    """The partner's endpoint; another partner's, a deleted or a missing one answer NOT_FOUND alike."""
    endpoint = await WebhookEndpoint.get_or_none(id=endpoint_id, partner_id=partner.id, deleted_at=None)
    if endpoint is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such webhook endpoint.", "id")
    return endpoint


async def delete_endpoint(partner: Partner | None, endpoint_id: int) -> WebhookEndpoint:
    """Stop sending to an endpoint: it leaves the list and its waiting deliveries are cancelled."""
    partner = require_scope(partner, SCOPE)
    async with in_transaction():
        endpoint = await own_endpoint(partner, endpoint_id)
        endpoint.deleted_at, endpoint.active = clock.now(), False
        await endpoint.save(update_fields=["deleted_at", "active"])
        await cancel_waiting(endpoint.id, "the endpoint was deleted")
    return endpoint


async def cancel_waiting(endpoint_id: int, reason: str) -> int:
    """Cancel the endpoint's deliveries still waiting in the outbox (a deleted or disabled endpoint)."""
    waiting = WebhookDelivery.filter(endpoint_id=endpoint_id).values("message_id")
    return await OutboxMessage.filter(id__in=Subquery(waiting), status=OutboxStatus.PENDING).update(
        status=OutboxStatus.CANCELLED, last_error=reason
    )


async def endpoints_of(partner: Partner | None) -> list[WebhookEndpoint]:
    """The partner's endpoints (disabled ones too), oldest first; none without the scope."""
    if partner is None or SCOPE not in partner.scopes:
        return []
    return await WebhookEndpoint.filter(partner_id=partner.id, deleted_at=None).order_by("id")


def deliveries(endpoint_id: int):  # type: ignore[no-untyped-def]
    """The endpoint's delivery log as a queryset (the API pages it newest first)."""
    return WebhookDelivery.filter(endpoint_id=endpoint_id).select_related("event", "message")


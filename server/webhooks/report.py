"""What ``patron webhooks`` prints, and how it reads an endpoint id and a time from the command line."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

from tortoise.functions import Count

from server.core.errors import invalid
from server.models import OutboxMessage, OutboxStatus, WebhookEndpoint
from server.webhooks.subscribers import CHANNEL


def endpoint_id(text: str) -> int:
    """A row id (``7``) or the API's global id (``V2ViaG9va0VuZHBvaW50Ojc=``)."""
    text = text.strip()
    if not text.isdigit():
        try:
            kind, _, text = base64.b64decode(text, validate=True).decode().partition(":")
        except ValueError:
            kind = ""
        if kind != "WebhookEndpoint" or not text.isdigit():
            raise invalid("endpoint", "Pass an endpoint id as patron webhooks list prints it.")
    return int(text)


def moment(text: str) -> datetime:
    """An ISO 8601 time; one without an offset is read as UTC."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise invalid("since", f"Not an ISO 8601 time: {text!r} (e.g. 2026-12-01T08:00:00+08:00).") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


async def listing() -> list[str]:
    """One line per endpoint: id, partner, state, failures, waiting deliveries, events, URL."""
    rows = await WebhookEndpoint.all().select_related("partner").order_by("id")
    waiting = dict(
        await OutboxMessage.filter(channel=CHANNEL, status=OutboxStatus.PENDING, webhook_deliveries__id__isnull=False)
        .annotate(n=Count("id", distinct=True))
        .group_by("webhook_deliveries__endpoint_id")
        .values_list("webhook_deliveries__endpoint_id", "n")
    )
    lines = ["id\tpartner\tstate\tfailures\twaiting\tevents\turl"]
    for row in rows:
        state = "deleted" if row.deleted_at else ("active" if row.active else "disabled")
        lines.append(
            f"{row.id}\t{row.partner.name}\t{state}\t{row.failure_count}\t{waiting.get(row.id, 0)}"
            f"\t{','.join(row.events)}\t{row.url}"
        )
    if not rows:
        lines.append("(no webhook endpoints)")
    return lines

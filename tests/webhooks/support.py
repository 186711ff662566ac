"""GraphQL documents and helpers shared by the webhook tests."""

from __future__ import annotations

import asyncio
import base64
import os
from datetime import timedelta

from server.core import clock
from server.messages import outbox
from server.messages.outbox import DeliveryReport
from tests.server_process import PATRON
from tests.support import Api, Caller

CREATE = """
mutation Create($url: String!, $events: [WebhookEvent!]!) {
  createWebhookEndpoint(url: $url, events: $events) {
    endpoint { id url events active createdAt }
    secret
    userErrors { field code message }
  }
}
"""

DELETE = """
mutation Delete($id: ID!) {
  deleteWebhookEndpoint(id: $id) {
    endpoint { id active }
    secret
    userErrors { field code message }
  }
}
"""

ENDPOINTS = """
query Endpoints($first: Int) {
  webhookEndpoints {
    id url events active
    deliveries(first: $first) {
      totalCount
      edges { node { eventId event attempts lastStatus deliveredAt nextAttemptAt } }
    }
  }
}
"""

ALL_EVENTS = [
    "POINTS_EARNED",
    "POINTS_SPENT",
    "TIER_CHANGED",
    "REDEMPTION_ISSUED",
    "REFERRAL_REWARDED",
    "REVIEW_PUBLISHED",
    "TICKET_ANSWERED",
]


def row_id(caller: Caller) -> int:
    """The member's row id inside the global id the API returned."""
    return int(base64.b64decode(caller.member_id or "").decode().split(":")[1])


async def hooks_partner(api: Api, *extra_scopes: str) -> Caller:
    return await api.partner(["webhooks:manage", *extra_scopes])


async def subscribe(api: Api, partner: Caller, url: str, events: list[str] | None = None) -> tuple[str, str]:
    """Subscribe ``url``; returns (endpoint id, secret)."""
    data = await api.run(CREATE, {"url": url, "events": events or ALL_EVENTS}, partner)
    payload = data["createWebhookEndpoint"]
    assert payload["userErrors"] == [], payload["userErrors"]
    return payload["endpoint"]["id"], payload["secret"]


async def endpoints(api: Api, partner: Caller, first: int = 20) -> list[dict]:
    return (await api.run(ENDPOINTS, {"first": first}, partner))["webhookEndpoints"]


async def send(after: timedelta = timedelta(0)) -> DeliveryReport:
    """What the sender loop does: deliver every webhook due by now (+ ``after``)."""
    return await outbox.deliver_due("webhook", at=clock.now() + after)


async def patron(*args: str, env: dict[str, str] | None = None, limit: float = 120) -> tuple[int, str, str]:
    """Run the installed ``patron`` console script against this run's database: (status, stdout, stderr)."""
    process = await asyncio.create_subprocess_exec(
        PATRON, *args, env={**os.environ, **(env or {})},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), limit)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()

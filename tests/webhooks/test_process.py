"""No event is lost when a real ``patron serve`` is killed with -9 while its outbox still holds webhooks."""

from __future__ import annotations

import asyncio
import time

import httpx

from server.accounts.partners import create_partner
from server.models import OutboxMessage, OutboxStatus, WebhookEvent, WebhookEventType
from server.webhooks import create_endpoint
from tests.support import RECORD_PURCHASE, SIGN_UP
from tests.webhooks.receiver import Receiver

PURCHASES = 30


async def _graphql(client: httpx.AsyncClient, query: str, variables: dict, headers: dict | None = None) -> dict:
    response = await client.post("/graphql", json={"query": query, "variables": variables}, headers=headers or {})
    assert response.status_code == 200, response.text
    body = response.json()
    assert not body.get("errors"), body
    return body["data"]


async def _until(condition, within: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if await condition():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


async def test_kill_9_with_webhooks_waiting_loses_none(launch, receiver: Receiver) -> None:
    # given a partner subscribed to earnings, and a slow receiver (0.3 s an event)
    hooks, _ = await create_partner("Hooks", ["webhooks:manage"])
    await create_endpoint(hooks, receiver.url, [WebhookEventType.POINTS_EARNED])
    _, shop_key = await create_partner("Shop", ["purchases:write"])
    receiver.delay = 0.3
    server = await launch(PATRON_OUTBOX_INTERVAL="0.5")

    # when purchases commit through the real server and its sender starts on them
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        signed = await _graphql(client, SIGN_UP, {"input": {"email": "buyer@example.com", "password": "long-enough-pw",
                                                            "displayName": "Buyer"}})
        assert signed["signUp"]["userErrors"] == []
        for n in range(PURCHASES):
            data = await _graphql(client, RECORD_PURCHASE, {"input": {"memberEmail": "buyer@example.com",
                                                                      "orderId": f"ORD-{n}", "amount": "10.00"}},
                                  {"X-Partner-Key": shop_key})
            assert data["recordPurchase"]["userErrors"] == []
    await _until(lambda: _true(len(receiver.received) >= 2), 30, "the first deliveries")

    # and the server is killed with -9 while most webhooks still wait (some are in flight)
    await server.kill()
    waiting = await OutboxMessage.filter(channel="webhook", status=OutboxStatus.PENDING).count()
    assert waiting > 0, "the outbox should not be empty at the kill"
    delivered_before = len(receiver.event_ids())
    assert delivered_before < PURCHASES

    # then a server started again (three minutes on: the dead one's claims have lapsed) sends every event
    receiver.delay = 0
    await launch(PATRON_OUTBOX_INTERVAL="0.5", PATRON_CLOCK_OFFSET="PT3M")
    stored = {e.event_id for e in await WebhookEvent.all()}
    assert len(stored) == PURCHASES  # one event per committed purchase
    await _until(lambda: _true(receiver.event_ids() == stored), 60, "every event to arrive")
    await _until(
        lambda: _pending_is(0), 30, "the outbox to empty"
    )
    assert await OutboxMessage.filter(channel="webhook", status=OutboxStatus.SENT).count() == PURCHASES
    # at least once: a copy of an event that was in flight at the kill is allowed, a missing event is not
    assert len(receiver.received) >= PURCHASES


async def _true(value: bool) -> bool:
    return value


async def _pending_is(count: int) -> bool:
    return await OutboxMessage.filter(channel="webhook", status=OutboxStatus.PENDING).count() == count

"""Graceful shutdown and several workers: real ``patron serve`` processes."""

from __future__ import annotations

import asyncio
import json
import signal

import httpx

from server.models import Member

SIGN_UP = """
mutation SignUp($input: SignUpInput!) {
  signUp(input: $input) { member { email } userErrors { code } }
}
"""


async def test_sigterm_during_a_request_lets_it_finish_then_the_server_exits(launch) -> None:
    server = await launch(PATRON_JOBS_INTERVAL="1")
    body = json.dumps(
        {
            "query": SIGN_UP,
            "variables": {
                "input": {"email": "inflight@example.com", "password": "correct-horse-battery", "displayName": "Li"}
            },
        }
    ).encode()
    first_half_sent = asyncio.Event()
    signalled = asyncio.Event()

    async def slow_body():
        # The request is in the server's hands (headers read, body arriving) when SIGTERM comes
        yield body[: len(body) // 2]
        first_half_sent.set()
        await signalled.wait()
        await asyncio.sleep(0.5)
        yield body[len(body) // 2 :]

    async with httpx.AsyncClient(timeout=30) as client:
        request = asyncio.create_task(
            client.post(
                f"{server.url}/graphql",
                content=slow_body(),
                headers={"content-type": "application/json", "content-length": str(len(body))},
            )
        )
        await first_half_sent.wait()
        await asyncio.sleep(0.3)
        assert server.process is not None
        server.process.send_signal(signal.SIGTERM)
        signalled.set()
        response = await request

    # Then the request in flight was answered in full and its change committed
    assert response.status_code == 200, response.text
    assert response.json()["data"]["signUp"] == {"member": {"email": "inflight@example.com"}, "userErrors": []}
    assert await Member.exists(email="inflight@example.com")

    # And the server stopped cleanly: background work reached a boundary, exit code 0, no new connections
    # (uvicorn re-raises the signal after its clean shutdown, so the exit status names SIGTERM)
    code = await asyncio.wait_for(server.process.wait(), 20)
    log = server.log_tail(200)
    assert code in (0, -signal.SIGTERM), log
    assert "Application shutdown complete" in log and "Finished server process" in log
    assert "Traceback" not in log and "cancelled" not in log
    async with httpx.AsyncClient(timeout=2) as client:
        try:
            await client.get(f"{server.url}/healthz")
            refused = False
        except httpx.TransportError:
            refused = True
    assert refused


async def test_with_several_workers_metrics_add_up_every_workers_requests(launch) -> None:
    server = await launch(workers=2)
    async with httpx.AsyncClient(timeout=10) as client:
        for _ in range(12):
            # A new connection each time, so both workers get some
            async with httpx.AsyncClient(timeout=10) as one:
                assert (await one.get(f"{server.url}/healthz")).status_code == 200
        scrapes = [(await client.get(f"{server.url}/metrics")).text for _ in range(3)]
    for text in scrapes:
        line = next(
            line for line in text.splitlines()
            if line.startswith("patron_http_requests_total{") and 'route="/healthz"' in line
        )
        assert float(line.rsplit(" ", 1)[1]) == 12


async def test_the_outbox_sender_stops_after_the_batch_in_hand_on_shutdown(database_url: str) -> None:
    from server.messages import outbox
    from server.models import OutboxMessage, OutboxStatus

    stop = asyncio.Event()

    async def deliver(message: OutboxMessage) -> outbox.Outcome:
        stop.set()  # shutdown begins while the first batch is being sent
        return outbox.Outcome.sent(200)

    outbox.register_channel(outbox.Channel("test-stop", deliver, lambda attempts: None))
    try:
        for n in range(outbox.BATCH * 2 + 5):
            await outbox.enqueue("test-stop", {"n": n})
        report = await outbox.deliver_due("test-stop", stop=stop)
    finally:
        outbox._CHANNELS.pop("test-stop", None)
    # The batch in hand was finished (none abandoned half-claimed); the rest waits for the next start
    assert report.sent == outbox.BATCH
    assert await OutboxMessage.filter(channel="test-stop", status=OutboxStatus.PENDING).count() == outbox.BATCH + 5
    assert await OutboxMessage.filter(channel="test-stop", claimed_until__isnull=False).count() == 0

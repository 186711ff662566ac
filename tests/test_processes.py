"""Real ``patron serve`` processes: concurrent writers, crash durability, races across servers.

These tests start the installed console script on a free port against this run's database
(SQLite file or the throw-away PostgreSQL database), talk to it over TCP and then look at the
database directly. Every server is killed in ``finally``; every wait has a bound.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest
from strawberry.relay import to_base64

from server.accounts import set_role
from server.accounts.partners import create_partner
from server.models import CheckIn, LedgerEntry, Member, Purchase, Role
from tests.conftest import BACKEND
from tests.server_process import ServerProcess
from tests.support import RECORD_PURCHASE, SIGN_UP

pytestmark = pytest.mark.server

CHECK_IN = "mutation { checkIn { pointsEarned userErrors { code } } }"
ADJUST = """
mutation Adjust($memberId: ID!, $delta: Int!, $key: String!) {
  adjustPoints(memberId: $memberId, delta: $delta, reason: "race test", idempotencyKey: $key) {
    entry { balanceAfter }
    userErrors { code field }
  }
}
"""
MEMBERS = 60
PASSWORD = "correct-horse-battery"

Launch = Callable[..., Awaitable[ServerProcess]]


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=50)
    async with httpx.AsyncClient(timeout=httpx.Timeout(90), limits=limits) as http:
        yield http


async def _post(
    http: httpx.AsyncClient, server: ServerProcess, query: str, variables: dict, headers: dict | None = None
) -> dict:
    response = await http.post(f"{server.url}/graphql", json={"query": query, "variables": variables}, headers=headers)
    assert response.status_code == 200, (response.status_code, response.text[:500])
    assert "database is locked" not in response.text
    body = response.json()
    assert not body.get("errors"), body["errors"]
    return body["data"]


async def _sign_up(http: httpx.AsyncClient, server: ServerProcess, email: str) -> str:
    variables = {"input": {"email": email, "password": PASSWORD, "displayName": "Race Member"}}
    payload = (await _post(http, server, SIGN_UP, variables))["signUp"]
    assert payload["userErrors"] == []
    return payload["token"]


def _purchase(order_id: str, email: str, amount: str) -> dict:
    return {"input": {"memberEmail": email, "orderId": order_id, "amount": amount}}


async def _ledger_matches_balances() -> None:
    for member in await Member.all():
        deltas = await LedgerEntry.filter(member_id=member.id).values_list("delta", flat=True)
        assert sum(deltas) == member.balance, member.email


async def test_two_workers_serve_concurrent_writes_without_lock_errors(
    launch: Launch, client: httpx.AsyncClient
) -> None:
    server = await launch(workers=2)
    _, key = await create_partner("Process Shop", ["purchases:write"])
    partner = {"X-Partner-Key": key}
    emails = [f"racer{i}@example.com" for i in range(MEMBERS)]

    tokens = await asyncio.gather(*(_sign_up(client, server, email) for email in emails))
    writes = [
        _post(client, server, RECORD_PURCHASE, _purchase(f"P-{i}", email, f"{(i + 1) * 10}.00"), partner)
        for i, email in enumerate(emails)
    ] + [_post(client, server, CHECK_IN, {}, {"Authorization": f"Bearer {token}"}) for token in tokens]
    results = await asyncio.gather(*writes)

    purchases, check_ins = results[:MEMBERS], results[MEMBERS:]
    assert all(r["recordPurchase"]["userErrors"] == [] for r in purchases)
    assert [r["recordPurchase"]["pointsEarned"] for r in purchases] == [(i + 1) * 10 for i in range(MEMBERS)]
    assert all(r["checkIn"]["userErrors"] == [] and r["checkIn"]["pointsEarned"] == 5 for r in check_ins)
    assert await Member.all().count() == MEMBERS
    assert await Purchase.all().count() == MEMBERS
    assert await CheckIn.all().count() == MEMBERS
    balances = dict(await Member.all().values_list("email", "balance"))
    assert balances == {email: (i + 1) * 10 + 5 for i, email in enumerate(emails)}
    await _ledger_matches_balances()


async def test_acknowledged_writes_survive_kill_9(launch: Launch, client: httpx.AsyncClient) -> None:
    server = await launch(workers=2)
    _, key = await create_partner("Crash Shop", ["purchases:write", "members:read"])
    partner = {"X-Partner-Key": key}
    await _sign_up(client, server, "durable@example.com")
    acknowledged: list[str] = []
    stop = asyncio.Event()

    async def writer(lane: int) -> None:
        n = 0
        while not stop.is_set():
            order_id = f"D-{lane}-{n}"
            n += 1
            try:
                response = await client.post(
                    f"{server.url}/graphql",
                    json={"query": RECORD_PURCHASE, "variables": _purchase(order_id, "durable@example.com", "1.00")},
                    headers=partner,
                )
                if response.status_code == 200 and response.json()["data"]["recordPurchase"]["userErrors"] == []:
                    acknowledged.append(order_id)
            except httpx.TransportError:
                return

    writers = [asyncio.create_task(writer(lane)) for lane in range(8)]
    while len(acknowledged) < 150:
        await asyncio.sleep(0.01)
        assert not all(w.done() for w in writers)
    await server.kill()  # mid-stream: requests are in flight at this moment
    stop.set()
    await asyncio.wait_for(asyncio.gather(*writers), 60)
    restarted = await launch(workers=1, port=server.port)

    stored = set(await Purchase.all().values_list("order_id", flat=True))
    assert set(acknowledged) <= stored, sorted(set(acknowledged) - stored)[:10]
    member = await Member.get(email="durable@example.com")
    assert member.balance == len(stored)
    await _ledger_matches_balances()
    replay = await _post(client, restarted, RECORD_PURCHASE, _purchase(acknowledged[0], member.email, "1.00"), partner)
    assert replay["recordPurchase"]["replayed"] is True
    if BACKEND == "sqlite":
        from tortoise import Tortoise

        connection = Tortoise.get_connection("default")  # configured exactly as the server's
        assert (await connection.execute_query_dict("PRAGMA journal_mode"))[0]["journal_mode"] == "wal"
        assert (await connection.execute_query_dict("PRAGMA synchronous"))[0]["synchronous"] == 2  # FULL
        assert (await connection.execute_query_dict("PRAGMA busy_timeout"))[0]["timeout"] >= 5000


async def test_duplicate_purchases_across_two_servers_credit_once(launch: Launch, client: httpx.AsyncClient) -> None:
    first, second = await launch(), await launch()
    _, key = await create_partner("Dup Shop", ["purchases:write"])
    partner = {"X-Partner-Key": key}
    await _sign_up(client, first, "dup@example.com")
    variables = _purchase("ORDER-42", "dup@example.com", "250.00")

    results = await asyncio.gather(
        *(_post(client, (first, second)[i % 2], RECORD_PURCHASE, variables, partner) for i in range(30))
    )

    payloads = [r["recordPurchase"] for r in results]
    assert all(p["userErrors"] == [] and p["pointsEarned"] == 250 for p in payloads)
    assert sum(not p["replayed"] for p in payloads) == 1
    assert await Purchase.filter(order_id="ORDER-42").count() == 1
    member = await Member.get(email="dup@example.com")
    assert member.balance == 250
    assert await LedgerEntry.filter(member_id=member.id).count() == 1
    await _ledger_matches_balances()


async def test_concurrent_staff_debits_across_two_servers_never_overspend(
    launch: Launch, client: httpx.AsyncClient
) -> None:
    first, second = await launch(), await launch()
    _, key = await create_partner("Spend Shop", ["purchases:write"])
    await _sign_up(client, first, "spender@example.com")
    staff_token = await _sign_up(client, second, "staff@example.com")
    await set_role("staff@example.com", Role.STAFF)
    credit = _purchase("S-1", "spender@example.com", "100.00")
    await _post(client, first, RECORD_PURCHASE, credit, {"X-Partner-Key": key})

    member = await Member.get(email="spender@example.com")
    member_id = to_base64("Member", member.id)
    staff = {"Authorization": f"Bearer {staff_token}"}

    results = await asyncio.gather(
        *(
            _post(client, (first, second)[i % 2], ADJUST, {"memberId": member_id, "delta": -30, "key": f"k{i}"}, staff)
            for i in range(20)
        )
    )

    payloads = [r["adjustPoints"] for r in results]
    succeeded = [p for p in payloads if not p["userErrors"]]
    refused = [p for p in payloads if p["userErrors"]]
    assert len(succeeded) == 3
    assert all(p["userErrors"][0]["code"] == "INSUFFICIENT_POINTS" for p in refused)
    assert sorted(p["entry"]["balanceAfter"] for p in succeeded) == [10, 40, 70]
    await member.refresh_from_db()
    assert member.balance == 10
    assert await LedgerEntry.filter(member_id=member.id, balance_after__lt=0).count() == 0
    await _ledger_matches_balances()

"""Where one request's CPU goes: the ASGI app called in-process, no HTTP client in the way.

    .venv/bin/python bench/profile.py                 # dashboard: µs per request (median of 5 rounds)
    .venv/bin/python bench/profile.py --operation purchase   # or check-in (a new member each time)
    .venv/bin/python bench/profile.py --pyinstrument  # and a pyinstrument profile of a round
    .venv/bin/python bench/profile.py --postgres

The app is Patron's real one (middleware, GraphQL view, schema, services, database), driven
with hand-built ASGI messages, so the figure is the server's own cost per request on one core,
the SQL round trips included. Use it to check a change before running ``bench/ratio.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
WORK = Path(tempfile.mkdtemp(prefix="patron-profile-"))
os.environ.update({"PATRON_ENV": "production", "PATRON_SECRET_KEY": secrets.token_urlsafe(48),
                   "PATRON_VAR_DIR": str(WORK), "PATRON_JOBS_INTERVAL": "0", "PATRON_OUTBOX_INTERVAL": "0"})

from server.core.database import create_scratch_postgres, drop_scratch_postgres  # noqa: E402
from tests.test_dashboard_queries import CHECK_IN, DASHBOARD  # noqa: E402

RECORD_PURCHASE = (
    "mutation Record($input: PurchaseInput!) { recordPurchase(input: $input) { pointsEarned userErrors { code } } }"
)


async def call(app, body: bytes, headers: list[tuple[bytes, bytes]], path: str = "/graphql",
               method: str = "POST") -> tuple[int, bytes]:
    """One request through the ASGI app; returns status and body."""
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
             "headers": [(b"host", b"bench"), (b"content-length", str(len(body)).encode()), *headers],
             "client": ("127.0.0.1", 9), "server": ("127.0.0.1", 80)}
    sent = False
    status, chunks = 0, []

    async def receive():
        nonlocal sent
        if sent:
            await asyncio.sleep(3600)
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message):
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, b"".join(chunks)


async def main(args: argparse.Namespace) -> None:
    from tortoise import Tortoise

    from server.accounts import issue_token
    from server.app import create_app
    from server.core.config import load_settings
    from server.core.database import close_db, init_db, migrate
    from server.demo_members import load_members
    from server.models import Member

    pg_base = os.environ.get("PATRON_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    pg_name = ""
    if args.postgres:
        pg_name, url = await create_scratch_postgres(pg_base, "patron_profile")
    else:
        url = f"sqlite://{WORK / 'profile.db'}"
    os.environ["DATABASE_URL"] = url
    await migrate(url)
    await init_db(url)
    try:
        await load_members(3000, months=11)
        members = await Member.filter(locale="en").order_by("id")
        app = create_app(load_settings(), manage_db=False)
        import logging

        logging.getLogger().setLevel(logging.WARNING)
        json_type = (b"content-type", b"application/json")
        if args.operation == "purchase":
            from server.accounts.partners import create_partner

            _, key = await create_partner("Profile Shop", ["purchases:write"])
            emails = [m.email for m in members if m.tier_code == "diamond"][:50]
            headers = [[json_type, (b"x-partner-key", key.encode())]]
            bodies = (json.dumps({"query": RECORD_PURCHASE, "variables": {"input": {
                "memberEmail": emails[i % len(emails)], "orderId": f"P-{i}", "amount": "129.90"}}}).encode()
                for i in range(10**6))
        else:
            chosen = members[:50] if args.operation == "dashboard" else members[50:]
            tokens = [await issue_token(m) for m in chosen]
            headers = [[json_type, (b"authorization", f"Bearer {t}".encode())] for t in tokens]
            text = json.dumps({"query": DASHBOARD if args.operation == "dashboard" else CHECK_IN}).encode()
            bodies = (text for _ in range(10**6))
        turn = 0

        async def round_(n: int) -> float:
            """CPU µs per request (every thread of this process: the drivers' too), robust on a busy machine."""
            nonlocal turn
            started = time.process_time()
            for _ in range(n):
                status, answer = await call(app, next(bodies), headers[turn % len(headers)])
                turn += 1
                ok = status == 200 and b'"errors"' not in answer
                assert ok and (args.operation == "dashboard" or b'"userErrors":[]' in answer), answer[:300]
            return (time.process_time() - started) / n * 1e6

        warm = 200 if args.operation != "check-in" else 50
        await round_(warm)  # warm the caches (parser, validation, statements)
        rounds = [await round_(args.requests) for _ in range(5 if args.operation != "check-in" else 3)]
        print(f"{args.operation} in-process: {statistics.median(rounds):.0f} µs CPU per request, "
              f"best {min(rounds):.0f} (rounds: {', '.join(f'{r:.0f}' for r in rounds)})")
        if args.pyinstrument:
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.0002, async_mode="disabled")
            profiler.start()
            await round_(args.requests)
            profiler.stop()
            print(profiler.output_text(unicode=True, color=False, show_all=args.all))
        del Tortoise
    finally:
        await close_db()
        if pg_name:
            await drop_scratch_postgres(pg_base, pg_name)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--operation", choices=["dashboard", "check-in", "purchase"], default="dashboard")
    parser.add_argument("--pyinstrument", action="store_true", help="print a profile of one round")
    parser.add_argument("--all", action="store_true", help="with --pyinstrument: show library frames too")
    asyncio.run(main(parser.parse_args()))

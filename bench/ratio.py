"""Patron against a bare endpoint, in one run: the dashboard, check-ins and purchases, plus the rest.

    .venv/bin/python bench/ratio.py                    # SQLite, one worker, 10 s per measurement
    .venv/bin/python bench/ratio.py --postgres         # a throw-away PostgreSQL database
    .venv/bin/python bench/ratio.py --json out.json    # also write the figures as JSON
    .venv/bin/python bench/ratio.py --source /tmp/old  # serve Patron from another checkout ("before")

The database gets the demo programme and synthetic members (``patron demo --members``) with a
year of history. One ``patron serve`` worker and the bare endpoint (``bench/bare.py``: Starlette
and the driver, the same SQL, the same JSON — checked for every member before anything is
measured) share CPU 0; wrk loads them from CPU 1, one after the other. Ratios of two figures
measured minutes apart on the same machine are what to compare between machines and commits.

Rows: the dashboard query at 1, 32 and 64 connections (Patron and bare); checkIn and
recordPurchase at 32 (Patron and bare, each check-in by a member who has not checked in today,
each purchase a new order); redeemBenefit, signUp and the portal's dashboard page (HTML); the
dashboard's p99 while 20 log-ins a second arrive; the worker's RSS.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import loadgen  # noqa: E402

from server.core.database import create_scratch_postgres, drop_scratch_postgres  # noqa: E402
from tests.server_process import ServerProcess, free_port  # noqa: E402
from tests.test_dashboard_queries import DASHBOARD  # noqa: E402

CHECK_IN = "mutation { checkIn { pointsEarned userErrors { code } } }"
RECORD_PURCHASE = (
    "mutation Record($input: PurchaseInput!) { recordPurchase(input: $input) { pointsEarned userErrors { code } } }"
)
REDEEM = (
    "mutation Redeem($id: ID!, $key: String!) { redeemBenefit(benefitId: $id, idempotencyKey: $key) "
    "{ redemption { voucherCode } userErrors { code } } }"
)
SIGN_UP = "mutation SignUp($input: SignUpInput!) { signUp(input: $input) { token userErrors { code } } }"
LOG_IN = "mutation LogIn($e: String!, $p: String!) { logIn(email: $e, password: $p) { token userErrors { code } } }"
MEMBERS = 20_000
POOL = 6_000  # fresh check-in members per side: more than either serves in a run


def rss_mib(pgid: int) -> float:
    from api_bench import server_rss_mib

    return server_rss_mib(pgid)


async def seed(url: str) -> dict:
    """Demo programme, synthetic members, tokens and a cheap benefit; returns who plays which part."""
    from tortoise import Tortoise

    from server.accounts import tokens
    from server.accounts.partners import create_partner
    from server.catalog.benefits import BenefitInput, save_benefit
    from server.core.database import close_db, init_db, migrate
    from server.demo import load_demo
    from server.demo_members import load_members
    from server.models import AuthToken, Member

    await migrate(url)
    await init_db(url)
    try:
        await load_demo()
        await load_members(MEMBERS, months=11)  # 11: no lapsed lots, so writes compare like for like
        _, key = await create_partner("Bench Shop", ["purchases:write"])
        benefit = await save_benefit(BenefitInput(slug="bench-sticker", title="Sticker", category="gifts",
                                                  points_cost=1, description="A bench benefit."))
        rows = await Member.filter(email__startswith="member", locale="en").order_by("id").values_list(
            "id", "tier_code")
        ids = [i for i, _ in rows]
        top = [i for i, tier in rows if tier == "diamond"]
        parts = {
            "dashboard": ids[:50],
            "redeem": ids[50:100],
            "portal": ids[100:150],
            "check_in_patron": ids[200:200 + POOL],
            "check_in_bare": ids[200 + POOL:200 + 2 * POOL],
            "purchase": top[:50],
        }
        now = datetime.now(UTC)
        made: dict[str, list[str]] = {}
        batch = []
        for part, members in parts.items():
            kind = "session" if part == "portal" else "api"
            made[part] = []
            for member_id in members:
                secret = tokens.new_secret("pt_" if kind == "api" else "")
                made[part].append(secret)
                batch.append(AuthToken(token_hash=tokens.digest(secret), member_id=member_id, kind=kind,
                                       csrf_token=tokens.new_secret() if kind == "session" else None,
                                       created_at=now, expires_at=now + timedelta(days=30)))
        await AuthToken.bulk_create(batch, batch_size=2000)
        emails = await Member.filter(id__in=parts["purchase"]).values_list("email", flat=True)
        conn = Tortoise.get_connection("default")
        del conn
        return {"tokens": made, "partner_key": key, "benefit": f"Benefit:{benefit.id}",
                "purchase_emails": list(emails), "login_emails": [f"member{i:07d}@example.com" for i in range(
                    MEMBERS - 500, MEMBERS)]}
    finally:
        await close_db()


class Bare:
    """``bench/bare.py`` as a pinned uvicorn process."""

    def __init__(self, url: str, log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.env = {**os.environ, "DATABASE_URL": url}

    async def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [*loadgen.pinned(loadgen.SERVER_CPU), sys.executable, str(ROOT / "bench" / "bare.py"),
                 "--port", str(self.port)], env=self.env, stdout=out, stderr=out, start_new_session=True)
        async with httpx.AsyncClient() as client:
            for _ in range(100):
                try:
                    await client.post(f"{self.url}/dashboard", content="{}")
                    return
                except httpx.TransportError:
                    await asyncio.sleep(0.1)
        raise RuntimeError(f"bare endpoint did not start:\n{self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


def body(query: str, variables: dict | None = None) -> str:
    return json.dumps({"query": query, "variables": variables or {}})


def bearer_headers(tokens: list[str]) -> list[dict[str, str]]:
    return [{"Content-Type": "application/json", "Authorization": f"Bearer {t}"} for t in tokens]


async def check_identical(patron: str, bare: str, tokens: list[str]) -> None:
    """Every bench member's dashboard answer from Patron equals the bare endpoint's, value for value."""
    async with httpx.AsyncClient(timeout=30) as client:
        for token in tokens:
            headers = {"Authorization": f"Bearer {token}"}
            mine = (await client.post(f"{patron}/graphql", json={"query": DASHBOARD}, headers=headers)).json()
            theirs = (await client.post(f"{bare}/dashboard", json={"query": DASHBOARD}, headers=headers)).json()
            if mine != theirs:
                raise SystemExit(f"bench: the bare endpoint's answer differs from Patron's:\n{mine}\n{theirs}")


async def logins_during(url: str, emails: list[str], rate: float, seconds: float) -> int:
    """Send ``rate`` log-ins a second for ``seconds`` (each waits for no other); returns how many succeeded."""
    ok = 0

    async with httpx.AsyncClient(timeout=30) as client:
        async def one(email: str) -> None:
            nonlocal ok
            answer = await client.post(f"{url}/graphql", json={"query": LOG_IN, "variables": {
                "e": email, "p": "demo-password"}})
            ok += bool(answer.json()["data"]["logIn"]["token"])

        tasks = []
        started = time.monotonic()
        for i in range(int(rate * seconds)):
            await asyncio.sleep(max(0.0, started + i / rate - time.monotonic()))
            tasks.append(asyncio.create_task(one(emails[i % len(emails)])))
        await asyncio.gather(*tasks)
    return ok


async def measure(args: argparse.Namespace) -> dict:
    work = Path(tempfile.mkdtemp(prefix="patron-ratio-"))
    pg_base = os.environ.get("PATRON_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    pg_name = ""
    if args.postgres:
        pg_name, url = await create_scratch_postgres(pg_base, "patron_bench")
    else:
        url = f"sqlite://{work / 'bench.db'}"
    os.environ.update({"DATABASE_URL": url, "PATRON_VAR_DIR": str(work / "var")})
    started = time.monotonic()
    cast = await seed(url)
    print(f"seeded {MEMBERS} members in {time.monotonic() - started:.0f} s", file=sys.stderr)
    env = {"DATABASE_URL": url, "PATRON_ENV": "production", "PATRON_SECRET_KEY": secrets.token_urlsafe(48),
           "PATRON_VAR_DIR": str(work / "var"), "PATRON_JOBS_INTERVAL": "0", "PATRON_OUTBOX_INTERVAL": "0"}
    if args.source:
        env["PYTHONPATH"] = str(Path(args.source).resolve())
    patron = ServerProcess(env, work / "patron.log", workers=1)
    bare = Bare(url, work / "bare.log")
    results: dict = {"date": datetime.now(UTC).isoformat(timespec="seconds"), "cpus": loadgen.CPUS,
                     "database": "postgresql" if args.postgres else "sqlite", "seconds": args.seconds, "rows": {}}
    rows = results["rows"]

    def report(name: str, result: loadgen.Result, reference: loadgen.Result | None = None) -> None:
        row = result.row()
        line = f"{name:<34} {result.rps:8.1f} req/s  p50 {result.p50:7.2f} ms  p99 {result.p99:7.2f} ms"
        if reference is not None:
            row.update(bare=reference.row(), ratio=round(result.rps / reference.rps, 3),
                       p99_ratio=round(result.p99 / reference.p99, 2))
            line += (f"   bare {reference.rps:8.1f} req/s  p99 {reference.p99:7.2f} ms   "
                     f"ratio {row['ratio']:.2f}x  p99 {row['p99_ratio']:.1f}x")
        if result.errors:
            line += f"  ({result.errors} errors)"
        rows[name] = row
        print(line, flush=True)

    try:
        await patron.start()
        # uvicorn with one worker runs in the serving process itself: pin it (and its threads) to CPU 0.
        if loadgen.pinned(loadgen.SERVER_CPU):
            subprocess.run(["taskset", "-a", "-p", "-c", loadgen.SERVER_CPU, str(patron.pid)],
                           check=True, capture_output=True)
        await bare.start()
        tokens = cast["tokens"]
        await check_identical(patron.url, bare.url, tokens["dashboard"])
        print(f"Patron vs bare, {results['database']}, 1 worker, {loadgen.CPUS} CPUs, wrk {args.seconds:g} s each;"
              " the bare answers equal Patron's for every bench member", flush=True)
        dashboard = loadgen.script(template=body(DASHBOARD), headers=bearer_headers(tokens["dashboard"]))
        secs = args.seconds
        for connections in args.connections:
            mine = loadgen.run(f"{patron.url}/graphql", dashboard, connections=connections, seconds=secs)
            theirs = loadgen.run(f"{bare.url}/dashboard", dashboard, connections=connections, seconds=secs)
            report(f"dashboard, {connections} conn", mine, theirs)

        if args.dashboard_only:
            return results
        if args.logins_only:
            await login_phase(args, patron, dashboard, cast, rows, report)
            return results
        write_secs = min(secs, 5)
        started_writes = datetime.now(UTC)
        for part, target in (("check_in_patron", f"{patron.url}/graphql"), ("check_in_bare", f"{bare.url}/check-in")):
            lua = loadgen.script(template=body(CHECK_IN), headers=bearer_headers(tokens[part]))
            result = loadgen.run(target, lua, connections=32, seconds=write_secs)
            if result.requests > POOL:
                print(f"  warning: {part} sent {result.requests} check-ins for {POOL} members", flush=True)
            results.setdefault("_check_in", {})[part] = result
        sides = results.pop("_check_in")
        for part in ("check_in_patron", "check_in_bare"):
            await expect_rows(url, sides[part].requests, "SELECT COUNT(*) FROM check_in c JOIN auth_token t"
                              " ON t.member_id = c.member_id WHERE c.created_at > '{}' AND t.token_hash IN ({})".format(
                                  started_writes.isoformat(" ") if not args.postgres else started_writes.isoformat(),
                                  ",".join(f"'{digest(x)}'" for x in tokens[part])), part)
        report("checkIn, 32 conn", sides["check_in_patron"], sides["check_in_bare"])

        run_id = secrets.token_hex(3)
        purchase_headers = [{"Content-Type": "application/json", "X-Partner-Key": cast["partner_key"]}]

        def purchases(side: str) -> str:
            order = f"{run_id}{side}-%COUNTER%"
            purchase = {"memberEmail": "%EMAIL%", "orderId": order, "amount": "129.90"}
            template = body(RECORD_PURCHASE, {"input": purchase})
            emails = {"EMAIL": cast["purchase_emails"]}
            return loadgen.script(template=template, values=emails, headers=purchase_headers)

        mine = loadgen.run(f"{patron.url}/graphql", purchases("p"), connections=32, seconds=write_secs)
        theirs = loadgen.run(f"{bare.url}/purchase", purchases("b"), connections=32, seconds=write_secs)
        for side, result in (("p", mine), ("b", theirs)):
            await expect_rows(url, result.requests,
                              f"SELECT COUNT(*) FROM purchase WHERE order_id LIKE '{run_id}{side}-%'", "recordPurchase")
        report("recordPurchase, 32 conn", mine, theirs)

        benefit_id = base64.b64encode(cast["benefit"].encode()).decode()
        redeem = loadgen.script(template=body(REDEEM, {"id": benefit_id, "key": f"{run_id}-%COUNTER%"}),
                                headers=bearer_headers(tokens["redeem"]))
        report("redeemBenefit, 32 conn", loadgen.run(f"{patron.url}/graphql", redeem, connections=32,
                                                       seconds=write_secs))
        sign_up = loadgen.script(template=body(SIGN_UP, {"input": {
            "email": f"new-{run_id}-%COUNTER%@example.com", "password": "bench-password-1", "displayName": "New"}}),
            headers=[{"Content-Type": "application/json"}])
        report("signUp, 8 conn", loadgen.run(f"{patron.url}/graphql", sign_up, connections=8, seconds=write_secs))
        cookie = "__Host-patron_session"
        portal = loadgen.script(method="GET", headers=[{"Cookie": f"{cookie}={t}"} for t in tokens["portal"]])
        report("portal /dashboard (HTML), 32 conn", loadgen.run(f"{patron.url}/dashboard", portal, connections=32,
                                                                seconds=secs))

        await login_phase(args, patron, dashboard, cast, rows, report)
        rows["rss_mib"] = round(rss_mib(patron.pid), 1)
        print(f"{'worker RSS after the runs':<34} {rows['rss_mib']} MiB", flush=True)
    finally:
        await patron.stop()
        bare.stop()
        if pg_name:
            await drop_scratch_postgres(pg_base, pg_name)
    return results


async def login_phase(args, patron, dashboard: str, cast: dict, rows: dict, report) -> None:  # type: ignore[no-untyped-def]
    """The dashboard idle, then while 20 log-ins a second arrive (each an argon2 verification)."""
    secs = args.seconds
    # Argon2 hashes in worker threads that release the GIL: like a real deployment, this phase lets the
    # server use every CPU, so the figure shows whether log-ins block the event loop, not the core count.
    if loadgen.pinned(loadgen.SERVER_CPU):
        subprocess.run(["taskset", "-a", "-p", "-c", f"0-{loadgen.CPUS - 1}", str(patron.pid)],
                       check=True, capture_output=True)
    idle = loadgen.run(f"{patron.url}/graphql", dashboard, connections=32, seconds=secs)
    logins = asyncio.create_task(logins_during(patron.url, cast["login_emails"], 20, secs + 1))
    await asyncio.sleep(0.5)
    busy = await asyncio.to_thread(loadgen.run, f"{patron.url}/graphql", dashboard, connections=32, seconds=secs)
    done = await logins
    report("dashboard, 32 conn, idle", idle)
    report("dashboard, 32 conn, 20 log-ins/s", busy)
    rows["logins"] = {"succeeded": done, "p99_ratio": round(busy.p99 / idle.p99, 2)}
    print(f"{'log-ins during the run':<34} {done} succeeded; dashboard p99 {busy.p99 / idle.p99:.2f}x idle",
          flush=True)


def digest(secret: str) -> str:
    from server.accounts.tokens import digest as sha256

    return sha256(secret)


async def expect_rows(url: str, requests: int, sql: str, what: str) -> None:
    """Every answered write really wrote its row (wrk cannot read answers; the database can)."""
    if url.startswith("sqlite"):
        import sqlite3

        with sqlite3.connect(url.split("://", 1)[1]) as conn:
            found = conn.execute(sql).fetchone()[0]
    else:
        import asyncpg

        conn = await asyncpg.connect(url)
        try:
            found = await conn.fetchval(sql)
        finally:
            await conn.close()
    if found < requests:
        raise SystemExit(f"bench: {what}: {requests} requests answered but only {found} rows written")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", action="store_true", help="use a throw-away PostgreSQL database")
    parser.add_argument("--seconds", type=float, default=10, help="length of each wrk run")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--source", help="serve Patron from this checkout (to measure another commit)")
    parser.add_argument("--connections", type=int, nargs="+", default=[1, 32, 64], help="dashboard connection counts")
    parser.add_argument("--dashboard-only", action="store_true", help="stop after the dashboard rows")
    parser.add_argument("--logins-only", action="store_true", help="only the dashboard during log-ins")
    args = parser.parse_args()
    results = asyncio.run(measure(args))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()

"""Load a real ``patron serve`` over HTTP and print latency, throughput and memory.

    .venv/bin/python bench/api_bench.py                     # SQLite file in a temp directory
    .venv/bin/python bench/api_bench.py --postgres          # throw-away database on PATRON_TEST_POSTGRES_URL
    .venv/bin/python bench/api_bench.py --workers 1 --concurrency 16 --members 100

Phases: sign-ups (argon2-bound), partner purchases, the member dashboard query, check-ins.
Each phase runs a fixed number of requests from ``--concurrency`` concurrent clients and reports
p50/p95/p99 latency and requests per second; the server's resident memory (all processes of
its group) is sampled after every phase.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from server.core.database import create_scratch_postgres, drop_scratch_postgres  # noqa: E402
from tests.server_process import PATRON, ServerProcess  # noqa: E402
from tests.test_dashboard_queries import DASHBOARD  # noqa: E402

SIGN_UP = """
mutation SignUp($input: SignUpInput!) { signUp(input: $input) { token userErrors { code } } }
"""
RECORD_PURCHASE = """
mutation Record($input: PurchaseInput!) { recordPurchase(input: $input) { pointsEarned userErrors { code } } }
"""
CHECK_IN = "mutation { checkIn { pointsEarned userErrors { code } } }"



@dataclass
class Phase:
    name: str
    latencies: list[float]
    seconds: float
    failures: int

    def line(self) -> str:
        lat = sorted(self.latencies)
        if not lat:
            return f"{self.name:<22} no requests"

        def pct(p: float) -> float:
            return lat[min(len(lat) - 1, int(p * len(lat)))] * 1000

        return (
            f"{self.name:<22} n={len(lat):>5}  {len(lat) / self.seconds:8.1f} req/s  "
            f"p50 {pct(0.50):7.1f} ms  p95 {pct(0.95):7.1f} ms  p99 {pct(0.99):7.1f} ms  "
            f"mean {statistics.fmean(lat) * 1000:7.1f} ms  failures {self.failures}"
        )


async def run_phase(name: str, calls: list[Callable[[], Awaitable[bool]]], concurrency: int) -> Phase:
    """Run ``calls`` from ``concurrency`` clients; each call returns True on success."""
    queue = list(reversed(calls))
    latencies: list[float] = []
    failures = 0

    async def client() -> None:
        nonlocal failures
        while queue:
            call = queue.pop()
            started = time.perf_counter()
            ok = await call()
            latencies.append(time.perf_counter() - started)
            failures += not ok

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    return Phase(name, latencies, time.perf_counter() - started, failures)


def server_rss_mib(pgid: int) -> float:
    """Resident memory of every process in the server's process group (parent and workers)."""
    total_kib = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            fields = stat[stat.rindex(")") + 2 :].split()
            if int(fields[2]) != pgid:  # field 5 of /proc/pid/stat: process group
                continue
            for line in (entry / "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kib += int(line.split()[1])
        except (OSError, ValueError):
            continue
    return total_kib / 1024


async def bench(args: argparse.Namespace) -> None:
    work = Path(tempfile.mkdtemp(prefix="patron-bench-"))
    pg_base = os.environ.get("PATRON_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    pg_name = ""
    if args.postgres:
        pg_name, database_url = await create_scratch_postgres(pg_base, "patron_bench")
    else:
        database_url = f"sqlite://{work / 'bench.db'}"
    env = {
        "DATABASE_URL": database_url,
        "PATRON_ENV": "production",
        "PATRON_SECRET_KEY": secrets.token_urlsafe(48),
        "PATRON_VAR_DIR": str(work / "var"),
    }
    server = ServerProcess(env, work / "server.log", workers=args.workers)
    try:
        await server.start()
        created = await asyncio.create_subprocess_exec(
            PATRON, "partner", "create", "Bench Shop", "--scope", "purchases:write",
            env={**os.environ, **env}, stdout=asyncio.subprocess.PIPE,
        )
        out, _ = await created.communicate()
        key = out.decode().strip().splitlines()[-1]  # the key is the last line
        print(f"Patron bench: {'PostgreSQL' if args.postgres else 'SQLite'}, {args.workers} worker(s), "
              f"{args.concurrency} concurrent clients, {os.cpu_count()} CPU(s)")
        print(f"server RSS after start: {server_rss_mib(server.pid):.1f} MiB")
        await measure(server, key, args)
        if args.log:
            print(server.log_tail(10))
    finally:
        await server.stop()
        if pg_name:
            await drop_scratch_postgres(pg_base, pg_name)


async def measure(server: ServerProcess, key: str, args: argparse.Namespace) -> None:
    limits = httpx.Limits(max_connections=args.concurrency, max_keepalive_connections=args.concurrency)
    rng = random.Random(7)
    async with httpx.AsyncClient(base_url=server.url, timeout=60, limits=limits) as http:

        async def post(query: str, variables: dict, headers: dict, field: str) -> dict | None:
            response = await http.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
            if response.status_code != 200:
                return None
            body = response.json()
            payload = (body.get("data") or {}).get(field)
            if body.get("errors") or payload is None or payload.get("userErrors"):
                return None
            return payload

        tokens: list[str] = []

        def sign_up(i: int) -> Callable[[], Awaitable[bool]]:
            async def call() -> bool:
                variables = {"input": {"email": f"bench{i}@example.com", "password": "bench-password-1",
                                       "displayName": f"Bench {i}"}}
                payload = await post(SIGN_UP, variables, {}, "signUp")
                if payload:
                    tokens.append(payload["token"])
                return payload is not None
            return call

        partner = {"X-Partner-Key": key}

        def purchase(i: int) -> Callable[[], Awaitable[bool]]:
            async def call() -> bool:
                amount = f"{rng.randint(10, 900)}.{rng.randint(0, 99):02d}"
                email = f"bench{i % args.members}@example.com"
                variables = {"input": {"memberEmail": email, "orderId": f"B-{i}", "amount": amount}}
                return await post(RECORD_PURCHASE, variables, partner, "recordPurchase") is not None
            return call

        def dashboard(token: str) -> Callable[[], Awaitable[bool]]:
            async def call() -> bool:
                response = await http.post("/graphql", json={"query": DASHBOARD},
                                           headers={"Authorization": f"Bearer {token}"})
                return response.status_code == 200 and not response.json().get("errors")
            return call

        def check_in(token: str) -> Callable[[], Awaitable[bool]]:
            async def call() -> bool:
                return await post(CHECK_IN, {}, {"Authorization": f"Bearer {token}"}, "checkIn") is not None
            return call

        phases = [
            ("signUp", lambda: [sign_up(i) for i in range(args.members)]),
            ("recordPurchase", lambda: [purchase(i) for i in range(args.purchases)]),
            ("dashboard query", lambda: [dashboard(rng.choice(tokens)) for _ in range(args.dashboards)]),
            ("dashboard, 1 client", lambda: [dashboard(rng.choice(tokens)) for _ in range(args.dashboards // 10)]),
            ("checkIn", lambda: [check_in(t) for t in tokens]),
        ]
        peak = 0.0
        for name, make in phases:
            result = await run_phase(name, make(), 1 if "1 client" in name else args.concurrency)
            rss = server_rss_mib(server.pid)
            peak = max(peak, rss)
            print(f"{result.line()}  RSS {rss:6.1f} MiB")
        print(f"server RSS peak (sampled after each phase): {peak:.1f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", action="store_true", help="use a throw-away PostgreSQL database")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--purchases", type=int, default=2000)
    parser.add_argument("--dashboards", type=int, default=3000)
    parser.add_argument("--log", action="store_true", help="print the end of the server log")
    asyncio.run(bench(parser.parse_args()))


if __name__ == "__main__":
    main()

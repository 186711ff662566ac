"""Patron at a million members: build time, flat reads, nightly jobs under load, workers, memory.

    .venv/bin/python bench/scale.py                          # SQLite: 1k and 1M members (about 15 min)
    .venv/bin/python bench/scale.py --members 100000         # a smaller "large" database
    .venv/bin/python bench/scale.py --postgres               # PostgreSQL, with 1/2/4 workers
    .venv/bin/python bench/scale.py --keep /tmp/scale        # keep (and reuse) the databases there

1. ``patron demo --members N`` builds the large database (timed; ~20 ledger rows a member).
2. The dashboard query against 1k and N members: p50/p99 at 1 and 32 connections (wrk), and
   the SQL statements one dashboard request costs on each (they must be equal).
3. At N members: the first page of a member's ledger and the console's member search (when the
   API has it), p50 at one connection.
4. Nightly work at N members — every job ``patron jobs list`` knows among expiry, tiers,
   birthdays and the insight snapshot — timed one by one while wrk loads the dashboard; the
   dashboard's p99 during the jobs against its idle p99.
5. PostgreSQL only: dashboard throughput with 1, 2 and 4 workers, and RSS per worker.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import loadgen  # noqa: E402
from ratio import bearer_headers, body  # noqa: E402

from tests.server_process import PATRON, ServerProcess  # noqa: E402
from tests.test_dashboard_queries import DASHBOARD  # noqa: E402

LEDGER_PAGE = (
    "query { viewer { points { ledger(first: 20) { totalCount pageInfo { endCursor hasNextPage } "
    "edges { node { id kind delta balanceAfter description createdAt expiresOn } } } } } }"
)
# The console's member search (issue 10): measured when the API has it.
MEMBER_SEARCH = (
    'query { members(first: 20, filter: { search: "%TERM%" }) { totalCount edges { node { id email displayName } } } }'
)
NIGHTLY_JOBS = ("expiry", "tiers", "birthdays", "insight-snapshot", "snapshot", "insight")


def patron(env: dict[str, str], *args: str, timeout: float = 3600) -> subprocess.CompletedProcess:
    return subprocess.run([PATRON, *args], env={**os.environ, **env}, capture_output=True, text=True,
                          timeout=timeout, check=False)


async def database(
    name: str, members: int, keep: Path, postgres: bool, base: str
) -> tuple[str, tuple[float, float] | None]:
    """A migrated database with ``members`` synthetic members; its URL and build (seconds, CPU seconds), or None."""
    if postgres:
        import asyncpg

        url = f"{base.rsplit('/', 1)[0]}/patron_scale_{name}"
        conn = await asyncpg.connect(base)
        try:
            exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", f"patron_scale_{name}")
            if not exists:
                await conn.execute(f'CREATE DATABASE "patron_scale_{name}"')
        finally:
            await conn.close()
    else:
        url = f"sqlite://{keep / f'{name}.db'}"
    env = {"DATABASE_URL": url, "PATRON_VAR_DIR": str(keep / "var")}
    done = patron(env, "migrate")
    if done.returncode:
        raise SystemExit(done.stderr)
    started, cpu = time.monotonic(), _children_cpu()
    done = patron(env, "demo", "--members", str(members))
    if done.returncode:
        raise SystemExit(done.stderr)
    took, cpu = time.monotonic() - started, _children_cpu() - cpu
    reused = "already there" in done.stdout
    # CPU seconds (the writer's and the generator's) say what a quiet machine would take.
    print(f"{name}: {done.stdout.strip().splitlines()[-1]} ({took:.0f} s, {cpu:.0f} CPU s)", flush=True)
    return url, None if reused else (took, cpu)


def _children_cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


async def tokens_for(url: str, count: int) -> tuple[list[str], str, str]:
    """API tokens for ``count`` members spread over the whole id range, plus a staff token and a search term."""
    os.environ["DATABASE_URL"] = url
    from server.accounts import tokens
    from server.core.database import close_db, init_db
    from server.models import AuthToken, Member, Role

    await init_db(url)
    try:
        top = (await Member.all().order_by("-id").first()).id
        step = max(1, top // count)
        chosen = await Member.filter(id__in=list(range(1, top + 1, step))[:count], locale="en").values_list(
            "id", flat=True)
        now = datetime.now(UTC)
        secrets_ = []
        rows = []
        for member_id in chosen:
            secret = tokens.new_secret("pt_")
            secrets_.append(secret)
            rows.append(AuthToken(token_hash=tokens.digest(secret), member_id=member_id, kind="api",
                                  created_at=now, expires_at=now + timedelta(days=1)))
        staff = await Member.get(email="member0000001@example.com")
        await Member.filter(id=staff.id).update(role=Role.STAFF)
        staff_secret = tokens.new_secret("pt_")
        rows.append(AuthToken(token_hash=tokens.digest(staff_secret), member_id=staff.id, kind="api",
                              created_at=now, expires_at=now + timedelta(days=1)))
        await AuthToken.bulk_create(rows)
        sample = await Member.get(id=chosen[len(chosen) // 2])
        return secrets_, staff_secret, sample.email.split("@")[0][-5:]
    finally:
        await close_db()


def serve(url: str, work: Path, workers: int = 1) -> ServerProcess:
    env = {"DATABASE_URL": url, "PATRON_ENV": "production", "PATRON_SECRET_KEY": secrets.token_urlsafe(48),
           "PATRON_VAR_DIR": str(work / "var"), "PATRON_JOBS_INTERVAL": "0", "PATRON_OUTBOX_INTERVAL": "0"}
    return ServerProcess(env, work / f"serve-{workers}.log", workers=workers)


async def works(url: str, query: str, token: str) -> bool:
    import httpx

    async with httpx.AsyncClient(timeout=60) as client:
        answer = await client.post(f"{url}/graphql", json={"query": query},
                                   headers={"Authorization": f"Bearer {token}"})
    return answer.status_code == 200 and not answer.json().get("errors")


def worker_rss(pgid: int) -> list[float]:
    """RSS (MiB) of each process in the server's group (the parent, then each worker)."""
    sizes = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            if int(stat[stat.rindex(")") + 2:].split()[2]) != pgid:
                continue
            for line in (entry / "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    sizes.append(int(line.split()[1]) / 1024)
        except (OSError, ValueError):
            continue
    return sizes


async def measure(args: argparse.Namespace) -> dict:
    keep = Path(args.keep or tempfile.mkdtemp(prefix="patron-scale-"))
    keep.mkdir(parents=True, exist_ok=True)
    base = os.environ.get("PATRON_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    results: dict = {"date": datetime.now(UTC).isoformat(timespec="seconds"), "members": args.members,
                     "database": "postgresql" if args.postgres else "sqlite", "rows": {}}
    rows = results["rows"]
    small_url, _ = await database("1k", 1000, keep, args.postgres, base)
    big_url, built = await database(f"{args.members // 1000}k", args.members, keep, args.postgres, base)
    if built is not None:
        rows["build_seconds"], rows["build_cpu_seconds"] = round(built[0]), round(built[1])
    secs = args.seconds
    for label, url in (("1k", small_url), ("large", big_url)):
        member_tokens, staff, term = await tokens_for(url, 50)
        server = serve(url, keep)
        await server.start()
        try:
            lua = loadgen.script(template=body(DASHBOARD), headers=bearer_headers(member_tokens))
            for connections in (1, 32):
                result = loadgen.run(f"{server.url}/graphql", lua, connections=connections, seconds=secs)
                rows[f"dashboard {label}, {connections} conn"] = result.row()
                print(f"dashboard at {label:<6} {connections:>2} conn: {result.rps:7.1f} req/s  "
                      f"p50 {result.p50:6.2f} ms  p99 {result.p99:7.2f} ms", flush=True)
            if label == "large":
                jobs = 0 if args.skip_jobs else args.job_timeout
                await large_only(server, member_tokens, staff, term, big_url, rows, secs, keep, jobs)
        finally:
            await server.stop()
    one_k, large = rows["dashboard 1k, 1 conn"]["p50_ms"], rows["dashboard large, 1 conn"]["p50_ms"]
    rows["p50_large_over_1k"] = round(large / one_k, 2)
    print(f"dashboard p50 at {args.members} members / at 1k: {large / one_k:.2f}x", flush=True)
    if args.postgres:
        await scale_out(big_url, keep, rows, secs)
    return results


async def large_only(server: ServerProcess, member_tokens: list[str], staff: str, term: str, url: str,
                     rows: dict, secs: float, keep: Path, job_timeout: float) -> None:
    ledger = loadgen.script(template=body(LEDGER_PAGE), headers=bearer_headers(member_tokens))
    result = loadgen.run(f"{server.url}/graphql", ledger, connections=1, seconds=secs)
    rows["ledger first page, 1 conn"] = result.row()
    print(f"ledger first page, 1 conn: p50 {result.p50:.2f} ms  p99 {result.p99:.2f} ms", flush=True)
    search = MEMBER_SEARCH.replace("%TERM%", term)
    if await works(server.url, search, staff):
        lua = loadgen.script(template=body(search), headers=bearer_headers([staff]))
        result = loadgen.run(f"{server.url}/graphql", lua, connections=1, seconds=secs)
        rows["member search, 1 conn"] = result.row()
        print(f"member search {term!r}, 1 conn: p50 {result.p50:.2f} ms  p99 {result.p99:.2f} ms", flush=True)
    else:
        print("member search: not in this API yet (console, issue 10)", flush=True)
    await nightly(server, member_tokens, url, rows, secs, keep, job_timeout)


async def nightly(server: ServerProcess, member_tokens: list[str], url: str, rows: dict, secs: float,
                  keep: Path, job_timeout: float) -> None:
    if job_timeout <= 0:
        return
    env = {"DATABASE_URL": url, "PATRON_VAR_DIR": str(keep / "var")}
    listed = patron(env, "jobs", "list").stdout.splitlines()
    names = [line.split("\t")[0] for line in listed if line.split("\t")[0] in NIGHTLY_JOBS]
    lua = loadgen.script(template=body(DASHBOARD), headers=bearer_headers(member_tokens))
    idle = loadgen.run(f"{server.url}/graphql", lua, connections=32, seconds=secs)
    rows["dashboard idle, 32 conn"] = idle.row()
    written = ("SELECT (SELECT COUNT(*) FROM ledger_entry) + (SELECT COUNT(*) FROM notification)"
               " + (SELECT COUNT(*) FROM outbox_message)")
    for name in names:
        before = await count(url, written)
        started = time.monotonic()
        job = subprocess.Popen([*loadgen.pinned(loadgen.CLIENT_CPU), PATRON, "jobs", "run", "--only", name],
                               env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        during = await asyncio.to_thread(loadgen.run, f"{server.url}/graphql", lua, connections=32,
                                         seconds=secs)
        try:
            out, _ = await asyncio.to_thread(job.communicate, timeout=max(1.0, job_timeout - secs))
        except subprocess.TimeoutExpired:
            job.terminate()  # the job stops at its next batch boundary; the figure says it did not finish
            out, _ = await asyncio.to_thread(job.communicate)
            out = f"did not finish within {job_timeout:.0f} s (stopped) {out}"
        took = time.monotonic() - started
        rows_written = await count(url, written) - before
        rows[f"job {name}"] = {"seconds": round(took, 1), "summary": out.strip(), "dashboard_during": during.row(),
                               "p99_over_idle": round(during.p99 / idle.p99, 2), "rows_written": rows_written}
        print(f"job {name:<18} {took:6.1f} s  {rows_written} ledger/notification/outbox rows  dashboard p99 during it "
              f"{during.p99:7.2f} ms ({during.p99 / idle.p99:.2f}x idle)  {out.strip()[:100]}", flush=True)


async def count(url: str, sql: str) -> int:
    if url.startswith("sqlite"):
        import sqlite3

        with sqlite3.connect(url.split("://", 1)[1], timeout=60) as conn:
            return int(conn.execute(sql).fetchone()[0])
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        return int(await conn.fetchval(sql))
    finally:
        await conn.close()


async def scale_out(url: str, keep: Path, rows: dict, secs: float) -> None:
    member_tokens, _, _ = await tokens_for(url, 50)
    lua = loadgen.script(template=body(DASHBOARD), headers=bearer_headers(member_tokens))
    base = None
    for workers in (1, 2, 4):
        server = serve(url, keep, workers)
        await server.start()
        try:
            await asyncio.sleep(2 * workers)  # every worker up
            result = loadgen.run(f"{server.url}/graphql", lua, connections=64, seconds=secs)
            sizes = worker_rss(server.pid)
        finally:
            await server.stop()
        base = base or result.rps
        rows[f"postgres {workers} workers, 64 conn"] = {**result.row(), "speed_up": round(result.rps / base, 2),
                                                         "rss_mib": [round(s, 1) for s in sizes]}
        print(f"{workers} worker(s): {result.rps:7.1f} req/s ({result.rps / base:.2f}x)  p99 {result.p99:7.2f} ms  "
              f"RSS per process {', '.join(f'{s:.0f}' for s in sizes)} MiB", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--keep", help="build (or reuse) the databases in this folder")
    parser.add_argument("--job-timeout", type=float, default=600, help="stop a nightly job after this many seconds")
    parser.add_argument("--skip-jobs", action="store_true", help="leave out the nightly jobs")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    results = asyncio.run(measure(args))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()

"""The insight snapshot at scale: how long every member's RFM scores, segment and stage take.

    .venv/bin/python bench/insight_bench.py                          # SQLite, 100k members
    .venv/bin/python bench/insight_bench.py --members 1000000        # 1M members / ~20M ledger rows
    .venv/bin/python bench/insight_bench.py --postgres               # PostgreSQL (PATRON_TEST_POSTGRES_URL)
    .venv/bin/python bench/insight_bench.py --keep /tmp/insight      # keep (and reuse) the database there

1. ``patron demo --members N`` builds the database (reused when kept; it takes the demo snapshot).
2. ``patron insight snapshot`` runs ``--runs`` times (default 2): wall seconds, the snapshot's own
   seconds; and the member export (``patron export members``) once, timed.
Prints one JSON object at the end (the figures BENCHMARKS.md quotes).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.server_process import PATRON  # noqa: E402

POSTGRES = os.environ.get("PATRON_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")


def patron(env: dict[str, str], *args: str, stdout=subprocess.PIPE) -> subprocess.CompletedProcess:
    return subprocess.run([PATRON, *args], env={**os.environ, **env}, stdout=stdout, stderr=subprocess.PIPE,
                          text=True, timeout=7200, check=True)


async def postgres_url(members: int) -> str:
    import asyncpg

    name = f"patron_insight_{members}"
    conn = await asyncpg.connect(POSTGRES)
    try:
        if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return f"{POSTGRES.rsplit('/', 1)[0]}/{name}"


async def table_sizes(url: str) -> dict[str, int]:
    from server.core.database import close_db, init_db
    from server.core.prepared import Statement

    await init_db(url)
    try:
        return {table: int((await Statement(f"SELECT COUNT(*) FROM {table}").one())[0])
                for table in ("member", "purchase", "ledger_entry")}
    finally:
        await close_db()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--keep", type=Path, default=None)
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    keep = args.keep or Path(tempfile.mkdtemp(prefix="patron-insight-bench-"))
    keep.mkdir(parents=True, exist_ok=True)
    sqlite_url = f"sqlite://{keep / f'insight-{args.members}.db'}"
    url = asyncio.run(postgres_url(args.members)) if args.postgres else sqlite_url
    env = {"DATABASE_URL": url, "PATRON_VAR_DIR": str(keep / "var")}
    figures: dict[str, object] = {"database": "postgres" if args.postgres else "sqlite", "members": args.members}

    patron(env, "migrate")
    started = time.monotonic()
    built = patron(env, "demo", "--members", str(args.members))
    figures["build_seconds"] = round(time.monotonic() - started, 1)
    figures["demo_snapshot"] = built.stdout.strip().splitlines()[-1]
    os.environ["DATABASE_URL"] = url
    figures["rows"] = asyncio.run(table_sizes(url))
    print(json.dumps(figures), flush=True)

    runs = []
    for _ in range(args.runs):
        started = time.monotonic()
        done = patron(env, "insight", "snapshot")
        wall = time.monotonic() - started
        own = re.search(r"\(([\d.]+)s\)", done.stdout)
        runs.append({"wall_seconds": round(wall, 1), "snapshot_seconds": float(own.group(1)) if own else None,
                     "summary": done.stdout.strip()})
        print(json.dumps(runs[-1]), flush=True)
    figures["snapshots"] = runs

    started = time.monotonic()
    with open(os.devnull, "w") as sink:
        patron(env, "export", "members", stdout=sink)
    figures["export_all_seconds"] = round(time.monotonic() - started, 1)
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()

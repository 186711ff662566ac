"""Time ``Query.kpis`` over 365, 90 and 30 days on a large database (SQLite or PostgreSQL).

    .venv/bin/python bench/kpis_bench.py --database sqlite:///tmp/kpis/100k.db --members 100000
    .venv/bin/python bench/kpis_bench.py --database postgres://postgres@127.0.0.1:5432/kpis100k --members 100000

The database is built with ``patron demo --members N`` first when it has fewer members (about
20 ledger rows, 14 purchases and 5 check-ins a member). Then each span is run ``--repeat`` times
through the domain verb (the SQL the API runs, role check included);
the table gives the best and median wall time per span, and the CPU time of this process (all of
SQLite's work, which runs in-process; only the client's share on PostgreSQL): on a busy machine
the CPU column is what a quiet one would show as wall time.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PATRON = str(ROOT / ".venv" / "bin" / "patron")


def build(database: str, members: int) -> None:
    env = {**os.environ, "DATABASE_URL": database}
    subprocess.run([PATRON, "migrate"], env=env, check=True)
    started = time.perf_counter()
    subprocess.run([PATRON, "demo", "--members", str(members)], env=env, check=True, stdout=subprocess.DEVNULL)
    print(f"built: patron demo --members {members} in {time.perf_counter() - started:.0f} s", file=sys.stderr)


async def measure(database: str, members: int, repeat: int) -> list[str]:
    os.environ["DATABASE_URL"] = database
    from server.core.database import close_db, init_db
    from server.insight import kpis
    from server.models import LedgerEntry, Member, Role

    await init_db(database)
    try:
        have = await Member.filter(role=Role.MEMBER).count()
        if have < members:
            await close_db()
            build(database, members)
            await init_db(database)
            have = await Member.filter(role=Role.MEMBER).count()
        staff = await Member.filter(role=Role.STAFF).first() or await Member.first()
        staff.role = Role.STAFF  # in memory only: the verb checks the actor's role
        ledger_rows = await LedgerEntry.all().count()
        from server.core import clock

        today = clock.now().date()
        engine = "SQLite" if database.startswith("sqlite") else "PostgreSQL"
        lines = [f"{engine}: {have:,} members, {ledger_rows:,} ledger rows",
                 "| span | granularity | best | median | this process's CPU (best) | runs |",
                 "|---|---|---|---|---|---|"]
        for days in (365, 90, 30):
            first = today - timedelta(days=days - 1)
            times, cpu = [], []
            for _ in range(repeat):
                started, started_cpu = time.perf_counter(), time.process_time()
                figures = await kpis.programme_kpis(staff, first, today)
                times.append(time.perf_counter() - started)
                cpu.append(time.process_time() - started_cpu)
            lines.append(f"| {days} days | {figures.granularity.value.lower()} | {min(times):.2f} s | "
                         f"{statistics.median(times):.2f} s | {min(cpu):.2f} s | {repeat} |")
            print(f"{days} days: active {figures.active_members:,}, issued {figures.points_issued:,}, "
                  f"revenue {figures.revenue}, outstanding {figures.points_outstanding:,}", file=sys.stderr)
        return lines
    finally:
        await close_db()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", required=True, help="DATABASE_URL of the (kept) bench database")
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("PATRON_SECRET_KEY", "bench-secret-key-" + "x" * 32)
    for line in asyncio.run(measure(args.database, args.members, args.repeat)):
        print(line)


if __name__ == "__main__":
    main()

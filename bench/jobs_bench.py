"""A day's nightly jobs at scale: expiry, expiry warnings, tier reviews and notices, birthdays, anniversaries.

    .venv/bin/python bench/jobs_bench.py                         # SQLite, 100k members
    .venv/bin/python bench/jobs_bench.py --members 1000000       # a million (the build takes ~20 min)
    .venv/bin/python bench/jobs_bench.py --postgres              # PostgreSQL (PATRON_BENCH_POSTGRES_URL)
    .venv/bin/python bench/jobs_bench.py --keep /tmp/jobs-bench  # keep (and reuse) the built databases there

The database is built once with ``patron demo --members N`` and copied before each measurement,
so every run starts from the same state. Each job runs as cron would run it
(``patron jobs run --only NAME``, a process of its own) three times:

1. **first run** — the backlog a fresh deployment finds: the demo leaves lapsed lots unbooked,
   and members above the base tier have no stored review day yet;
2. **next day** (``PATRON_CLOCK_OFFSET=P1D``) — one ordinary day's work;
3. **after a week down** (``P8D``) — seven missed days caught up in one run.

The figures are the wall time of the job inside the process (``patron jobs run`` prints it) and
the CPU seconds of the whole ``patron`` process (start-up included: about 1-2 s), steadier on a
busy machine; the job's own summary says how much it did. The database server's own CPU
(PostgreSQL) is not in the second figure.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.server_process import PATRON  # noqa: E402

JOBS = ("expiry", "expiry-warnings", "tiers", "tier-notices", "birthdays", "anniversaries")
PASSES = (("first run", ""), ("next day", "P1D"), ("after a week down", "P8D"))


def patron(env: dict[str, str], *args: str, timeout: float = 7200) -> subprocess.CompletedProcess:
    return subprocess.run([PATRON, *args], env={**os.environ, **env}, capture_output=True, text=True,
                          timeout=timeout, check=False)


async def _postgres(base: str, name: str, template: str | None = None) -> str:
    import asyncpg

    conn = await asyncpg.connect(base)
    try:
        if template:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            await conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        elif not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return f"{base.rsplit('/', 1)[0]}/{name}"


def build(members: int, keep: Path, postgres: str | None) -> str:
    """The built database's URL (built once; reused when it is already there)."""
    name = f"jobs_{members}"
    url = asyncio.run(_postgres(postgres, f"patron_{name}")) if postgres else f"sqlite://{keep / f'{name}.db'}"
    env = {"DATABASE_URL": url, "PATRON_VAR_DIR": str(keep / "var")}
    for args in (("migrate",), ("demo", "--members", str(members))):
        started = time.monotonic()
        done = patron(env, *args)
        if done.returncode:
            raise SystemExit(done.stderr)
        if args[0] == "demo":
            print(f"build: {done.stdout.strip().splitlines()[-1]} ({time.monotonic() - started:.0f} s)", flush=True)
    return url


def fresh_copy(url: str, keep: Path, postgres: str | None) -> str:
    """A copy of the built database to run the jobs on."""
    if postgres:
        source = url.rsplit("/", 1)[1]
        return asyncio.run(_postgres(postgres, f"{source}_run", template=source))
    source = Path(url.removeprefix("sqlite://"))
    target = keep / "run.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
        if Path(f"{source}{suffix}").exists():
            shutil.copyfile(f"{source}{suffix}", f"{target}{suffix}")
    return f"sqlite://{target}"


def _children_cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_jobs(url: str, keep: Path) -> list[tuple[str, str, float, float, str]]:
    """(pass, job, wall seconds of the job, CPU seconds of the whole ``patron`` process, summary)."""
    rows = []
    for label, offset in PASSES:
        env = {"DATABASE_URL": url, "PATRON_VAR_DIR": str(keep / "var"), "PATRON_CLOCK_OFFSET": offset}
        for job in JOBS:
            cpu = _children_cpu()
            done = patron(env, "jobs", "run", "--only", job)
            cpu = _children_cpu() - cpu
            line = (done.stdout.strip().splitlines() or ["?\tfailed\t0s\t" + done.stderr[-300:]])[-1]
            name, status, seconds, summary = (line.split("\t") + ["", "", "", ""])[:4]
            rows.append((label, job, float(seconds.rstrip("s") or 0), cpu, f"{status}: {summary}"))
            print(f"{label:18} {job:16} {seconds:>9} {cpu:7.1f} CPU s  {status}: {summary}", flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--postgres", action="store_true", help="on PostgreSQL instead of SQLite")
    parser.add_argument("--keep", type=Path, default=Path("/tmp/patron-jobs-bench"))
    args = parser.parse_args()
    args.keep.mkdir(parents=True, exist_ok=True)
    postgres = (
        os.environ.get("PATRON_BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
        if args.postgres
        else None
    )
    built = build(args.members, args.keep, postgres)
    url = fresh_copy(built, args.keep, postgres)
    rows = run_jobs(url, args.keep)
    backend = "PostgreSQL" if postgres else "SQLite"
    print(f"\n| pass | job | wall s at {args.members:,} members ({backend}) | CPU s (process) | what it did |")
    print("| --- | --- | --- | --- | --- |")
    for label, job, seconds, cpu, summary in rows:
        print(f"| {label} | `{job}` | {seconds:.2f} | {cpu:.1f} | {summary} |")
    for label, _ in PASSES:
        total = sum(seconds for pass_label, _, seconds, _, _ in rows if pass_label == label)
        cpu = sum(cpu for pass_label, _, _, cpu, _ in rows if pass_label == label)
        print(f"| {label} | all six | **{total:.1f}** | {cpu:.1f} | |")


if __name__ == "__main__":
    main()

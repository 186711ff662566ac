"""Readiness: the database answers and every migration on disk has been applied to it.

Liveness needs nothing (the process answering is the answer). Readiness is what a load
balancer asks before sending traffic: a worker whose database is down, or one started from a
newer release before ``patron migrate`` ran, says why and gets no requests.
"""

from __future__ import annotations

import asyncio
import functools
import re
from pathlib import Path

from tortoise import Tortoise

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent.parent / "migrations"
MIGRATIONS_TABLE = "tortoise_migrations"
APP = "models"
TIMEOUT = 3.0  # seconds: a probe that hangs is as good as a failed one
_MIGRATION_FILE = re.compile(r"^(\d{4}_\w+)\.py$")


@functools.lru_cache(maxsize=1)
def migrations_on_disk() -> tuple[str, ...]:
    """The migration names this release ships (``0001_initial`` …)."""
    names = (_MIGRATION_FILE.match(path.name) for path in MIGRATIONS_DIR.iterdir())
    return tuple(sorted(match.group(1) for match in names if match))


async def applied_migrations() -> set[str]:
    """Names recorded in the migrations table; raises if the table is missing."""
    conn = Tortoise.get_connection("default")
    _, rows = await conn.execute_query(f"SELECT name FROM {MIGRATIONS_TABLE} WHERE app = '{APP}'")  # noqa: S608
    return {row["name"] for row in rows}


async def readiness() -> str | None:
    """None when ready, else the reason (one line, no secrets)."""
    try:
        async with asyncio.timeout(TIMEOUT):
            conn = Tortoise.get_connection("default")
            await conn.execute_query("SELECT 1")
            try:
                applied = await applied_migrations()
            except Exception:
                return "database has no migrations table: run patron migrate"
    except TimeoutError:
        return f"database did not answer within {TIMEOUT:g} s"
    except Exception as exc:
        return f"database unavailable: {type(exc).__name__}"
    pending = [name for name in migrations_on_disk() if name not in applied]
    if pending:
        return f"{len(pending)} migration(s) not applied ({', '.join(pending)}): run patron migrate"
    return None

"""The migrations build the database the models describe, indexes included.

SQLite cannot alter a column in place, so a migration that alters a field rebuilds the table;
Tortoise's rebuild does not recreate the table's indexes. Every hot read path depends on those
indexes (tests/performance/test_read_plans.py), so this test compares a database built by the
migrations with one built straight from the models and names any index the migrations lost.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

GENERATE = """
import asyncio, sys
from tortoise import Tortoise
from server.core.database import tortoise_config

async def main() -> None:
    await Tortoise.init(config=tortoise_config(sys.argv[1]))
    await Tortoise.generate_schemas()
    await Tortoise.close_connections()

asyncio.run(main())
"""

MIGRATE = """
import asyncio, sys
from server.core.database import migrate
asyncio.run(migrate(sys.argv[1]))
"""


def _indexes(path: Path) -> set[tuple[str, tuple[str, ...], bool]]:
    """(table, columns, unique) of every index in the SQLite file at ``path``."""
    with sqlite3.connect(path) as conn:
        tables = [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        found = set()
        for table in tables:
            for _, name, unique, *_ in conn.execute(f'PRAGMA index_list("{table}")'):
                columns = tuple(row[2] for row in conn.execute(f'PRAGMA index_info("{name}")'))
                found.add((table, columns, bool(unique)))
        return found


def _build(script: str, path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite://{path}"}
    subprocess.run(
        [sys.executable, "-c", script, f"sqlite://{path}"], cwd=ROOT, env=env, check=True, timeout=300
    )


def test_migrations_keep_every_index_the_models_declare(tmp_path: Path) -> None:
    migrated, generated = tmp_path / "migrated.db", tmp_path / "generated.db"
    _build(MIGRATE, migrated)
    _build(GENERATE, generated)

    lost = _indexes(generated) - _indexes(migrated)

    assert not lost, f"indexes the models declare but the migrated database lacks: {sorted(lost)}"

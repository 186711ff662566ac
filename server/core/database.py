"""Database set-up: the Tortoise configuration for a URL, start-up, migrations and shutdown.

SQLite (the embedded default) runs in WAL mode with ``synchronous=FULL`` so that an
acknowledged write survives a crash, and a generous busy timeout so that writers from
several worker processes wait for each other rather than fail.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from tortoise import Tortoise
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.migrations.api import migrate as run_migrations

from server.core.config import get_settings

MODELS = ["server.models"]
SQLITE_BUSY_TIMEOUT_MS = 30_000


def sqlite_path(url: str) -> str:
    return url.split("://", 1)[1].split("?", 1)[0]


def tortoise_config(database_url: str) -> dict[str, Any]:
    """The Tortoise configuration for ``database_url`` (``sqlite://…`` or ``postgres://…``)."""
    if database_url.startswith("sqlite://"):
        path = sqlite_path(database_url)
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        connection: Any = {
            "engine": "server.core.sqlite_engine",
            "credentials": {
                "file_path": path,
                "journal_mode": "WAL",
                "synchronous": "FULL",
                "busy_timeout": SQLITE_BUSY_TIMEOUT_MS,
                "foreign_keys": "ON",
            },
        }
    else:
        url = database_url.replace("postgresql://", "postgres://", 1)
        if "maxsize=" not in url:
            url += ("&" if "?" in url else "?") + "minsize=1&maxsize=10"
        connection = expand_db_url(url)
        connection["engine"] = "server.core.postgres_engine"  # no reset round trip per pooled statement
    return {
        "connections": {"default": connection},
        "apps": {
            "models": {
                "models": MODELS,
                "migrations": "migrations",
                "default_connection": "default",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


def __getattr__(name: str) -> Any:
    # ``tortoise`` CLI reads ``server.database.TORTOISE_ORM`` (see pyproject); computed lazily so
    # importing this module never touches the environment.
    if name == "TORTOISE_ORM":
        return tortoise_config(get_settings().database_url)
    raise AttributeError(name)


async def init_db(database_url: str | None = None) -> None:
    """Open the connections for this process."""
    url = database_url or get_settings().database_url
    await Tortoise.init(config=tortoise_config(url), _enable_global_fallback=True)


async def migrate(database_url: str | None = None, progress: Any = None) -> None:
    """Apply pending migrations (idempotent)."""
    url = database_url or get_settings().database_url
    try:
        await run_migrations(config=tortoise_config(url), progress=progress)
    finally:
        await Tortoise.close_connections()


async def close_db() -> None:
    await Tortoise.close_connections()


async def create_scratch_postgres(server_url: str, prefix: str) -> tuple[str, str]:
    """Create an empty, uniquely named database on the server at ``server_url``.

    Tests and benchmarks each get a throw-away database; returns its name and URL.
    """
    import secrets

    import asyncpg

    name = f"{prefix}_{os.getpid()}_{secrets.token_hex(3)}"
    conn = await asyncpg.connect(server_url)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return name, f"{server_url.rsplit('/', 1)[0]}/{name}"


async def drop_scratch_postgres(server_url: str, name: str) -> None:
    """Drop a database made by :func:`create_scratch_postgres`, closing its connections."""
    import asyncpg

    conn = await asyncpg.connect(server_url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()

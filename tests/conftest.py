"""Test set-up: a real database per run (SQLite, or PostgreSQL with PATRON_TEST_DB=postgres).

Each run gets a throw-away database, migrated with the project's own migrations; every test
starts from empty tables. Tests talk to the app over HTTP in-process (httpx + ASGI), so the
whole stack — middleware, GraphQL, services, database — is exercised.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

_VAR = Path(tempfile.mkdtemp(prefix="patron-test-"))
os.environ.setdefault("PATRON_ENV", "test")
os.environ.setdefault("PATRON_SECRET_KEY", "test-secret-key-" + "x" * 32)
os.environ["PATRON_VAR_DIR"] = str(_VAR)

import httpx  # noqa: E402
import pytest  # noqa: E402
from tortoise import Tortoise  # noqa: E402

from server.core.database import (  # noqa: E402
    close_db,
    create_scratch_postgres,
    drop_scratch_postgres,
    init_db,
    migrate,
)
from tests.support import Api  # noqa: E402

BACKEND = os.environ.get("PATRON_TEST_DB", "sqlite")
POSTGRES_URL = os.environ.get("PATRON_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")


def pytest_report_header(config: pytest.Config) -> str:
    return f"patron database backend: {BACKEND}"


@pytest.fixture(scope="session")
async def database_url() -> AsyncIterator[str]:
    """A freshly migrated database for this run, dropped afterwards."""
    if BACKEND == "postgres":
        name, url = await create_scratch_postgres(POSTGRES_URL, "patron_test")
    else:
        name, url = "", f"sqlite://{_VAR / 'test.db'}"
    os.environ["DATABASE_URL"] = url
    await migrate(url)
    await init_db(url)
    try:
        yield url
    finally:
        await close_db()
        if name:
            await drop_scratch_postgres(POSTGRES_URL, name)


def _tables() -> list[str]:
    return [model._meta.db_table for model in Tortoise.apps["models"].values()]


@pytest.fixture(autouse=True)
async def clean_tables(database_url: str) -> AsyncIterator[None]:
    """Every test starts with empty tables."""
    conn = Tortoise.get_connection("default")
    if BACKEND == "postgres":
        await conn.execute_script(f"TRUNCATE {', '.join(_tables())} RESTART IDENTITY CASCADE")
    else:
        await conn.execute_script(
            "PRAGMA foreign_keys=OFF;" + "".join(f"DELETE FROM {t};" for t in _tables()) + "PRAGMA foreign_keys=ON;"
        )
    yield


@pytest.fixture
def app(database_url: str):
    from server.app import create_app
    from server.core.config import load_settings

    return create_app(load_settings(), manage_db=False)


@pytest.fixture
async def http(app) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver", timeout=60) as client:
        yield client


@pytest.fixture
def api(http: httpx.AsyncClient) -> Api:
    return Api(http)

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
from tests.server_process import ServerProcess  # noqa: E402
from tests.support import Api  # noqa: E402

BACKEND = os.environ.get("PATRON_TEST_DB", "sqlite")
POSTGRES_URL = os.environ.get("PATRON_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")


def pytest_report_header(config: pytest.Config) -> str:
    return f"patron database backend: {BACKEND}"


# Markers whose tests run only when chosen by name (``-m fuzz_large``): `make test` never runs them.
OPT_IN_MARKERS = {
    "fuzz_large": "the large fuzz budget runs only with -m fuzz_large",
    "slow": "a scale test (it builds a large database): runs only with -m slow (make bench-scale)",
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    chosen = config.getoption("markexpr") or ""
    for item in items:
        for marker, reason in OPT_IN_MARKERS.items():
            if marker in item.keywords and (marker not in chosen or f"not {marker}" in chosen):
                item.add_marker(pytest.mark.skip(reason=reason))


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


@pytest.fixture
async def launch(database_url: str, tmp_path: Path) -> AsyncIterator:
    """Start real ``patron serve`` processes on this run's database; all are stopped when the test ends."""
    started: list[ServerProcess] = []
    env = {
        "DATABASE_URL": database_url,
        "PATRON_ENV": "test",
        "PATRON_SECRET_KEY": os.environ["PATRON_SECRET_KEY"],
        "PATRON_VAR_DIR": str(tmp_path / "var"),
    }

    async def start(workers: int = 1, port: int | None = None, **extra_env: str) -> ServerProcess:
        log = tmp_path / f"server-{len(started)}.log"
        server = ServerProcess({**env, **extra_env}, log, workers=workers, port=port)
        started.append(server)
        return await server.start()

    try:
        yield start
    finally:
        for server in started:
            await server.stop()

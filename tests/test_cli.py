"""The ``patron`` command, run as a real process against the test database.

Each test runs the installed console script (the contract's entry point, not the typer app
in-process) with DATABASE_URL pointing at this run's database, then checks what it printed,
its exit status and what it left in the database, through the API where that matters.
"""

from __future__ import annotations

import asyncio
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from schema.api import export_sdl
from server.models import LedgerEntry, Member, Partner, Purchase, Role
from tests.conftest import BACKEND
from tests.support import Api, Caller

PATRON = str(Path(sys.executable).with_name("patron"))
MEMBER_BY_EMAIL = "query Find($email: String!) { memberByEmail(email: $email) { email } }"
VIEWER_ROLE = "{ viewer { role } }"
LOG_IN = """
mutation LogIn($email: String!, $password: String!) {
  logIn(email: $email, password: $password) { token member { email points { balance } } userErrors { code } }
}
"""


@dataclass
class Run:
    code: int
    out: str
    err: str

    @property
    def last_line(self) -> str:
        return self.out.strip().splitlines()[-1]


async def patron(*args: str, env: dict[str, str] | None = None, limit: float = 120) -> Run:
    """Run the console script; ``env`` replaces the variables it names."""
    process = await asyncio.create_subprocess_exec(
        PATRON,
        *args,
        env={**os.environ, **(env or {})},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(), limit)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
    assert process.returncode is not None
    return Run(process.returncode, out.decode(), err.decode())


async def _file_contains(database: Path, text: str) -> bool:
    """Whether the database files hold ``text``, read by another process: closing a file this process
    opened would drop SQLite's POSIX locks on it and corrupt the test connection."""
    script = (
        "import pathlib, sys; p = pathlib.Path(sys.argv[1]); "
        "sys.exit(any(sys.argv[2].encode() in f.read_bytes() for f in p.parent.glob(p.name + '*')))"
    )
    process = await asyncio.create_subprocess_exec(sys.executable, "-c", script, str(database), text)
    return await process.wait() == 1


@pytest.fixture
def var_dir(tmp_path: Path) -> Path:
    return tmp_path / "var"


@pytest.fixture
def cli_env(database_url: str, var_dir: Path) -> dict[str, str]:
    return {"DATABASE_URL": database_url, "PATRON_VAR_DIR": str(var_dir)}


async def test_partner_create_prints_a_working_key_last_and_stores_only_its_hash(
    api: Api, cli_env: dict[str, str], database_url: str
) -> None:
    member = await api.member("buyer@example.com")

    run = await patron(
        "partner", "create", "Shop A", "--scope", "purchases:write", "--scope", "members:read", env=cli_env
    )

    assert run.code == 0, run.err
    key = run.last_line
    assert key.startswith("pk_") and len(key) >= 30
    partner = await Partner.get(name="Shop A")
    assert sorted(partner.scopes) == ["members:read", "purchases:write"]
    assert key not in str(await Partner.all().values())
    if BACKEND == "sqlite":
        assert not await _file_contains(Path(database_url.split("://", 1)[1]), key)
    found = await api.run(MEMBER_BY_EMAIL, {"email": member.email}, Caller({"X-Partner-Key": key}))
    assert found == {"memberByEmail": {"email": "buyer@example.com"}}
    purchase = await api.purchase(Caller({"X-Partner-Key": key}), "buyer@example.com", "100.00", "CLI-1")
    assert purchase["userErrors"] == [] and purchase["pointsEarned"] == 100


async def test_partner_create_refuses_an_unknown_scope_and_a_duplicate_name(cli_env: dict[str, str]) -> None:
    unknown = await patron("partner", "create", "Shop B", "--scope", "everything", env=cli_env)
    first = await patron("partner", "create", "Shop B", "--scope", "members:read", env=cli_env)
    again = await patron("partner", "create", "Shop B", "--scope", "members:read", env=cli_env)

    assert unknown.code == 1 and "everything" in unknown.err and len(unknown.err.strip().splitlines()) == 1
    assert first.code == 0
    assert again.code == 1 and "already exists" in again.err
    assert await Partner.filter(name="Shop B").count() == 1


async def test_partner_list_and_revoke(api: Api, cli_env: dict[str, str]) -> None:
    created = await patron("partner", "create", "Shop C", "--scope", "members:read", env=cli_env)
    await patron("partner", "create", "Shop D", "--scope", "purchases:write", env=cli_env)
    key = created.last_line
    await api.member("seen@example.com")

    revoked = await patron("partner", "revoke", "Shop C", env=cli_env)
    listed = await patron("partner", "list", env=cli_env)
    missing = await patron("partner", "revoke", "Nobody", env=cli_env)

    assert revoked.code == 0 and "Shop C" in revoked.out
    rows = {line.split("\t")[0]: line.split("\t") for line in listed.out.strip().splitlines()}
    assert rows["Shop C"][2] == "revoked" and rows["Shop D"][2] == "active"
    assert rows["Shop D"][3] == "purchases:write"
    assert key not in listed.out and rows["Shop C"][1].startswith(key[:10])
    assert (await Partner.get(name="Shop C")).revoked_at is not None
    found = await api.run(MEMBER_BY_EMAIL, {"email": "seen@example.com"}, Caller({"X-Partner-Key": key}))
    assert found == {"memberByEmail": None}
    assert missing.code == 1 and "Nobody" in missing.err and "Traceback" not in missing.err


async def test_staff_grant_and_revoke(api: Api, cli_env: dict[str, str]) -> None:
    member = await api.member("Clerk@Example.com")

    granted = await patron("staff", "grant", "clerk@example.com", env=cli_env)
    as_staff = await api.run(VIEWER_ROLE, caller=member)
    revoked = await patron("staff", "revoke", "CLERK@example.com", env=cli_env)
    as_member = await api.run(VIEWER_ROLE, caller=member)
    unknown = await patron("staff", "grant", "ghost@example.com", env=cli_env)

    assert granted.code == 0 and revoked.code == 0
    assert as_staff == {"viewer": {"role": "STAFF"}}
    assert as_member == {"viewer": {"role": "MEMBER"}}
    assert (await Member.get(email="clerk@example.com")).role is Role.MEMBER
    assert unknown.code == 1 and "ghost@example.com" in unknown.err and "Traceback" not in unknown.err


async def test_demo_is_idempotent_and_its_member_can_log_in(api: Api, cli_env: dict[str, str]) -> None:
    first = await patron("demo", env=cli_env)
    counts = [await Member.all().count(), await Partner.all().count(), await Purchase.all().count()]
    entries = await LedgerEntry.all().count()

    second = await patron("demo", env=cli_env)

    assert first.code == 0, first.err
    assert second.code == 0, second.err
    assert "demo@example.com" in first.out and "created" in first.out
    assert "already there" in second.out
    assert [await Member.all().count(), await Partner.all().count(), await Purchase.all().count()] == counts
    assert await LedgerEntry.all().count() == entries
    assert counts[2] >= 1 and entries >= 2
    data = await api.run(LOG_IN, {"email": "demo@example.com", "password": "demo-password"})
    assert data["logIn"]["userErrors"] == []
    assert data["logIn"]["token"]
    assert data["logIn"]["member"]["points"]["balance"] > 0


async def test_export_schema_writes_the_sdl(tmp_path: Path, cli_env: dict[str, str]) -> None:
    target = tmp_path / "out.graphql"

    written = await patron("export-schema", "--output", str(target), env=cli_env)
    fresh = await patron("export-schema", "--check", "--output", str(target), env=cli_env)
    target.write_text(target.read_text() + "\ntype Stale { x: Int }\n")
    stale = await patron("export-schema", "--check", "--output", str(target), env=cli_env)

    assert written.code == 0 and str(target) in written.out
    assert target.read_text().startswith(export_sdl())
    assert fresh.code == 0
    assert stale.code == 1 and "stale" in stale.err


async def test_migrate_creates_a_fresh_sqlite_database(tmp_path: Path) -> None:
    url = f"sqlite://{tmp_path / 'fresh' / 'patron.db'}"
    env = {"DATABASE_URL": url, "PATRON_VAR_DIR": str(tmp_path / "var")}

    first = await patron("migrate", env=env)
    second = await patron("migrate", env=env)
    created = await patron("partner", "create", "Fresh", env=env)

    assert first.code == 0 and second.code == 0, first.err + second.err
    assert (tmp_path / "fresh" / "patron.db").is_file()
    assert created.code == 0 and created.last_line.startswith("pk_")


async def test_development_secret_key_is_generated_once_into_the_var_directory(tmp_path: Path) -> None:
    env = {
        "DATABASE_URL": f"sqlite://{tmp_path / 'patron.db'}",
        "PATRON_VAR_DIR": str(tmp_path / "var"),
        "PATRON_ENV": "development",
        "PATRON_SECRET_KEY": "",
    }

    await patron("migrate", env=env)
    key = (tmp_path / "var" / "secret_key").read_text()
    await patron("migrate", env=env)

    assert len(key) >= 32
    assert (tmp_path / "var" / "secret_key").read_text() == key
    assert (tmp_path / "var" / "secret_key").stat().st_mode & 0o077 == 0


@pytest.mark.parametrize(
    ("variables", "named"),
    [
        ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
        ({"DATABASE_URL": "postgres://"}, "DATABASE_URL"),
        ({"PATRON_ENV": "production", "PATRON_SECRET_KEY": ""}, "PATRON_SECRET_KEY"),
        ({"PATRON_SECRET_KEY": "short"}, "PATRON_SECRET_KEY"),
        ({"PATRON_ENV": "staging"}, "PATRON_ENV"),
        ({"PATRON_PROGRAM": "/nonexistent/program.toml"}, "PATRON_PROGRAM"),
        ({"PATRON_PROGRAM": "@bad-toml"}, "PATRON_PROGRAM"),
        ({"PATRON_BASE_URL": "ftp://example.com"}, "PATRON_BASE_URL"),
        ({"DATABASE_URL": "postgres://nobody@127.0.0.1:1/patron"}, "DATABASE_URL"),
    ],
    ids=[
        "mysql",
        "postgres-without-database",
        "production-without-key",
        "short-key",
        "unknown-env",
        "missing-program",
        "bad-program",
        "base-url",
        "unreachable-db",
    ],
)
@pytest.mark.parametrize("command", [("migrate",), ("demo",), ("partner", "list")], ids=lambda c: "-".join(c))
async def test_bad_configuration_stops_with_one_line_naming_the_variable(
    tmp_path: Path, variables: dict[str, str], named: str, command: tuple[str, ...]
) -> None:
    if variables.get("PATRON_PROGRAM") == "@bad-toml":
        bad = tmp_path / "program.toml"
        bad.write_text('currency = "yuan"\n[[tiers]]\ncode = "x"\n')
        variables = {"PATRON_PROGRAM": str(bad)}
    env = {"DATABASE_URL": f"sqlite://{tmp_path / 'patron.db'}", "PATRON_VAR_DIR": str(tmp_path / "var"), **variables}

    run = await patron(*command, env=env, limit=60)

    assert run.code != 0
    lines = run.err.strip().splitlines()
    assert len(lines) == 1, run.err
    assert named in lines[0]
    assert "Traceback" not in run.err and run.out == ""


async def test_serve_refuses_bad_configuration_before_listening(tmp_path: Path) -> None:
    env = {"DATABASE_URL": "mysql://x", "PATRON_VAR_DIR": str(tmp_path)}

    run = await patron("serve", "--port", "1", env=env, limit=60)

    assert run.code == 2
    assert run.err.strip().splitlines() == ["patron: configuration error: DATABASE_URL must start with sqlite:// or "
                                             "postgres:// (got 'mysql')"]

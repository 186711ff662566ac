"""patron backup / restore: a consistent copy of a SQLite database taken while it is written to."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import sys
from pathlib import Path

import pytest

from server.core.database import sqlite_path
from tests.conftest import BACKEND
from tests.points_support import credit, debit, new_member

PATRON = str(Path(sys.executable).with_name("patron"))
sqlite_only = pytest.mark.skipif(BACKEND != "sqlite", reason="the SQLite backup API; PostgreSQL uses pg_dump")


async def patron(*args: str, **env: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        PATRON, *args, env={**os.environ, **env}, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    out, _ = await process.communicate()
    return process.returncode or 0, out.decode()


def assert_consistent(path: Path) -> int:
    """Integrity ok, and every balance equals its ledger's sum and its last entry's balance_after."""
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        rows = conn.execute(
            "SELECT m.id, m.balance, COALESCE(SUM(l.delta), 0), "
            " (SELECT balance_after FROM ledger_entry WHERE member_id = m.id ORDER BY id DESC LIMIT 1)"
            " FROM member m LEFT JOIN ledger_entry l ON l.member_id = m.id GROUP BY m.id"
        ).fetchall()
        entries = conn.execute("SELECT count(*) FROM ledger_entry").fetchone()[0]
    for member_id, balance, total, last in rows:
        assert balance == total, f"member {member_id}: balance {balance} but ledger sums to {total}"
        assert last is None or last == balance
    return entries


@sqlite_only
async def test_a_backup_taken_under_write_load_restores_to_a_consistent_state(database_url: str, tmp_path) -> None:
    # Given members whose points change continuously (credits and debits, each in its transaction)
    members = [await new_member() for _ in range(6)]
    stop = asyncio.Event()
    written = 0

    async def write_load(member_id: int) -> None:
        nonlocal written
        while not stop.is_set():
            await credit(member_id, 7)
            await debit(member_id, 3)
            written += 2

    writers = [asyncio.create_task(write_load(m.id)) for m in members]
    try:
        await asyncio.sleep(0.3)
        # When two backups are taken while the writes go on
        first = await patron("backup", str(tmp_path / "one.db"))
        second = await patron("backup", str(tmp_path / "two.db"))
    finally:
        stop.set()
        await asyncio.gather(*writers)
    assert first[0] == 0, first[1]
    assert second[0] == 0, second[1]
    assert "integrity check ok" in first[1]

    # Then each copy is consistent, and the second holds more of the history than the first
    one, two = assert_consistent(tmp_path / "one.db"), assert_consistent(tmp_path / "two.db")
    assert 0 < one < two <= written
    assert not (tmp_path / "one.db-wal").exists()  # one self-contained file

    # And restoring one into an empty place gives the same consistent database
    target = tmp_path / "restored" / "patron.db"
    code, out = await patron("restore", str(tmp_path / "two.db"), DATABASE_URL=f"sqlite://{target}")
    assert code == 0, out
    assert assert_consistent(target) == two


@sqlite_only
async def test_restore_refuses_to_replace_a_database_without_force_and_keeps_a_copy_with_it(
    database_url: str, tmp_path
) -> None:
    member = await new_member()
    await credit(member.id, 100)
    assert (await patron("backup", str(tmp_path / "b.db")))[0] == 0
    await credit(member.id, 50)  # written after the backup

    # Refused without --force: the database is there, and may be in use
    code, out = await patron("restore", str(tmp_path / "b.db"))
    assert code == 1 and "--force" in out

    # With --force on a copy of the live file: the backup's state, and the replaced data kept beside it
    live = tmp_path / "live" / "patron.db"
    live.parent.mkdir()
    assert (await patron("backup", str(live)))[0] == 0
    code, out = await patron("restore", str(tmp_path / "b.db"), "--force", DATABASE_URL=f"sqlite://{live}")
    assert code == 0, out
    kept = list(live.parent.glob("patron.db.before-restore-*"))
    assert len(kept) == 1
    with sqlite3.connect(live) as conn:
        assert conn.execute("SELECT balance FROM member").fetchone()[0] == 100
    with sqlite3.connect(kept[0]) as conn:
        assert conn.execute("SELECT balance FROM member").fetchone()[0] == 150


@sqlite_only
async def test_restore_checks_the_file_first(database_url: str, tmp_path) -> None:
    target = f"sqlite://{tmp_path / 'new.db'}"
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"not a database at all" * 100)
    code, out = await patron("restore", str(garbage), DATABASE_URL=target)
    assert code == 1 and "not a SQLite database" in out

    foreign = tmp_path / "foreign.db"
    with sqlite3.connect(foreign) as conn:
        conn.execute("CREATE TABLE t (x)")
    code, out = await patron("restore", str(foreign), DATABASE_URL=target)
    assert code == 1 and "not a Patron database" in out

    assert (await patron("backup", str(tmp_path / "good.db")))[0] == 0
    with sqlite3.connect(tmp_path / "good.db") as conn:
        conn.execute("INSERT INTO tortoise_migrations (app, name, applied_at) VALUES ('models', '9999_future', '2030')")
    code, out = await patron("restore", str(tmp_path / "good.db"), DATABASE_URL=target)
    assert code == 1 and "newer Patron" in out and "9999_future" in out
    assert not (tmp_path / "new.db").exists() or (tmp_path / "new.db").stat().st_size == 0


@sqlite_only
async def test_backup_does_not_overwrite_a_file_without_force(database_url: str, tmp_path) -> None:
    existing = tmp_path / "exists.db"
    existing.write_text("keep me")
    code, out = await patron("backup", str(existing))
    assert code == 1 and "--force" in out
    assert existing.read_text() == "keep me"
    assert sqlite_path(database_url)


async def test_for_postgresql_backup_and_restore_print_the_commands(tmp_path) -> None:
    url = "postgres://patron:s3cret-pw@db.internal:5432/patron"
    code, out = await patron("backup", str(tmp_path / "p.dump"), DATABASE_URL=url)
    assert code == 0
    assert "pg_dump --format=custom" in out and "postgresql://patron@db.internal:5432/patron" in out
    assert "s3cret-pw" not in out
    code, out = await patron("restore", str(tmp_path / "p.dump"), DATABASE_URL=url)
    assert code == 0 and "pg_restore --clean --if-exists" in out and "s3cret-pw" not in out

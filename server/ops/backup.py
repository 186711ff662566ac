"""Backup and restore of the SQLite database; the commands to use for PostgreSQL.

A backup uses SQLite's online backup API in one step: it reads one consistent snapshot of the
database while the server keeps running (in WAL mode writers are not blocked, and what they
commit meanwhile is simply not in the copy). The copy is written beside its destination, checked
(``PRAGMA integrity_check`` and the migrations table) and only then renamed into place, so a
backup file that exists is a whole one.

A restore checks the file first (integrity, the migrations table, no migration this release
does not know) and then copies it *into* the database with the same API, under SQLite's write
lock: connections that are open see the old data or the new, never a mixture, and the file is
never swapped under them. Restoring over an existing database needs ``force`` and first keeps
a copy of what it replaces (``<db>.before-restore-<time>``).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from server.core import clock
from server.core.errors import DomainError, ErrorCode
from server.ops.health import APP, MIGRATIONS_TABLE, migrations_on_disk

BUSY_TIMEOUT = 30.0  # seconds to wait for a writer holding the lock


@dataclass(frozen=True)
class BackupReport:
    path: Path
    size: int
    migrations: int
    members: int


def _fail(message: str) -> DomainError:
    return DomainError(ErrorCode.INVALID_INPUT, message, "path")


def _connect(path: Path, *, read_only: bool) -> sqlite3.Connection:
    if read_only:
        return sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=BUSY_TIMEOUT)
    return sqlite3.connect(path, timeout=BUSY_TIMEOUT)


def check(path: Path) -> BackupReport:
    """Check a database file: SQLite's integrity check, a migrations table this release understands."""
    if not path.is_file():
        raise _fail(f"no file at {path}")
    try:
        conn = _connect(path, read_only=True)
    except sqlite3.Error as exc:
        raise _fail(f"{path} cannot be opened: {exc}") from None
    try:
        try:
            result = [row[0] for row in conn.execute("PRAGMA integrity_check")]
        except sqlite3.DatabaseError as exc:
            raise _fail(f"{path} is not a SQLite database ({exc})") from None
        if result != ["ok"]:
            raise _fail(f"{path} failed the integrity check: {'; '.join(result[:3])}")
        try:
            names = {row[0] for row in conn.execute(f"SELECT name FROM {MIGRATIONS_TABLE} WHERE app = ?", (APP,))}
            members = conn.execute("SELECT count(*) FROM member").fetchone()[0]
        except sqlite3.DatabaseError:
            raise _fail(f"{path} is not a Patron database (no migrations table or members)") from None
    finally:
        conn.close()
    if not names:
        raise _fail(f"{path} has no applied migrations")
    unknown = sorted(names - set(migrations_on_disk()))
    if unknown:
        raise _fail(f"{path} was made by a newer Patron (migrations {', '.join(unknown)}); upgrade first")
    return BackupReport(path, path.stat().st_size, len(names), members)


def _copy(source: sqlite3.Connection, target: Path) -> None:
    destination = _connect(target, read_only=False)
    try:
        source.backup(destination)  # every page in one step: one consistent snapshot
    finally:
        destination.close()


def backup(database: Path, target: Path, *, force: bool = False) -> BackupReport:
    """Copy the live database at ``database`` to ``target`` and check the copy."""
    if not database.is_file():
        raise _fail(f"no database at {database}")
    if target.exists() and not force:
        raise _fail(f"{target} exists; choose another name or pass --force to replace it")
    if target.resolve() == database.resolve():
        raise _fail("the backup must not be the database itself")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    source = _connect(database, read_only=True)
    try:
        _copy(source, partial)
        with contextlib.closing(_connect(partial, read_only=False)) as copy:
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        report = check(partial)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        source.close()
    os.replace(partial, target)
    return BackupReport(target, report.size, report.migrations, report.members)


def restore(backup_file: Path, database: Path, *, force: bool = False) -> tuple[BackupReport, Path | None]:
    """Copy a checked backup into ``database``; returns the report and where the replaced data was kept."""
    report = check(backup_file)
    kept = None
    if database.exists() and database.stat().st_size > 0:
        if not force:
            raise _fail(
                f"{database} exists and may be in use; stop the server and pass --force to replace it "
                "(a copy of it is kept first)"
            )
        kept = database.with_name(f"{database.name}.before-restore-{clock.now():%Y%m%dT%H%M%SZ}")
        backup(database, kept, force=True)
    database.parent.mkdir(parents=True, exist_ok=True)
    source = _connect(backup_file, read_only=True)
    try:
        _copy(source, database)
    finally:
        source.close()
    return report, kept


def postgres_commands(database_url: str, path: str) -> tuple[str, str]:
    """The pg_dump and pg_restore command lines for ``database_url`` (password left out: use PGPASSWORD)."""
    parts = urlsplit(database_url.replace("postgresql://", "postgres://", 1).replace("asyncpg://", "postgres://", 1))
    host = parts.hostname or "localhost"
    netloc = f"{parts.username}@" if parts.username else ""
    netloc += f"[{host}]" if ":" in host else host
    if parts.port:
        netloc += f":{parts.port}"
    url = urlunsplit(("postgresql", netloc, parts.path, "", ""))
    quoted = "'" + path.replace("'", "'\\''") + "'"
    dump = f"pg_dump --format=custom --no-owner --file={quoted} '{url}'"
    restore_ = f"pg_restore --clean --if-exists --no-owner --single-transaction --dbname='{url}' {quoted}"
    return dump, restore_

"""``patron backup`` and ``patron restore``: the operators' commands (registered on ``server.cli.app``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from server.core.config import get_settings


def register(app: typer.Typer) -> None:
    @app.command()
    def backup(
        path: Annotated[Path, typer.Argument(help="Where to write the copy (a new file).")],
        force: Annotated[bool, typer.Option("--force", help="Replace PATH if it exists.")] = False,
    ) -> None:
        """Copy the SQLite database while the server runs: one consistent, checked snapshot.

        For PostgreSQL it prints the pg_dump command to run instead.
        """
        from server.core.database import sqlite_path
        from server.ops import backup as backups

        settings = get_settings()
        if not settings.is_sqlite:
            dump, _ = backups.postgres_commands(settings.database_url, str(path))
            typer.echo("# PostgreSQL: back up with pg_dump (set PGPASSWORD or use ~/.pgpass for the password):")
            typer.echo(dump)
            return
        report = backups.backup(Path(sqlite_path(settings.database_url)), path, force=force)
        typer.echo(
            f"Backed up to {report.path} ({report.size:,} bytes, {report.members:,} members, "
            f"{report.migrations} migrations); integrity check ok."
        )

    @app.command()
    def restore(
        path: Annotated[Path, typer.Argument(help="A file made by patron backup.")],
        force: Annotated[
            bool, typer.Option("--force", help="Replace an existing database (a copy of it is kept beside it).")
        ] = False,
    ) -> None:
        """Check a backup and copy it into the SQLite database (stop the server first).

        For PostgreSQL it prints the pg_restore command to run instead.
        """
        from server.core.database import sqlite_path
        from server.ops import backup as backups

        settings = get_settings()
        if not settings.is_sqlite:
            _, restore_command = backups.postgres_commands(settings.database_url, str(path))
            typer.echo("# PostgreSQL: stop the server, then restore with pg_restore (PGPASSWORD for the password):")
            typer.echo(restore_command)
            return
        report, kept = backups.restore(path, Path(sqlite_path(settings.database_url)), force=force)
        if kept is not None:
            typer.echo(f"The database it replaced is kept at {kept}.")
        typer.echo(
            f"Restored {report.path} ({report.members:,} members, {report.migrations} migrations); "
            "run patron migrate if this release has newer migrations."
        )

"""The ``patron`` command: serve, migrate, demo data, partners, staff and the schema file."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer
from rich.console import Console

from server.cli_ops import register as _register_ops
from server.core.config import ConfigError, get_settings
from server.core.errors import DomainError
from server.points.program import get_program

if TYPE_CHECKING:
    from server.models import Member, Role

T = TypeVar("T")
app = typer.Typer(
    help="Patron: member loyalty portal and GraphQL API.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
partner_app = typer.Typer(help="Partner systems and their API keys.", no_args_is_help=True)
staff_app = typer.Typer(help="Staff and analyst roles.", no_args_is_help=True)
jobs_app = typer.Typer(help="Timed jobs (patron serve runs them too): for cron and catching up.", no_args_is_help=True)
app.add_typer(partner_app, name="partner")
app.add_typer(staff_app, name="staff")
app.add_typer(jobs_app, name="jobs")
mail_app = typer.Typer(help="E-mail: check the mail settings and the queue.", no_args_is_help=True)
app.add_typer(mail_app, name="mail")
webhooks_app = typer.Typer(help="Partner webhooks: endpoints and recovery.", no_args_is_help=True)
app.add_typer(webhooks_app, name="webhooks")
insight_app = typer.Typer(help="Member insight: RFM segments, lifecycle stages, churn risk.", no_args_is_help=True)
app.add_typer(insight_app, name="insight")
export_app = typer.Typer(help="Exports as CSV on stdout.", no_args_is_help=True)
app.add_typer(export_app, name="export")
err = Console(stderr=True)


def _with_db(work: Callable[[], Awaitable[T]], *, migrate_first: bool = True) -> T:
    """Run ``work`` with the database open (migrated first), closing it afterwards."""
    from server.core import clock
    from server.core.database import close_db, init_db, migrate

    settings = get_settings()
    clock.shift(settings.clock_offset)
    get_program()  # a bad PATRON_PROGRAM file stops the command before it touches the database

    async def runner() -> T:
        if migrate_first:
            await migrate(settings.database_url)
        await init_db(settings.database_url)
        try:
            return await work()
        finally:
            await close_db()

    return asyncio.run(runner())


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
) -> None:
    """Serve the API at /graphql and the portal at /, after applying pending migrations."""
    import os

    import uvicorn

    from server.core.config import require_for_serving
    from server.core.database import migrate

    if not get_settings().public_url_set and not get_settings().production:
        # Development default for links in e-mails: the address this server listens on (workers inherit it).
        shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
        os.environ["PATRON_PUBLIC_URL"] = f"http://{f'[{shown}]' if ':' in shown else shown}:{port}"
        get_settings.cache_clear()
    settings = get_settings()
    require_for_serving(settings)
    get_program()
    asyncio.run(migrate(settings.database_url))
    err.print(f"Patron ({settings.env}) on http://{host}:{port}  database: {_redacted(settings.database_url)}")
    from server.ops import logs
    from server.ops.metrics import prepare_multiprocess

    prepare_multiprocess(settings.var_dir, workers)  # workers>1: /metrics adds up every worker's samples
    logs.configure(json_lines=settings.json_logs)
    uvicorn.run(
        "server.app:app_factory",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=True,
        log_level="info",
        log_config=None,  # uvicorn's lines go through Patron's handler: JSON in production, redacted
        access_log=False,  # Patron writes its own access line, without query strings (they may hold tokens)
        timeout_graceful_shutdown=10,
        # Longer than the usual proxy idle timeout (60 s): a proxy or client that reuses a kept-alive
        # connection just as the server drops it gets a reset (uvicorn's default is 5 s).
        timeout_keep_alive=65,
    )


@app.command("migrate")
def migrate_command() -> None:
    """Apply pending database migrations."""
    from server.core.database import migrate

    settings = get_settings()
    get_program()
    asyncio.run(migrate(settings.database_url, progress=lambda *a: err.print(" ".join(str(x) for x in a))))
    typer.echo("Migrations applied.")


@app.command()
def demo(
    members: Annotated[
        int, typer.Option("--members", min=0, help="Also make this many synthetic members with a year of history.")
    ] = 0,
) -> None:
    """Load the demo programme (idempotent) and print what it made; --members N adds load-test members."""
    from server.demo import load_demo

    for line in _with_db(load_demo):
        typer.echo(line)
    if members:
        for line in _demo_members(members):
            typer.echo(line)
    typer.echo(_snapshot("demo", only_first=True))


def _demo_members(count: int) -> list[str]:
    """``patron demo --members N`` with a progress bar on stderr (1M members take minutes)."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from server.demo_members import load_members

    with Progress(
        TextColumn("members"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), TimeRemainingColumn(),
        console=err, transient=True,
    ) as bar:
        task = bar.add_task("members", total=None)
        return _with_db(lambda: load_members(count, lambda done, total: bar.update(task, completed=done, total=total)))


def _progress_bar():
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=err, transient=True,
    )


def _snapshot(trigger: str, only_first: bool = False) -> str:
    """Take an insight snapshot now, with a progress bar on stderr (``only_first``: unless one exists)."""
    from server.core import clock
    from server.insight import latest_snapshot, take_snapshot

    with _progress_bar() as bar:
        task = bar.add_task("members", total=None)

        def on_progress(done: int, total: int | None, label: str) -> None:
            bar.update(task, description=label, completed=done, total=total)

        async def work() -> str:
            if only_first and await latest_snapshot() is not None:
                return "Insight snapshot: already taken (patron insight snapshot takes a new one)."
            result = await take_snapshot(clock.now(), on_progress, trigger=trigger)
            return (
                f"Insight snapshot: {result.members} member(s), {result.purchasers} with purchases, "
                f"{result.changes} moved segment or stage ({result.snapshot.seconds:.1f}s)."
            )

        return _with_db(work)


@insight_app.command("snapshot")
def insight_snapshot() -> None:
    """Compute every member's RFM segment, stage, churn risk and lifetime value now (progress on stderr)."""
    typer.echo(_snapshot("cli"))


@export_app.command("members")
def export_members(
    segment: Annotated[
        list[str] | None, typer.Option("--segment", help="An RfmSegment name, e.g. AT_RISK (repeatable).")
    ] = None,
    stage: Annotated[
        list[str] | None, typer.Option("--stage", help="A LifecycleStage name, e.g. CHURNED (repeatable).")
    ] = None,
    tier: Annotated[list[str] | None, typer.Option("--tier", help="A tier code (repeatable).")] = None,
    high_value: Annotated[bool, typer.Option("--high-value", help="Only high-value members (M = 5).")] = False,
    search: Annotated[str, typer.Option("--search", help="Substring of e-mail or name.")] = "",
) -> None:
    """Members as CSV on stdout (e-mail, name, tier, segment, stage, R/F/M, lifetime value); progress on stderr."""
    from server.insight import ExportFilter, count_members, csv_stream
    from server.models import LifecycleStage, RfmSegment

    def names(values: list[str] | None, enum, option: str) -> tuple:
        chosen = []
        for value in values or []:
            for part in value.split(","):
                name = part.strip().upper()
                if name not in enum.__members__:
                    _fail(f"{option} {part.strip()!r}: use one of {', '.join(enum.__members__)}", 2)
                chosen.append(enum[name])
        return tuple(chosen)

    chosen = ExportFilter(
        search=search.strip(), tier_codes=tuple(t.strip() for t in tier or [] if t.strip()),
        segments=names(segment, RfmSegment, "--segment"), stages=names(stage, LifecycleStage, "--stage"),
        high_value=True if high_value else None,
    )
    with _progress_bar() as bar:
        task = bar.add_task("members", total=None)

        async def work() -> int:
            bar.update(task, total=await count_members(chosen))
            rows = 0

            def on_progress(done: int) -> None:
                nonlocal rows
                rows = done
                bar.update(task, completed=done)

            async for chunk in csv_stream(chosen, on_progress):
                sys.stdout.write(chunk)
            sys.stdout.flush()
            return rows

        rows = _with_db(work)
    err.print(f"Exported {rows} member(s).", highlight=False)


@app.command("export-schema")
def export_schema(
    output: Annotated[Path | None, typer.Option(help="Write here instead of schema/schema.graphql.")] = None,
    check: Annotated[bool, typer.Option("--check", help="Write nothing; fail if the file is stale.")] = False,
) -> None:
    """Write the GraphQL schema (SDL) to schema/schema.graphql."""
    from schema.api import SCHEMA_FILE, export_sdl

    target = output or SCHEMA_FILE
    sdl = export_sdl()
    if check:
        current = target.read_text(encoding="utf-8") if target.is_file() else ""
        if current != sdl:
            _fail(f"{target} is stale; run: patron export-schema", 1)
        typer.echo(f"{target} is up to date.")
        return
    target.write_text(sdl, encoding="utf-8")
    typer.echo(f"Wrote {target}")


@app.command()
def lifecycle() -> None:
    """Expire lapsed points, warn about points expiring soon and re-evaluate tiers (run daily)."""
    from server.points.lifecycle import run_lifecycle

    for line in _with_db(run_lifecycle):
        typer.echo(line)


@jobs_app.command("run")
def jobs_run(
    only: Annotated[
        list[str] | None, typer.Option("--only", help="Run only this job (repeatable); see patron jobs list.")
    ] = None,
) -> None:
    """Run every job now (or only the named ones): each does what is due by the clock, and catches up."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from server.jobs import run_jobs

    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=err, transient=True,
    ) as bar:
        tasks: dict[str, int] = {}

        def on_progress(label: str, done: int, total: int | None) -> None:
            if label not in tasks:
                tasks[label] = bar.add_task(label, total=total)
            bar.update(tasks[label], completed=done, total=total)

        try:
            outcomes = _with_db(lambda: run_jobs(only, on_progress=on_progress))
        except ValueError as exc:
            _fail(str(exc), 1)
            return
    for outcome in outcomes:
        typer.echo(f"{outcome.name}\t{outcome.status}\t{outcome.seconds:.2f}s\t{outcome.summary}")
    if any(outcome.status == "failed" for outcome in outcomes):
        sys.exit(1)


@jobs_app.command("list")
def jobs_list() -> None:
    """List the jobs, how often patron serve runs them, and how their last run went."""
    from server.jobs import registered
    from server.models import JobState

    async def states() -> dict[str, JobState]:
        return {state.name: state for state in await JobState.all()}

    known = _with_db(states)
    for job in registered():
        state = known.get(job.name)
        last = state.last_finished_at.isoformat(timespec="seconds") if state and state.last_finished_at else "never"
        status = state.last_status if state else "never"
        every = _interval(job.every.total_seconds())
        typer.echo(f"{job.name}\tevery {every}\tlast {last}\t{status}\t{job.description}")


def _interval(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{int(seconds)}s"


@partner_app.command("create")
def partner_create(
    name: str,
    scope: Annotated[
        list[str] | None,
        typer.Option(
            "--scope", help="purchases:write, referrals:write, members:read, vouchers:write, webhooks:manage"
        ),
    ] = None,
) -> None:
    """Create a partner; its API key is printed once, as the last line."""
    from server.accounts.partners import create_partner

    partner, key = _with_db(lambda: create_partner(name, scope or []))
    typer.echo(f"Partner {partner.name} created with scopes: {', '.join(partner.scopes) or '(none)'}")
    typer.echo("Store this API key now; it cannot be shown again:")
    typer.echo(key)


@partner_app.command("list")
def partner_list() -> None:
    """List partners with their key prefixes and scopes."""
    from server.accounts.partners import list_partners

    for partner in _with_db(list_partners):
        state = "revoked" if partner.revoked_at else "active"
        typer.echo(f"{partner.name}\t{partner.key_prefix}…\t{state}\t{','.join(partner.scopes)}")


@partner_app.command("scopes")
def partner_scopes(
    name: str,
    add: Annotated[list[str] | None, typer.Option("--add", help="A scope to grant (repeatable).")] = None,
    remove: Annotated[list[str] | None, typer.Option("--remove", help="A scope to take away (repeatable).")] = None,
) -> None:
    """Grant or take away scopes of an existing partner's key (e.g. --add webhooks:manage)."""
    from server.accounts.partners import change_scopes

    partner = _with_db(lambda: change_scopes(name, add or [], remove or []))
    typer.echo(f"Partner {partner.name} now has scopes: {', '.join(partner.scopes) or '(none)'}")


@partner_app.command("revoke")
def partner_revoke(name: str) -> None:
    """Revoke a partner's API key."""
    from server.accounts.partners import revoke_partner

    partner = _with_db(lambda: revoke_partner(name))
    typer.echo(f"Partner {partner.name} revoked.")


@staff_app.command("grant")
def staff_grant(
    email: str,
    role: Annotated[
        str, typer.Option("--role", help="staff (acts on the programme) or analyst (reads only).")
    ] = "staff",
) -> None:
    """Give a member the staff role, or the read-only analyst role with --role analyst."""
    from server.models import Role

    roles = {"staff": Role.STAFF, "analyst": Role.ANALYST}
    chosen = roles.get(role.strip().lower())
    if chosen is None:
        _fail(f"--role must be staff or analyst (got {role!r})", 1)
        return
    member = _with_db(lambda: _change_role(email, chosen))
    typer.echo(f"{member.email} is now {'an analyst' if chosen is Role.ANALYST else 'staff'}.")


@staff_app.command("revoke")
def staff_revoke(email: str) -> None:
    """Take the staff or analyst role away: the account becomes a plain member."""
    from server.models import Role

    member = _with_db(lambda: _change_role(email, Role.MEMBER))
    typer.echo(f"{member.email} is now a member.")


async def _change_role(email: str, role: Role) -> Member:
    """Set the role and, when it changes, write ``role.grant`` to the audit trail (actor: system) with it."""
    from tortoise.transactions import in_transaction

    from server import audit
    from server.accounts import set_role
    from server.core.validation import normalise_email
    from server.models import Member

    async with in_transaction():
        before = await Member.get_or_none(email=normalise_email(email))
        member = await set_role(email, role)
        if before is not None and before.role is not role:
            await audit.record(
                None, "role.grant", target_type="member", target_id=member.id, member_id=member.id,
                before={"role": before.role}, after={"role": role},
            )
    return member


@app.command("audit")
def audit_command(
    actor: Annotated[str | None, typer.Option("--actor", help="Only actions by this staff e-mail.")] = None,
    action: Annotated[
        str | None, typer.Option("--action", help="Only this kind, such as benefit.update or review.publish.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000, help="At most this many, newest first.")] = 20,
) -> None:
    """The audit trail of staff actions, newest first: when, who, what, before → after, reason."""
    from server import audit

    async def lines() -> list[str]:
        where = audit.AuditFilter(action=action.strip() if action else None)
        query = audit.entries(where)
        if actor:
            query = query.filter(actor_email=actor.strip().lower())
        return [audit.describe(entry) for entry in await query.limit(limit)]

    found = _with_db(lines)
    if not found:
        typer.echo("No audit entries match.")
    for line in found:
        typer.echo(line)


# --- e-mail (messages, issue 13) --------------------------------------------------------------


@mail_app.command("test")
def mail_test(
    email: str,
    locale: Annotated[str, typer.Option(help="en or zh-CN.")] = "en",
) -> None:
    """Send a test e-mail to EMAIL now, through PATRON_SMTP_URL (or into var/mail/ without it)."""
    from server.messages.mailcheck import send_test

    outcome = _with_db(lambda: send_test(email, locale))
    if outcome.kind != "sent":
        _fail(f"not sent: {outcome.error}", 1)
    typer.echo(f"Test e-mail to {email} accepted.")


@mail_app.command("status")
def mail_status() -> None:
    """E-mail waiting, sent and failed in the last 24 hours, and addresses marked undeliverable."""
    from server.messages.mailcheck import status

    for line in _with_db(status):
        typer.echo(line)


@webhooks_app.command("list")
def webhooks_list() -> None:
    """Every partner's webhook endpoints: state, failures in a row, deliveries waiting, events, URL."""
    from server.webhooks.report import listing

    for line in _with_db(listing):
        typer.echo(line)


@webhooks_app.command("replay")
def webhooks_replay(
    since: Annotated[str, typer.Option("--since", help="ISO 8601 time (UTC when it has no offset).")],
    endpoint: Annotated[str, typer.Option("--endpoint", help="The endpoint id (patron webhooks list).")],
    until: Annotated[str | None, typer.Option("--until", help="ISO 8601 time; default now.")] = None,
) -> None:
    """Send one endpoint every event of its types since SINCE again (same event ids), e.g. after an outage."""
    from server.webhooks import replay
    from server.webhooks.report import endpoint_id, moment

    target = endpoint_id(endpoint)
    start, end = moment(since), moment(until) if until else None
    queued = _with_db(lambda: replay(target, start, end))
    typer.echo(f"Queued {queued} event(s) for endpoint {target}; patron serve or patron jobs run sends them.")


def _redacted(url: str) -> str:
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        return f"{scheme}://{creds.split(':')[0]}@{host}"
    return url


def _fail(message: str, code: int) -> None:
    # One line, whatever the terminal width, and no markup read into names like "[x]".
    err.print(f"patron: {message}", style="red", highlight=False, markup=False, soft_wrap=True)
    sys.exit(code)


def main() -> None:
    """Console entry point: configuration, domain and database errors end in one line, not a traceback."""
    from tortoise.exceptions import DBConnectionError, OperationalError

    try:
        app()
    except ConfigError as exc:
        _fail(f"configuration error: {exc}", 2)
    except DomainError as exc:
        _fail(exc.message, 1)
    except (DBConnectionError, OperationalError, OSError) as exc:
        settings = get_settings()
        reason = " ".join(str(exc).split()) or type(exc).__name__
        about_database = not isinstance(exc, OSError) or isinstance(exc, ConnectionError) or (
            settings.is_sqlite and exc.filename is not None
        )
        if not about_database:
            _fail(reason, 1)
        _fail(f"database error: cannot use DATABASE_URL={_redacted(settings.database_url)}: {reason}", 1)


_register_ops(app)

if __name__ == "__main__":
    main()

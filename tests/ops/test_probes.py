"""/healthz, /readyz and /metrics on the main port: what load balancers and Prometheus see."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
import pytest
from tortoise import Tortoise

from server.app import create_app
from server.core.config import load_settings
from server.jobs import JobContext, job, run_job
from server.jobs.registry import _JOBS
from server.ops.health import migrations_on_disk
from tests.support import Api

ME = "query Me { viewer { email points { balance } } }"
TOKEN = "metrics-token-0123456789abcdef"


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample in Prometheus text (0 when absent)."""
    for line in text.splitlines():
        match = re.fullmatch(rf"{name}(?:\{{(.*)\}})? (\S+)", line)
        if match is None:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', match.group(1) or ""))
        if all(found.get(k) == v for k, v in labels.items()):
            return float(match.group(2))
    return 0.0


def production_app(**env: str):
    settings = load_settings(
        {
            "PATRON_ENV": "production",
            "PATRON_SECRET_KEY": "s" * 40,
            "PATRON_PUBLIC_URL": "https://loyalty.example.com",
            "PATRON_SMTP_URL": "smtp://mail.example.com:587",
            "DATABASE_URL": "sqlite://unused.db",
            **env,
        }
    )
    return create_app(settings, manage_db=False)


async def client_for(app) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://testserver")


async def test_healthz_answers_while_the_process_runs(http: httpx.AsyncClient) -> None:
    response = await http.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    # The shared middleware still applies: security headers and a request id on every answer.
    assert response.headers["x-content-type-options"] == "nosniff"
    assert re.fullmatch(r"[0-9a-f]{16}", response.headers["x-request-id"])
    assert response.headers["cache-control"] == "no-store"


async def test_readyz_is_ready_when_every_migration_is_applied(http: httpx.AsyncClient) -> None:
    response = await http.get("/readyz")
    assert response.status_code == 200, response.text
    assert response.json() == {"status": "ready"}


async def test_readyz_answers_503_with_the_reason_while_a_migration_is_pending(http: httpx.AsyncClient) -> None:
    # Given a database one migration behind this release (as after deploying before patron migrate)
    latest = migrations_on_disk()[-1]
    conn = Tortoise.get_connection("default")
    _, rows = await conn.execute_query(
        "SELECT app, name, applied_at FROM tortoise_migrations WHERE name = ?".replace("?", "'" + latest + "'")
    )
    await conn.execute_query(f"DELETE FROM tortoise_migrations WHERE name = '{latest}'")
    try:
        response = await http.get("/readyz")
        assert response.status_code == 503
        body = response.json()
        assert body["status"] == "unavailable"
        assert latest in body["reason"] and "patron migrate" in body["reason"]
        assert response.headers["x-request-id"]
        # Liveness is not readiness: the process is still alive
        assert (await http.get("/healthz")).status_code == 200
    finally:
        row = rows[0]
        await conn.execute_insert(
            "INSERT INTO tortoise_migrations (app, name, applied_at) VALUES "
            + ("($1, $2, $3)" if conn.capabilities.dialect == "postgres" else "(?, ?, ?)"),
            [row["app"], row["name"], row["applied_at"]],
        )
    assert (await http.get("/readyz")).status_code == 200


async def test_readyz_answers_503_when_the_database_is_gone(http: httpx.AsyncClient, monkeypatch) -> None:
    # A worker whose database does not answer says so instead of taking traffic
    from server.ops import health

    class Unreachable:
        @staticmethod
        def get_connection(alias: str):
            raise ConnectionRefusedError("connection refused")

    monkeypatch.setattr(health, "Tortoise", Unreachable)
    response = await http.get("/readyz")
    assert response.status_code == 503
    assert response.json()["reason"] == "database unavailable: ConnectionRefusedError"


async def test_metrics_count_requests_by_route_template_and_operation_name(http: httpx.AsyncClient, api: Api) -> None:
    # Given a member who asks for their balance twice and a visitor on two catalogue pages
    before = (await http.get("/metrics")).text
    member = await api.member()
    await api.run(ME, caller=member)
    await api.run(ME, caller=member)
    await http.get("/reviews/s/first-subject")
    await http.get("/reviews/s/second-subject")

    # Then /metrics (Prometheus text) counts them by operation name and by route template
    response = await http.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    text = response.text
    labels = {"route": "/graphql", "operation": "Me", "status": "200", "method": "POST"}
    assert sample(text, "patron_http_requests_total", **labels) - sample(
        before, "patron_http_requests_total", **labels
    ) == 2
    assert sample(text, "patron_http_request_duration_seconds_count", route="/graphql", operation="Me") >= 2
    assert sample(text, "patron_http_requests_total", route="/graphql", operation="SignUp", status="200") >= 1
    # One series for both subjects: the template, never the raw path
    assert sample(text, "patron_http_requests_total", route="/reviews/s/{subject:path}", operation="-") >= 2
    assert "first-subject" not in text and "second-subject" not in text
    # The outbox backlog per channel (the sign-up queued its confirmation e-mail)
    assert sample(text, "patron_outbox_backlog", channel="email") >= 1


async def test_metrics_count_points_issued_and_redeemed_by_ledger_kind(http: httpx.AsyncClient, api: Api) -> None:
    from tests.points_support import credit, debit, new_member

    before = (await http.get("/metrics")).text
    member = await new_member()
    await credit(member.id, 120)
    await debit(member.id, 50)
    text = (await http.get("/metrics")).text
    assert sample(text, "patron_points_issued_total", kind="BONUS") - sample(
        before, "patron_points_issued_total", kind="BONUS"
    ) == 120
    assert sample(text, "patron_points_redeemed_total", kind="REDEMPTION") - sample(
        before, "patron_points_redeemed_total", kind="REDEMPTION"
    ) == 50


async def test_metrics_count_points_written_in_batches_by_the_nightly_jobs(http: httpx.AsyncClient) -> None:
    from tortoise.transactions import in_transaction

    from server.core import clock
    from server.models import LedgerKind
    from server.points import bulk
    from server.points.ledger_text import Note
    from tests.points_support import new_member

    before = (await http.get("/metrics")).text
    members = [await new_member() for _ in range(3)]
    async with in_transaction():
        held = await bulk.lock_members([m.id for m in members])
        await bulk.credit_many(
            LedgerKind.BIRTHDAY, {m.id: (40, Note("birthday", {"year": 2026})) for m in members}, clock.now(), held
        )
    text = (await http.get("/metrics")).text
    assert sample(text, "patron_points_issued_total", kind="BIRTHDAY") - sample(
        before, "patron_points_issued_total", kind="BIRTHDAY"
    ) == 120


@pytest.fixture
def timed_job():
    @job("test-ops-metrics", every=timedelta(hours=1), description="for the metrics test", order=999)
    async def timed(ctx: JobContext) -> str:
        return "done"

    yield _JOBS["test-ops-metrics"]
    _JOBS.pop("test-ops-metrics", None)


async def test_metrics_count_job_runs_and_their_durations(http: httpx.AsyncClient, timed_job) -> None:
    await run_job(timed_job, holder="test")
    await run_job(timed_job, holder="test")
    text = (await http.get("/metrics")).text
    assert sample(text, "patron_job_runs_total", job="test-ops-metrics", status="ok") == 2
    assert sample(text, "patron_job_duration_seconds_count", job="test-ops-metrics") == 2


async def test_unbounded_operation_names_do_not_become_labels(http: httpx.AsyncClient) -> None:
    # A client naming operations at random cannot grow the metrics without bound
    await http.post("/graphql", json={"query": "{ __typename }", "operationName": "x" * 300})
    text = (await http.get("/metrics")).text
    assert "x" * 300 not in text


async def test_metrics_in_production_answer_only_to_the_configured_token() -> None:
    app = production_app(PATRON_METRICS_TOKEN=TOKEN)
    async with await client_for(app) as client:
        assert (await client.get("/metrics")).status_code == 403
        wrong = await client.get("/metrics", headers={"Authorization": "Bearer not-the-token-at-all"})
        assert wrong.status_code == 403
        assert wrong.headers["strict-transport-security"]  # production headers stay
        right = await client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        assert right.status_code == 200
        assert "patron_http_requests_total" in right.text


async def test_metrics_in_production_without_a_token_stay_closed_and_the_app_still_starts() -> None:
    app = production_app()
    async with await client_for(app) as client:
        assert (await client.get("/metrics")).status_code == 404
        guessed = await client.get("/metrics", headers={"Authorization": "Bearer anything-at-all-here"})
        assert guessed.status_code == 404
        assert (await client.get("/healthz")).status_code == 200


def test_a_short_metrics_token_is_refused_at_start_up() -> None:
    from server.core.config import ConfigError

    with pytest.raises(ConfigError, match="PATRON_METRICS_TOKEN"):
        load_settings({"PATRON_METRICS_TOKEN": "short", "PATRON_SECRET_KEY": "s" * 40})

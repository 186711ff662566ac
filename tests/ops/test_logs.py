"""Structured logs: one JSON object per line with the request's id, operation, caller, status and
duration, and never a password, token or key."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import httpx
import pytest

from server.accounts import recovery
from server.app import create_app
from server.core.config import load_settings
from server.messages import outbox
from server.ops import logs
from tests.mail_support import SmtpServer, link_in, token_of
from tests.support import Api

PASSWORD = "correct-horse-battery"
NEW_PASSWORD = "a-brand-new-secret-99"
LOG_IN = "mutation LogIn($e: String!, $p: String!) { logIn(email: $e, password: $p) { token userErrors { code } } }"
REQUEST = "mutation AskReset($e: String!) { requestPasswordReset(email: $e) { ok userErrors { code } } }"
RESET = """mutation Reset($t: String!, $p: String!) {
  resetPassword(token: $t, newPassword: $p) { token userErrors { code } }
}"""
VIEWER = "query Viewer { viewer { email } }"


@pytest.fixture
def log_lines(monkeypatch: pytest.MonkeyPatch) -> Iterator[io.StringIO]:
    """What the app writes to its log stream (JSON lines, as in production)."""
    monkeypatch.setattr(recovery, "ANSWER_AFTER", 0.0)
    stream = io.StringIO()
    yield stream
    logs.configure(json_lines=False)


@pytest.fixture
async def json_http(database_url: str, log_lines: io.StringIO, monkeypatch) -> httpx.AsyncClient:
    monkeypatch.setenv("PATRON_LOG_FORMAT", "json")
    app = create_app(load_settings(), manage_db=False)
    logs.configure(json_lines=True, stream=log_lines)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        yield client


def parsed(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


async def test_a_log_in_and_a_password_reset_leave_json_lines_without_any_secret(
    json_http: httpx.AsyncClient, log_lines: io.StringIO, smtp: SmtpServer
) -> None:
    api = Api(json_http)
    member = await api.member(email="logs@example.com", password=PASSWORD)
    bearer = member.headers["Authorization"].removeprefix("Bearer ")

    # When the member logs in, asks for a reset, follows the link and sets a new password
    login = await api.raw(LOG_IN, {"e": "logs@example.com", "p": PASSWORD})
    token = login.json()["data"]["logIn"]["token"]
    await api.run(REQUEST, {"e": "logs@example.com"})
    await outbox.deliver_due("email")
    link = link_in(smtp.mailbox.titled("logs@example.com", "Reset your Patron password")[-1], "reset-password")
    reset_token = token_of(link)
    page = await json_http.get(f"/reset-password?token={reset_token}")
    assert page.status_code == 200
    reset = await api.run(RESET, {"t": reset_token, "p": NEW_PASSWORD})
    new_token = reset["resetPassword"]["token"]
    await api.run(VIEWER, caller=member.__class__({"Authorization": f"Bearer {new_token}"}))
    logging.getLogger("patron.test").warning("client sent password=%s and Bearer %s", PASSWORD, bearer)

    # Then every line is a JSON object, and no secret appears anywhere in the log
    lines = parsed(log_lines)
    text = log_lines.getvalue()
    assert len(lines) >= 6
    for secret in (PASSWORD, NEW_PASSWORD, bearer, token, reset_token, new_token):
        assert secret not in text
    assert "[redacted]" in text

    # And the access lines carry the request id (as echoed in X-Request-ID), operation, caller, status, duration
    access = [line for line in lines if line["logger"] == "patron.access"]
    by_operation = {line.get("operation"): line for line in access}
    logged_in = by_operation["LogIn"]
    assert logged_in["status"] == 200 and logged_in["route"] == "/graphql" and logged_in["method"] == "POST"
    assert isinstance(logged_in["duration_ms"], float)
    assert len(logged_in["request_id"]) == 16
    viewer = by_operation["Viewer"]
    assert isinstance(viewer["member_id"], int)
    pages = [line for line in access if line["route"] == "/reset-password"]
    assert pages and pages[0]["path"] == "/reset-password"  # the query string (the token) is never logged


async def test_a_refused_variable_is_not_echoed_into_the_log(json_http: httpx.AsyncClient, log_lines) -> None:
    # A client sending a password of the wrong type gets GraphQL's error; the log keeps no value
    query = "mutation L($p: String!) { logIn(email: \"a@example.com\", password: $p) { token } }"
    response = await json_http.post("/graphql", json={"query": query, "variables": {"p": ["hunter2-secret-pw"]}})
    assert "errors" in response.json()
    assert "hunter2-secret-pw" not in log_lines.getvalue()
    assert all(json.loads(line) for line in log_lines.getvalue().splitlines())


async def test_the_access_line_and_the_response_share_one_request_id(
    json_http: httpx.AsyncClient, log_lines: io.StringIO
) -> None:
    response = await json_http.get("/login")
    access = [line for line in parsed(log_lines) if line["logger"] == "patron.access"]
    assert access[-1]["request_id"] == response.headers["x-request-id"]
    assert access[-1]["status"] == 200


async def test_an_upstream_request_id_is_kept_and_a_malformed_one_replaced(json_http: httpx.AsyncClient) -> None:
    kept = await json_http.get("/healthz", headers={"X-Request-ID": "lb-7f3a9c2e11"})
    assert kept.headers["x-request-id"] == "lb-7f3a9c2e11"
    replaced = await json_http.get("/healthz", headers={"X-Request-ID": "<script>"})
    assert replaced.headers["x-request-id"] != "<script>" and len(replaced.headers["x-request-id"]) == 16


async def test_a_partner_call_is_logged_with_the_partner_id(json_http: httpx.AsyncClient, log_lines) -> None:
    api = Api(json_http)
    partner = await api.partner()
    await api.member(email="buyer@example.com")
    await api.purchase(partner, "buyer@example.com", "12.00")
    access = [line for line in parsed(log_lines) if line.get("operation") == "Record"]
    assert access and isinstance(access[-1]["partner_id"], int)
    assert partner.headers["X-Partner-Key"] not in log_lines.getvalue()


def test_development_logs_are_readable_lines() -> None:
    stream = io.StringIO()
    logs.configure(json_lines=False, stream=stream)
    try:
        logging.getLogger("patron.test").info("hello token=abc123secret")
    finally:
        logs.configure(json_lines=False)
    line = stream.getvalue().strip()
    assert "INFO patron.test hello token=[redacted]" in line
    with pytest.raises(json.JSONDecodeError):
        json.loads(line)


def test_production_logs_json_by_default() -> None:
    base = {"PATRON_SECRET_KEY": "s" * 40}
    assert load_settings({**base, "PATRON_ENV": "production"}).json_logs
    assert not load_settings({**base, "PATRON_ENV": "development"}).json_logs
    assert load_settings({**base, "PATRON_LOG_FORMAT": "json"}).json_logs

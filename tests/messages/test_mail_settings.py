"""Mail settings and commands: PATRON_SMTP_URL, PATRON_PUBLIC_URL, production start-up, `patron jobs run --only
mail`, `patron mail test`, and the sender loop inside a real `patron serve`."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import httpx
import pytest

from server.core.config import ConfigError, SmtpServer, load_settings, require_for_serving
from server.models import OutboxMessage, OutboxStatus
from tests.mail_support import SmtpServer as MailServer
from tests.mail_support import link_in
from tests.server_process import ServerProcess
from tests.support import SIGN_UP, Api
from tests.test_cli import patron

BASE = {"PATRON_SECRET_KEY": "k" * 40}


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mail.internal:2525", SmtpServer("mail.internal", 2525)),
        ("smtp://mail.internal", SmtpServer("mail.internal", 25)),
        ("smtps://bob:s%40cret@smtp.example.com", SmtpServer("smtp.example.com", 465, "bob", "s@cret", True, False)),
        ("smtp://u:p@smtp.example.com:587?starttls=true", SmtpServer("smtp.example.com", 587, "u", "p", False, True)),
    ],
)
def test_smtp_urls(url: str, expected: SmtpServer) -> None:
    assert load_settings({**BASE, "PATRON_SMTP_URL": url}).smtp == expected


@pytest.mark.parametrize(
    "url", ["http://mail.example.com", "smtp://", "smtp://h:99999", "smtps://h?starttls=true", "smtp://h?tls=yes"]
)
def test_a_bad_smtp_url_names_the_variable_and_never_the_password(url: str) -> None:
    with pytest.raises(ConfigError, match="PATRON_SMTP_URL") as failure:
        load_settings({**BASE, "PATRON_SMTP_URL": url.replace("//", "//user:hunter2@", 1)})
    assert "hunter2" not in str(failure.value)


def test_the_smtp_password_never_shows_in_a_repr() -> None:
    assert "hunter2" not in repr(load_settings({**BASE, "PATRON_SMTP_URL": "smtp://u:hunter2@h"}))


def test_public_url_is_the_setting_and_base_url_its_older_name() -> None:
    assert load_settings({**BASE, "PATRON_PUBLIC_URL": "https://club.example.com/"}).public_url == (
        "https://club.example.com"
    )
    older = load_settings({**BASE, "PATRON_BASE_URL": "https://old.example.com"})
    assert older.public_url == older.base_url == "https://old.example.com"
    both = load_settings({**BASE, "PATRON_PUBLIC_URL": "https://new.example.com", "PATRON_BASE_URL": "https://x.y"})
    assert both.public_url == "https://new.example.com"
    assert load_settings(BASE).public_url == "http://127.0.0.1:8000"
    with pytest.raises(ConfigError, match="PATRON_PUBLIC_URL"):
        load_settings({**BASE, "PATRON_PUBLIC_URL": "loyalty.example.com"})


def test_mail_from_defaults_to_the_public_host() -> None:
    assert load_settings({**BASE, "PATRON_PUBLIC_URL": "https://club.example.com"}).mail_from == (
        "no-reply@club.example.com"
    )
    assert load_settings(BASE).mail_from == "no-reply@localhost"
    assert load_settings({**BASE, "PATRON_MAIL_FROM": "Club <hi@club.example.com>"}).mail_from == (
        "Club <hi@club.example.com>"
    )
    with pytest.raises(ConfigError, match="PATRON_MAIL_FROM"):
        load_settings({**BASE, "PATRON_MAIL_FROM": "nobody"})


@pytest.mark.parametrize(
    ("extra", "named"),
    [
        ({}, "PATRON_SMTP_URL is required when PATRON_ENV=production"),
        ({"PATRON_SMTP_URL": "smtp://mail:25"}, "PATRON_PUBLIC_URL is required"),
        ({"PATRON_SMTP_URL": "smtp://mail:25", "PATRON_PUBLIC_URL": "http://club.example.com"}, "https"),
    ],
)
def test_a_production_server_needs_mail_settings(extra: dict[str, str], named: str) -> None:
    settings = load_settings({**BASE, "PATRON_ENV": "production", **extra})
    with pytest.raises(ConfigError, match=named):
        require_for_serving(settings)


async def test_patron_serve_in_production_without_smtp_stops_naming_the_variable(tmp_path: Path) -> None:
    env = {
        "DATABASE_URL": f"sqlite://{tmp_path / 'p.db'}", "PATRON_VAR_DIR": str(tmp_path), "PATRON_ENV": "production",
        "PATRON_SECRET_KEY": "p" * 48, "PATRON_SMTP_URL": "", "PATRON_PUBLIC_URL": "https://club.example.com",
    }
    run = await patron("serve", "--port", "1", env=env, limit=60)
    assert run.code == 2
    assert run.err.strip().splitlines() == [
        "patron: configuration error: PATRON_SMTP_URL is required when PATRON_ENV=production (e-mail cannot be "
        "delivered)"
    ]


async def test_jobs_run_only_mail_sends_what_is_due(api: Api, database_url: str, tmp_path: Path) -> None:
    mail = MailServer().start()
    try:
        await api.member(email="cron@example.com")
        env = {"PATRON_SMTP_URL": mail.url, "PATRON_VAR_DIR": str(tmp_path), "PATRON_PUBLIC_URL": "https://c.example"}
        run = await patron("jobs", "run", "--only", "mail", env=env)
        assert run.code == 0, run.err
        assert run.out.startswith("mail\tok") and "sent 1" in run.out
        [message] = mail.mailbox.to("cron@example.com")
        assert link_in(message, "confirm-email").startswith("https://c.example/confirm-email?token=")
        assert (await OutboxMessage.get(channel="email")).status is OutboxStatus.SENT
        again = await patron("jobs", "run", "--only", "mail", env=env)
        assert "sent 0" in again.out and len(mail.mailbox.messages) == 1
    finally:
        mail.stop()


async def test_patron_mail_test_checks_the_settings(database_url: str, tmp_path: Path) -> None:
    mail = MailServer().start()
    try:
        env = {"PATRON_SMTP_URL": mail.url, "PATRON_VAR_DIR": str(tmp_path)}
        run = await patron("mail", "test", "ops@example.com", "--locale", "zh-CN", env=env)
        assert run.code == 0, run.err
        [message] = mail.mailbox.to("ops@example.com")
        assert message["Subject"] == "来自Patron的测试邮件"
        mail.stop()
        down = await patron("mail", "test", "ops@example.com", env=env)
        assert down.code == 1 and "not sent" in down.err
        status = await patron("mail", "status", env=env)
        assert status.code == 0 and f"127.0.0.1:{mail.port}" in status.out
    finally:
        mail.stop()


@pytest.mark.server
async def test_the_sender_loop_in_patron_serve_delivers_without_a_cron(database_url: str, tmp_path: Path) -> None:
    mail = MailServer().start()
    server = ServerProcess(
        {
            "DATABASE_URL": database_url,
            "PATRON_ENV": "test",
            "PATRON_SECRET_KEY": os.environ["PATRON_SECRET_KEY"],
            "PATRON_VAR_DIR": str(tmp_path / "var"),
            "PATRON_SMTP_URL": mail.url,
            "PATRON_OUTBOX_INTERVAL": "1",
        },
        tmp_path / "server.log",
    )
    try:
        await server.start()
        async with httpx.AsyncClient(timeout=30) as http:
            account = {"email": "loop@example.com", "password": "correct-horse-battery", "displayName": "L"}
            answer = await http.post(f"{server.url}/graphql", json={"query": SIGN_UP, "variables": {"input": account}})
            assert answer.json()["data"]["signUp"]["userErrors"] == []
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if mail.mailbox.to("loop@example.com"):
                break
            await asyncio.sleep(0.2)
        [message] = mail.mailbox.to("loop@example.com")
        # without PATRON_PUBLIC_URL, links point at the address the server listens on
        assert link_in(message, "confirm-email").startswith(f"{server.url}/confirm-email?token=")
    finally:
        await server.stop()
        mail.stop()

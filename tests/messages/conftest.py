"""E-mail tests talk to a real SMTP server: aiosmtpd on a free port, with PATRON_SMTP_URL pointing at it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import server.messages.jobs  # noqa: F401  (registers the email channel, as patron serve does)
from server.core.config import get_settings
from tests.mail_support import SmtpServer


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    monkeypatch.setenv("PATRON_SMTP_URL", server.url)
    monkeypatch.setenv("PATRON_PUBLIC_URL", "https://loyalty.example.com")
    get_settings.cache_clear()
    try:
        yield server
    finally:
        server.stop()
        monkeypatch.undo()
        get_settings.cache_clear()

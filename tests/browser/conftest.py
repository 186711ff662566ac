"""Browser tests: a real ``patron serve`` on a free port and headless Debian Chromium via Playwright.

The server gets its own throw-away SQLite database (these tests run on SQLite only: the
server process and the browser are what they test, not the database). Every test opens a
fresh browser context, so cookies never leak between tests.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.server_process import PATRON, ServerProcess

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    skip_backend = pytest.mark.skip(reason="browser tests run against SQLite only (PATRON_TEST_DB=sqlite)")
    skip_browser = pytest.mark.skip(reason=f"{CHROMIUM} is not installed (make test installs it)")
    for item in items:
        if HERE not in Path(str(item.fspath)).resolve().parents:
            continue
        item.add_marker(pytest.mark.browser)
        if os.environ.get("PATRON_TEST_DB", "sqlite") != "sqlite":
            item.add_marker(skip_backend)
        elif not Path(CHROMIUM).exists():
            item.add_marker(skip_browser)


class PortalServer:
    def __init__(self, process: ServerProcess, env: dict[str, str]) -> None:
        self.process = process
        self.env = env
        self.url = process.url
        self.partner_key = ""

    def cli(self, *args: str) -> str:
        """Run a ``patron`` command against this server's database; returns its output."""
        done = subprocess.run(
            [PATRON, *args], env={**os.environ, **self.env}, capture_output=True, text=True, timeout=60, check=True
        )
        return done.stdout


@pytest.fixture(scope="session")
async def portal_server() -> AsyncIterator[PortalServer]:
    folder = Path(tempfile.mkdtemp(prefix="patron-browser-"))
    env = {
        "PATRON_ENV": "development",
        "PATRON_SECRET_KEY": "browser-tests-secret-" + "k" * 32,
        "PATRON_VAR_DIR": str(folder),
        "DATABASE_URL": f"sqlite://{folder / 'portal.db'}",
    }
    process = ServerProcess(env, folder / "server.log")
    env["PATRON_BASE_URL"] = process.url
    await process.start()
    server = PortalServer(process, env)
    output = await asyncio.to_thread(
        server.cli, "partner", "create", "Browser Test Shop",
        "--scope", "purchases:write", "--scope", "members:read", "--scope", "referrals:write",
    )
    server.partner_key = output.strip().splitlines()[-1]
    try:
        yield server
    finally:
        await process.stop()


@pytest.fixture(scope="session")
async def browser():
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            await chromium.close()


@contextlib.asynccontextmanager
async def _tab(browser, server: PortalServer, **options):
    """A page in a fresh browser context (own cookies) at desktop width."""
    context = await browser.new_context(
        base_url=server.url, viewport={"width": 1280, "height": 900}, locale="en-US", **options
    )
    context.set_default_timeout(15_000)
    tab = await context.new_page()
    problems: list[str] = []
    tab.on("console", lambda message: _note_console(problems, message.type, message.text))
    tab.on("pageerror", lambda error: problems.append(f"uncaught: {error}"))
    try:
        yield tab
    finally:
        await context.close()
    assert not problems, f"the page broke its Content-Security-Policy or threw: {problems}"


def _note_console(problems: list[str], kind: str, text: str) -> None:
    """A CSP violation (or a script error) in any page is a defect, even when the test's flow still works."""
    if kind == "error" and ("Content Security Policy" in text or "Refused to" in text):
        problems.append(text)


@pytest.fixture
async def page(browser, portal_server):
    async with _tab(browser, portal_server) as tab:
        yield tab


@pytest.fixture
async def nojs_page(browser, portal_server):
    """JavaScript off: every action must work as a plain form POST and redirect."""
    async with _tab(browser, portal_server, java_script_enabled=False) as tab:
        yield tab

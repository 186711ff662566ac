"""A signed-in browser for the rewards pages (catalog, redemptions, referrals, reviews), over ASGI.

The member signs up through the API and logs in through the portal's own form, so the session
cookie and CSRF token are the real ones. Each browser is its own cookie jar, apart from ``http``.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from tests.portal_support import CSRF_FIELD, PASSWORD
from tests.support import Api, Caller

IDEMPOTENCY_KEY = re.compile(r'name="idempotency_key" value="([^"]+)"')


class Browser:
    """One visitor's cookie jar, with the CSRF token of the last page it loaded."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.csrf = ""

    async def get(self, url: str, **kwargs) -> httpx.Response:
        response = await self.client.get(url, **kwargs)
        found = CSRF_FIELD.search(response.text)
        if found:
            self.csrf = found.group(1)
        return response

    async def post(self, url: str, data: dict[str, str], *, csrf: bool = True, htmx: bool = False) -> httpx.Response:
        form = {**data, "csrf_token": self.csrf} if csrf else data
        headers = {"HX-Request": "true", "X-CSRF-Token": self.csrf} if htmx else {}
        return await self.client.post(url, data=form, headers=headers)

    async def hx_get(self, url: str) -> httpx.Response:
        return await self.client.get(url, headers={"HX-Request": "true", "X-CSRF-Token": self.csrf})


@asynccontextmanager
async def member_browser(app, api: Api, **sign_up: str) -> AsyncIterator[tuple[Browser, Caller]]:
    """A browser logged in as a new member (who is also returned as an API caller)."""
    caller = await api.member(password=PASSWORD, **sign_up)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver", timeout=60) as client:
        browser = Browser(client)
        await browser.get("/login")
        response = await browser.post("/login", {"email": caller.email or "", "password": PASSWORD, "next": "/catalog"})
        assert response.status_code == 303, response.text
        await browser.get("/referrals")  # the session's own CSRF token replaces the anonymous one
        yield browser, caller

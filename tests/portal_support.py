"""Helpers for portal tests: read CSRF tokens from pages, join and log in through the forms."""

from __future__ import annotations

import itertools
import re

import httpx

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
PASSWORD = "correct-horse-battery"
_counter = itertools.count(1)


def csrf_of(html: str) -> str:
    match = CSRF_FIELD.search(html)
    assert match, "page has no CSRF field"
    return match.group(1)


async def join(http: httpx.AsyncClient, *, email: str | None = None, name: str = "Li Wei", **fields: str) -> str:
    """Sign up through the portal form (the client keeps the session cookie); returns the e-mail."""
    email = email or f"portal{next(_counter)}@example.com"
    form = await http.get("/signup")
    response = await http.post(
        "/signup",
        data={"csrf_token": csrf_of(form.text), "email": email, "password": PASSWORD, "displayName": name, **fields},
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/dashboard"
    return email


async def page_token(http: httpx.AsyncClient, path: str = "/dashboard") -> str:
    """The CSRF token of the signed-in session (as a page renders it)."""
    response = await http.get(path)
    assert response.status_code == 200, response.text
    return csrf_of(response.text)

"""Who gets into /staff: staff and analysts; members get 403 everywhere under it, unknown URLs included."""

from __future__ import annotations

import httpx
import pytest

from server.accounts import set_role
from server.models import Role
from tests.portal_support import join


async def signed_in(http: httpx.AsyncClient, role: Role | None) -> str:
    email = await join(http)
    if role is not None:
        await set_role(email, role)
    return email


@pytest.mark.parametrize(
    "path",
    [
        # Pages that also take a POST answer that POST's missing form token first (403 too): their
        # tests post with the token (tests/staff/test_catalog_pages.py, test_moderation.py).
        "/staff", "/staff/members", "/staff/no-such-page", "/staff/a/b?c=d", "/staff/catalog", "/staff/reviews",
        "/staff/audit",
    ],
)
async def test_a_member_gets_403_on_every_console_url(http: httpx.AsyncClient, path: str) -> None:
    await signed_in(http, None)
    for response in (await http.get(path), await http.post(path, data={})):
        assert response.status_code == 403
        assert "for the loyalty team" in response.text
        assert response.headers["cache-control"] == "no-store"


async def test_a_visitor_who_is_not_signed_in_is_sent_to_log_in(http: httpx.AsyncClient) -> None:
    response = await http.get("/staff/no-such-page")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fstaff%2Fno-such-page"


@pytest.mark.parametrize("role", [Role.STAFF, Role.ANALYST])
async def test_staff_and_analysts_see_the_console_and_its_own_not_found(http: httpx.AsyncClient, role: Role) -> None:
    await signed_in(http, role)
    home = await http.get("/staff")
    assert home.status_code == 200
    assert home.headers["cache-control"] == "no-store"
    assert 'aria-current="page"' in home.text and "Overview" in home.text
    assert ("read-only" in home.text) is (role is Role.ANALYST)
    missing = await http.get("/staff/no-such-page")
    assert missing.status_code == 404


async def test_the_portal_links_the_console_for_the_team_only(http: httpx.AsyncClient) -> None:
    email = await signed_in(http, None)
    assert 'href="/staff"' not in (await http.get("/dashboard")).text
    await set_role(email, Role.ANALYST)
    assert 'href="/staff"' in (await http.get("/dashboard")).text

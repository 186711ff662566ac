"""Hostile requests to the portal get its own clean pages: URLs with %00, oversized forms, cookies.

A URL carrying a control character names no page (404, with nothing of it echoed into the
HTML); a form the parser refuses gets the portal's translated 400 page instead of bare text; in
production the anonymous CSRF cookie is ``__Host-`` prefixed like the session cookie.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from server.app import create_app
from server.core.config import load_settings
from server.models import Member
from tests.portal_support import PASSWORD, csrf_of, join

NUL_URLS = [
    "/reviews/s/%00abc",
    "/%00",
    "/catalog/%00x",
    "/redemptions/%00",
    "/dashboard%00",
    "/reviews/new?subject=%00abc",
    "/catalog?category=a%00b",
    "/login?next=/%00",
    "/reviews/s/tea%0D%0Aset-cookie:x=1",
]


def _assert_clean_404(response: httpx.Response) -> None:
    assert response.status_code == 404, response.text[:300]
    assert response.headers["content-type"].startswith("text/html")
    assert "\x00" not in response.text and "%00" not in response.text and "\\u0000" not in response.text
    assert "set-cookie:x" not in response.text.lower()
    assert "content-security-policy" in response.headers and len(response.headers["x-request-id"]) == 16


@pytest.mark.parametrize("url", NUL_URLS)
async def test_a_url_with_a_control_character_is_a_clean_404(http: httpx.AsyncClient, url: str) -> None:
    response = await http.get(url)

    _assert_clean_404(response)
    assert "We couldn&#39;t find that page. It may have moved." in response.text


async def test_a_signed_in_member_gets_the_same_clean_404_in_their_language(http: httpx.AsyncClient) -> None:
    http.headers["accept-language"] = "zh-CN"  # the member signs up in Chinese
    email = await join(http)
    assert (await Member.get(email=email)).locale == "zh-CN"

    response = await http.get("/reviews/s/%00abc")

    _assert_clean_404(response)
    assert "页面不存在" in response.text


async def test_a_post_to_a_url_with_a_control_character_changes_nothing(http: httpx.AsyncClient) -> None:
    form = await http.get("/signup")
    data = {"csrf_token": csrf_of(form.text), "email": "nul@example.com", "password": PASSWORD, "displayName": "N"}

    response = await http.post("/signup?x=%00", data=data)

    _assert_clean_404(response)
    assert await Member.filter(email="nul@example.com").count() == 0


def _fields(count: int) -> str:
    return "&".join(f"f{i}=1" for i in range(count))


@pytest.mark.parametrize("path", ["/login", "/signup", "/reviews/new"])
async def test_a_form_with_100000_fields_gets_the_portals_own_400_page(http: httpx.AsyncClient, path: str) -> None:
    response = await http.post(
        path, content=_fields(100_000), headers={"content-type": "application/x-www-form-urlencoded"}
    )

    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")
    assert "That request didn&#39;t look right. Please go back and try again." in response.text
    assert "Too many fields" not in response.text
    assert "content-security-policy" in response.headers and "x-request-id" in response.headers


async def test_an_oversized_multipart_form_gets_the_400_page_in_chinese(http: httpx.AsyncClient) -> None:
    files = {f"f{i}": (None, "1") for i in range(1_500)}

    response = await http.post("/login", files=files, headers={"accept-language": "zh-CN"})

    assert response.status_code == 400
    assert "请求似乎有误，请返回后重试。" in response.text


async def test_a_signed_in_form_with_too_many_fields_changes_nothing(http: httpx.AsyncClient) -> None:
    email = await join(http, name="Keep Me")
    body = f"displayName=Changed&{_fields(5_000)}"

    response = await http.post("/profile", content=body, headers={"content-type": "application/x-www-form-urlencoded"})

    assert response.status_code == 400
    assert (await Member.get(email=email)).display_name == "Keep Me"


@pytest.fixture
async def production(database_url: str, tmp_path) -> AsyncIterator[httpx.AsyncClient]:
    settings = load_settings(
        {"PATRON_ENV": "production", "PATRON_SECRET_KEY": "p" * 40, "DATABASE_URL": database_url,
         "PATRON_VAR_DIR": str(tmp_path)}
    )
    transport = httpx.ASGITransport(app=create_app(settings, manage_db=False))
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as client:
        yield client


async def test_in_production_the_anonymous_csrf_cookie_has_the_host_prefix(production: httpx.AsyncClient) -> None:
    page = await production.get("/login")

    [cookie] = [c for c in page.headers.get_list("set-cookie") if "patron_csrf=" in c]
    assert cookie.startswith("__Host-patron_csrf=")
    assert "Secure" in cookie and "HttpOnly" in cookie and "Path=/" in cookie and "Domain" not in cookie
    # and the anonymous form still works with it: a wrong password is refused, not "expired"
    response = await production.post(
        "/login", data={"csrf_token": csrf_of(page.text), "email": "x@example.com", "password": "wrong-password"}
    )
    assert response.status_code in (200, 422) and "This form has expired" not in response.text


async def test_in_production_an_unprefixed_csrf_cookie_is_not_trusted(production: httpx.AsyncClient) -> None:
    """A cookie a sibling subdomain could plant (no ``__Host-``) does not validate a form."""
    page = await production.get("/login")
    token = csrf_of(page.text)
    nonce = token.partition(".")[0]
    production.cookies.clear()
    production.cookies.set("patron_csrf", nonce, domain="testserver")

    response = await production.post("/login", data={"csrf_token": token, "email": "x@example.com", "password": "pw"})

    assert response.status_code == 403

"""Portal security: CSRF refusal, escaping, session cookies, log-out and response headers."""

from __future__ import annotations

import re

import httpx

from server.core.config import load_settings
from server.models import AuthToken, CheckIn, Member
from tests.portal_support import PASSWORD, csrf_of, join, page_token


async def test_logged_in_form_without_csrf_token_is_refused(http: httpx.AsyncClient) -> None:
    # given a signed-in member
    email = await join(http)
    # when the check-in form is posted without a token, or with someone else's
    missing = await http.post("/check-in", data={})
    forged = await http.post("/check-in", data={"csrf_token": "not-the-token"})
    # then both are refused and nothing happened
    assert missing.status_code == 403
    assert forged.status_code == 403
    member = await Member.get(email=email)
    assert await CheckIn.filter(member_id=member.id).count() == 0
    assert member.balance == 0
    # and with the session's token the same form works
    ok = await http.post("/check-in", data={"csrf_token": await page_token(http)})
    assert ok.status_code == 303
    assert await CheckIn.filter(member_id=member.id).count() == 1


async def test_htmx_request_without_csrf_header_is_refused(http: httpx.AsyncClient) -> None:
    email = await join(http)
    token = await page_token(http)
    refused = await http.post("/check-in", headers={"HX-Request": "true"})
    refused_get = await http.get("/points?after=x", headers={"HX-Request": "true"})
    assert refused.status_code == 403
    assert refused_get.status_code == 403
    assert await CheckIn.filter(member__email=email).count() == 0
    accepted = await http.post("/check-in", headers={"HX-Request": "true", "X-CSRF-Token": token})
    assert accepted.status_code == 200
    assert 'id="check-in-card"' in accepted.text
    assert await CheckIn.filter(member__email=email).count() == 1


async def test_anonymous_forms_need_the_signed_double_submit_token(app, http: httpx.AsyncClient) -> None:
    email = await join(http)
    await http.post("/logout", data={"csrf_token": await page_token(http)})
    page = await http.get("/login")
    token = csrf_of(page.text)
    # no token, and a token whose nonce is not this browser's cookie, are refused
    assert (await http.post("/login", data={"email": email, "password": PASSWORD})).status_code == 403
    other = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
    async with other:
        other_token = csrf_of((await other.get("/login")).text)
    forged = await http.post("/login", data={"csrf_token": other_token, "email": email, "password": PASSWORD})
    assert forged.status_code == 403
    tampered = token[:-4] + ("0000" if not token.endswith("0000") else "1111")
    assert (
        await http.post("/login", data={"csrf_token": tampered, "email": email, "password": PASSWORD})
    ).status_code == 403
    # the real pair logs in
    ok = await http.post("/login", data={"csrf_token": token, "email": email, "password": PASSWORD})
    assert ok.status_code == 303


async def test_a_display_name_with_markup_is_shown_as_text(http: httpx.AsyncClient) -> None:
    await join(http, name="<script>alert(1)</script>")
    page = await http.get("/dashboard")
    profile = await http.get("/profile")
    for response in (page, profile):
        assert "<script>alert(1)</script>" not in response.text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text


async def test_session_cookie_is_httponly_lax_and_rotated_at_log_in(http: httpx.AsyncClient) -> None:
    form = await http.get("/signup")
    response = await http.post(
        "/signup",
        data={"csrf_token": csrf_of(form.text), "email": "c@example.com", "password": PASSWORD, "displayName": "Cee"},
    )
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("patron_session="))
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Path=/" in cookie
    assert "Secure" not in cookie  # plain http in development and tests
    first = http.cookies["patron_session"]
    # logging in again (same browser) issues a new session and revokes the old one
    login = await http.get("/login?next=/profile")
    assert login.status_code == 303  # already signed in
    await http.post("/logout", data={"csrf_token": await page_token(http)})
    token = csrf_of((await http.get("/login")).text)
    await http.post("/login", data={"csrf_token": token, "email": "c@example.com", "password": PASSWORD})
    second = http.cookies["patron_session"]
    assert second != first
    assert await AuthToken.filter(kind="session", revoked_at__isnull=True).count() == 1


async def test_production_cookie_has_host_prefix_and_secure(database_url: str, monkeypatch) -> None:
    from server.app import create_app

    settings = load_settings(
        {
            "PATRON_ENV": "production",
            "PATRON_SECRET_KEY": "p" * 40,
            "DATABASE_URL": database_url,
            "PATRON_VAR_DIR": "/tmp",
        }
    )
    app = create_app(settings, manage_db=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as client:
        form = await client.get("/signup")
        response = await client.post(
            "/signup",
            data={"csrf_token": csrf_of(form.text), "email": "p@example.com", "password": PASSWORD, "displayName": "P"},
        )
    assert response.status_code == 303
    cookie = next(c for c in response.headers.get_list("set-cookie") if "patron_session=" in c)
    assert cookie.startswith("__Host-patron_session=")
    assert "Secure" in cookie and "HttpOnly" in cookie and "Path=/" in cookie and "Domain" not in cookie


async def test_log_out_kills_a_copied_cookie(app, http: httpx.AsyncClient) -> None:
    await join(http)
    copied = http.cookies["patron_session"]
    thief = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver", cookies={"patron_session": copied}
    )
    async with thief:
        assert (await thief.get("/dashboard")).status_code == 200
        logout = await http.post("/logout", data={"csrf_token": await page_token(http)})
        assert logout.status_code == 303
        assert any(c.startswith('patron_session=""') for c in logout.headers.get_list("set-cookie"))
        after = await thief.get("/dashboard")
    assert after.status_code == 303
    assert after.headers["location"].startswith("/login")
    assert await AuthToken.filter(kind="session", revoked_at__isnull=True).count() == 0


async def test_pages_carry_security_headers_and_no_inline_script_or_style(http: httpx.AsyncClient) -> None:
    await join(http)
    for path in ("/login", "/signup", "/dashboard", "/points", "/profile", "/notifications", "/"):
        response = await http.get(path, follow_redirects=True)
        csp = response.headers["content-security-policy"]
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"]
        html = response.text
        assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == [], path
        assert re.findall(r"\sstyle=\"", html) == [], path
        assert re.findall(r"\son[a-z]+=\"", html) == [], path


async def test_static_files_are_cached_and_versioned(http: httpx.AsyncClient) -> None:
    page = await http.get("/login")
    css = re.search(r'href="(/static/patron\.css\?v=[0-9a-f]+)"', page.text)
    htmx = re.search(r'src="(/static/htmx-2\.0\.\d+\.min\.js\?v=[0-9a-f]+)"', page.text)
    assert css and htmx
    response = await http.get(css.group(1))
    assert response.status_code == 200
    assert "max-age" in response.headers["cache-control"]


async def test_redirect_after_log_in_stays_on_this_site(http: httpx.AsyncClient) -> None:
    email = await join(http)
    await http.post("/logout", data={"csrf_token": await page_token(http)})
    token = csrf_of((await http.get("/login")).text)
    response = await http.post(
        "/login", data={"csrf_token": token, "email": email, "password": PASSWORD, "next": "//evil.example/x"}
    )
    assert response.headers["location"] == "/dashboard"


async def test_a_csrf_token_with_non_ascii_text_is_refused_not_a_server_error(http: httpx.AsyncClient) -> None:
    # given a visitor with the anonymous token pair; when a form posts a token with non-ASCII characters
    token = csrf_of((await http.get("/login")).text)
    nonce, _, _ = token.partition(".")
    anonymous = await http.post("/login", data={"csrf_token": f"{nonce}.é", "email": "a@example.com", "password": "x"})
    foreign_nonce = await http.post("/language", data={"csrf_token": "é.é", "locale": "zh-CN"})
    # and a signed-in member's form does the same
    email = await join(http)
    signed_in = await http.post("/check-in", data={"csrf_token": "令牌"})
    # then each is the ordinary 403 refusal, and nothing happened
    assert anonymous.status_code == foreign_nonce.status_code == signed_in.status_code == 403
    assert "This form has expired." in signed_in.text
    assert await CheckIn.filter(member__email=email).count() == 0


async def test_htmx_redirects_are_url_encoded_like_location_headers(http: httpx.AsyncClient) -> None:
    # given a visitor switching language from a page whose path is Chinese, or a `next` with a tab in it
    token = csrf_of((await http.get("/login")).text)
    headers = {"HX-Request": "true", "X-CSRF-Token": token}
    chinese = await http.post("/language", data={"locale": "en", "next": "/reviews/s/product:保温杯"}, headers=headers)
    tab = await http.post("/language", data={"locale": "en", "next": "/\t/evil.example"}, headers=headers)
    plain = await http.post("/language", data={"csrf_token": token, "locale": "en", "next": "/\t/evil.example"})
    # then htmx gets the same encoded target a plain form gets in Location: never a raw tab, which
    # location.href would drop ("//evil.example", another site), and never a 500 for non-Latin-1 text
    assert chinese.status_code == 200
    assert chinese.headers["hx-redirect"] == "/reviews/s/product:%E4%BF%9D%E6%B8%A9%E6%9D%AF"
    assert tab.headers["hx-redirect"] == plain.headers["location"] == "/%09/evil.example"

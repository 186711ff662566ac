"""Portal account pages: joining (with a referral link), logging in and out, the profile."""

from __future__ import annotations

import httpx

from server.models import LoginThrottle, Member, Referral
from tests.portal_support import PASSWORD, csrf_of, join, page_token


async def _save_profile(http: httpx.AsyncClient, **fields: str) -> httpx.Response:
    """Post the profile form (with the page's CSRF token) as a member would after editing ``fields``."""
    token = await page_token(http, "/profile")
    return await http.post("/profile", data={"csrf_token": token, **fields})


async def test_a_referral_link_prefills_the_code_and_sign_up_records_the_referral(http: httpx.AsyncClient) -> None:
    # given a member's share link
    referrer_email = await join(http, name="Ann Lee")
    referrer = await Member.get(email=referrer_email)
    await http.post("/logout", data={"csrf_token": await page_token(http)})
    # when a friend opens it, the code is already filled in
    form = await http.get(f"/signup?ref={referrer.share_code}")
    assert f'name="referralCode" type="text" value="{referrer.share_code}"' in form.text
    # and joining with it links the two
    response = await http.post(
        "/signup",
        data={
            "csrf_token": csrf_of(form.text),
            "email": "friend@example.com",
            "password": PASSWORD,
            "displayName": "Bo Chen",
            "referralCode": referrer.share_code,
            "timezone": "Europe/Berlin",
        },
    )
    assert response.status_code == 303
    friend = await Member.get(email="friend@example.com")
    assert friend.timezone == "Europe/Berlin"
    assert await Referral.filter(referrer_id=referrer.id, referee_id=friend.id).exists()
    welcome = await http.get("/dashboard")
    assert "Welcome to Patron, Bo Chen!" in welcome.text


async def test_sign_up_errors_are_friendly_and_keep_the_input(http: httpx.AsyncClient) -> None:
    form = await http.get("/signup")
    response = await http.post(
        "/signup",
        data={"csrf_token": csrf_of(form.text), "email": "short@example.com", "password": "short", "displayName": "Al"},
    )
    assert response.status_code == 422
    assert "Use at least 10 characters for your password." in response.text
    assert 'value="short@example.com"' in response.text
    assert 'aria-invalid="true"' in response.text
    bad_code = await http.post(
        "/signup",
        data={
            "csrf_token": csrf_of(form.text),
            "email": "x@example.com",
            "password": PASSWORD,
            "displayName": "Al",
            "referralCode": "NOSUCHCODE",
        },
    )
    assert "That referral code isn&#39;t valid" in bad_code.text
    assert not await Member.exists(email__in=["short@example.com", "x@example.com"])


async def test_log_in_with_a_wrong_password_then_too_often_is_explained(http: httpx.AsyncClient) -> None:
    email = await join(http)
    await http.post("/logout", data={"csrf_token": await page_token(http)})
    token = csrf_of((await http.get("/login")).text)
    wrong = await http.post("/login", data={"csrf_token": token, "email": email, "password": "not-my-password"})
    assert wrong.status_code == 422
    assert "That e-mail and password don&#39;t match." in wrong.text
    for _ in range(5):
        response = await http.post("/login", data={"csrf_token": token, "email": email, "password": "nope-nope-nope"})
    assert "Too many attempts. Please wait" in response.text and "seconds" in response.text
    assert (await LoginThrottle.get(email=email)).failures >= 5


async def test_log_in_returns_to_the_page_asked_for(http: httpx.AsyncClient) -> None:
    email = await join(http)
    await http.post("/logout", data={"csrf_token": await page_token(http)})
    guarded = await http.get("/points")
    assert guarded.status_code == 303 and guarded.headers["location"] == "/login?next=%2Fpoints"
    form = await http.get(guarded.headers["location"])
    assert 'name="next" value="/points"' in form.text
    response = await http.post(
        "/login", data={"csrf_token": csrf_of(form.text), "email": email, "password": PASSWORD, "next": "/points"}
    )
    assert response.status_code == 303 and response.headers["location"] == "/points"


async def test_log_out_is_a_post_that_ends_the_session(http: httpx.AsyncClient) -> None:
    await join(http)
    assert (await http.get("/logout")).status_code in (404, 405)  # a link or image cannot log anyone out
    assert (await http.get("/dashboard")).status_code == 200
    response = await http.post("/logout", data={"csrf_token": await page_token(http)})
    assert response.headers["location"] == "/login"
    assert (await http.get("/dashboard")).status_code == 303
    assert "You have been logged out." in (await http.get("/login")).text


async def test_profile_saves_name_birthday_time_zone_and_language(http: httpx.AsyncClient) -> None:
    email = await join(http)
    response = await _save_profile(
        http, displayName="Wei Li", birthday="1990-04-02", timezone="Europe/London", locale="en"
    )
    assert response.status_code == 303
    member = await Member.get(email=email)
    assert (member.display_name, str(member.birthday), member.timezone) == ("Wei Li", "1990-04-02", "Europe/London")
    page = await http.get("/profile")
    assert "Your profile is saved." in page.text
    assert '<option value="Europe/London" selected>' in page.text


async def test_profile_refuses_a_future_birthday_with_a_message_by_the_field(http: httpx.AsyncClient) -> None:
    email = await join(http)
    response = await _save_profile(
        http, displayName="Wei", birthday="2999-01-01", timezone="Asia/Shanghai", locale="en"
    )
    assert response.status_code == 422
    assert 'id="e-birthday"' in response.text and "Enter your real date of birth." in response.text
    assert (await Member.get(email=email)).birthday is None

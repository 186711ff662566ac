"""The portal's e-mail pages over HTTP: forgot and reset password, profile changes, preferences, unsubscribe."""

from __future__ import annotations

import httpx
import pytest

from server.accounts import recovery
from server.messages import outbox
from server.models import Member, MessageConsent
from tests.mail_support import SmtpServer, link_in, token_of
from tests.portal_support import PASSWORD, csrf_of, join, page_token


@pytest.fixture(autouse=True)
def quick_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(recovery, "ANSWER_AFTER", 0.0)


async def _mail_to(smtp: SmtpServer, address: str, subject: str):  # type: ignore[no-untyped-def]
    await outbox.deliver_due("email")
    return smtp.mailbox.titled(address, subject)[-1]


async def test_forgot_password_from_the_log_in_page_to_a_new_session(
    http: httpx.AsyncClient, app, smtp: SmtpServer
) -> None:
    email = await join(http)
    await http.post("/logout", data={"csrf_token": await page_token(http)})
    login = await http.get("/login")
    assert 'href="/forgot-password"' in login.text

    form = await http.get("/forgot-password")
    sent = await http.post("/forgot-password", data={"csrf_token": csrf_of(form.text), "email": email})
    assert sent.status_code == 200 and "we have sent it a link" in sent.text
    unknown = await http.post("/forgot-password", data={"csrf_token": csrf_of(form.text), "email": "no@example.com"})
    assert "we have sent it a link" in unknown.text  # the same answer

    link = link_in(await _mail_to(smtp, email, "Reset your Patron password"), "reset-password")
    page = await http.get(link.replace("https://loyalty.example.com", ""))
    assert page.headers["referrer-policy"] == "no-referrer"
    assert page.headers["cache-control"] == "no-store"
    assert 'name="token"' in page.text
    mismatch = await http.post(
        "/reset-password",
        data={"csrf_token": csrf_of(page.text), "token": token_of(link), "newPassword": "new-password-1",
              "repeatPassword": "new-password-2"},
    )
    assert mismatch.status_code == 422 and "not the same" in mismatch.text
    done = await http.post(
        "/reset-password",
        data={"csrf_token": csrf_of(page.text), "token": token_of(link), "newPassword": "new-password-1",
              "repeatPassword": "new-password-1"},
    )
    assert done.status_code == 303 and done.headers["location"] == "/dashboard"
    assert (await http.get("/dashboard")).status_code == 200  # signed in
    # the used link now says it has expired, still without leaking a referrer
    again = await http.get(link.replace("https://loyalty.example.com", ""))
    assert "expired or was already used" in again.text and again.headers["referrer-policy"] == "no-referrer"


async def test_changing_the_password_in_the_profile_keeps_this_browser_signed_in_only(
    http: httpx.AsyncClient, app, smtp: SmtpServer
) -> None:
    email = await join(http)
    other = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
    async with other:
        form = await other.get("/login")
        await other.post("/login", data={"csrf_token": csrf_of(form.text), "email": email, "password": PASSWORD})
        assert (await other.get("/dashboard")).status_code == 200

        token = await page_token(http, "/profile")
        wrong = await http.post(
            "/profile/password",
            data={"csrf_token": token, "currentPassword": "nope-nope-nope", "newPassword": "x" * 12},
        )
        assert wrong.status_code == 422 and "don&#39;t match" in wrong.text
        done = await http.post(
            "/profile/password", data={"csrf_token": token, "currentPassword": PASSWORD, "newPassword": "x" * 12}
        )
        assert done.status_code == 303
        assert (await http.get("/profile")).status_code == 200
        assert (await other.get("/dashboard")).status_code == 303  # the other browser was signed out


async def test_changing_the_address_in_the_profile_and_the_unconfirmed_reminder(
    http: httpx.AsyncClient, smtp: SmtpServer
) -> None:
    email = await join(http)
    dashboard = await http.get("/dashboard")
    assert "Please confirm your e-mail address" in dashboard.text

    # following the sign-up link removes the reminder
    link = link_in(await _mail_to(smtp, email, "Confirm your e-mail address for Patron"), "confirm-email")
    page = await http.get(link.replace("https://loyalty.example.com", ""))
    assert page.headers["referrer-policy"] == "no-referrer"
    confirmed = await http.post("/confirm-email", data={"csrf_token": csrf_of(page.text), "token": token_of(link)})
    assert confirmed.status_code == 303
    assert "Please confirm your e-mail address" not in (await http.get("/dashboard")).text

    token = await page_token(http, "/profile")
    taken = await http.post("/profile/email", data={"csrf_token": token, "newEmail": email, "password": PASSWORD})
    assert taken.status_code == 422
    moved = await http.post(
        "/profile/email", data={"csrf_token": token, "newEmail": "elsewhere@example.com", "password": PASSWORD}
    )
    assert moved.status_code == 303
    assert "We sent a link to elsewhere@example.com" in (await http.get("/profile")).text
    assert (await Member.get(email=email)).email == email  # nothing changes before confirmation


async def test_preferences_page_saves_choices_and_records_consent(http: httpx.AsyncClient) -> None:
    email = await join(http)
    page = await http.get("/preferences")
    assert page.status_code == 200 and 'name="serviceEmails" checked' in page.text
    assert 'name="marketingEmails" checked' not in page.text
    saved = await http.post(
        "/preferences", data={"csrf_token": csrf_of(page.text), "serviceEmails": "on", "marketingEmails": "on"}
    )
    assert saved.status_code == 303
    member = await Member.get(email=email)
    assert member.marketing_emails and member.marketing_consent_at is not None
    consent = await MessageConsent.get(member_id=member.id, category="marketing")
    assert (consent.granted, consent.source) == (True, "portal")
    assert "You agreed to news and offers on" in (await http.get("/preferences")).text


async def test_one_click_unsubscribe_needs_no_session_and_no_form_token(
    http: httpx.AsyncClient, app, smtp: SmtpServer
) -> None:
    await join(http, email="unsub@example.com")
    member = await Member.get(email="unsub@example.com")
    from tortoise.transactions import in_transaction

    from server.messages import notifications

    async with in_transaction():
        await notifications.notify(member.id, "TIER_UPGRADE", {"tier_name": "Gold"})
    message = await _mail_to(smtp, "unsub@example.com", "Welcome to Gold")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = message["List-Unsubscribe"].strip().strip("<>")
    assert url.startswith("https://loyalty.example.com/unsubscribe?token=")
    assert link_in(message, "unsubscribe") == url  # the footer links the same page

    anonymous = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
    async with anonymous:
        path = url.replace("https://loyalty.example.com", "")
        # opening the link in a browser asks first and changes nothing
        shown = await anonymous.get(path)
        assert shown.status_code == 200 and "Stop service e-mails" in shown.text
        assert (await Member.get(id=member.id)).service_emails is True
        # the mail client's one-click POST (RFC 8058) turns the category off
        done = await anonymous.post(path, data={"List-Unsubscribe": "One-Click"})
        assert done.status_code == 200 and done.text == "Unsubscribed.\n"
        assert (await Member.get(id=member.id)).service_emails is False
        forged = await anonymous.post(path[:-3] + "xyz", data={"List-Unsubscribe": "One-Click"})
        assert forged.status_code == 400
    consent = await MessageConsent.get(member_id=member.id, category="service")
    assert (consent.granted, consent.source) == (False, "unsubscribe-link")

"""Forgotten passwords: no enumeration, limits, single-use 30-minute links, every other session ended."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from server.accounts import recovery
from server.core import clock
from server.messages import outbox
from server.models import AccountLink, AuthToken, Member, Notification, OutboxMessage
from tests.mail_support import SmtpServer, link_in, text_of, token_of
from tests.support import Api, Caller

REQUEST = "mutation R($e: String!) { requestPasswordReset(email: $e) { ok userErrors { code field } } }"
RESET = """
mutation S($t: String!, $p: String!) {
  resetPassword(token: $t, newPassword: $p) { token member { email } userErrors { code field } }
}
"""
CHANGE = """
mutation C($c: String!, $n: String!) {
  changePassword(currentPassword: $c, newPassword: $n) { token member { email } userErrors { code field } }
}
"""
LOG_IN = "mutation L($e: String!, $p: String!) { logIn(email: $e, password: $p) { token userErrors { code } } }"
VIEWER = "{ viewer { email } }"
NEW_PASSWORD = "a-brand-new-secret"


@pytest.fixture(autouse=True)
def quick_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    """The equal-time floor is measured in its own test; elsewhere it would only slow the suite."""
    monkeypatch.setattr(recovery, "ANSWER_AFTER", 0.0)


async def _reset_link(api: Api, smtp: SmtpServer, email: str) -> str:
    await api.run(REQUEST, {"e": email})
    await outbox.deliver_due("email")
    return link_in(smtp.mailbox.titled(email, "Reset your Patron password")[-1], "reset-password")


async def test_unknown_and_known_addresses_get_the_same_answer_and_only_a_member_gets_mail(
    api: Api, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(recovery, "ANSWER_AFTER", 0.3)
    await api.member(email="known@example.com")
    await outbox.deliver_due("email")
    smtp.mailbox.messages.clear()

    timings = {}
    answers = {}
    for address in ("known@example.com", "nobody@example.com"):
        started = asyncio.get_running_loop().time()
        response = await api.raw(REQUEST, {"e": address})
        timings[address] = asyncio.get_running_loop().time() - started
        answers[address] = response.json()
    assert answers["known@example.com"] == answers["nobody@example.com"]
    assert answers["known@example.com"]["data"]["requestPasswordReset"] == {"ok": True, "userErrors": []}
    # both take at least the floor, so timing does not tell them apart
    assert min(timings.values()) >= 0.3

    await outbox.deliver_due("email")
    assert [str(m["To"]) for m in smtp.mailbox.messages] == ["known@example.com"]
    assert smtp.mailbox.messages[0]["Subject"] == "Reset your Patron password"


async def test_a_malformed_address_is_invalid_input(api: Api) -> None:
    answer = (await api.run(REQUEST, {"e": "not-an-address"}))["requestPasswordReset"]
    assert answer == {"ok": False, "userErrors": [{"code": "INVALID_INPUT", "field": "email"}]}


async def test_at_most_three_links_per_address_per_hour(api: Api, smtp: SmtpServer) -> None:
    await api.member(email="many@example.com")
    for _ in range(5):
        assert (await api.run(REQUEST, {"e": "many@example.com"}))["requestPasswordReset"]["ok"] is True
    assert await AccountLink.filter(purpose="RESET").count() == 3
    # an hour later a new link can be sent again
    with clock.travel(clock.now() + timedelta(minutes=61)):
        await api.run(REQUEST, {"e": "many@example.com"})
    assert await AccountLink.filter(purpose="RESET").count() == 4


async def test_requests_from_one_client_are_limited_whatever_the_address(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(recovery, "REQUESTS_PER_IP_PER_HOUR", 4)
    answers = [
        (await api.run(REQUEST, {"e": f"probe{i}@example.com"}))["requestPasswordReset"] for i in range(6)
    ]
    assert [a["ok"] for a in answers] == [True] * 4 + [False] * 2
    assert answers[-1]["userErrors"] == [{"code": "RATE_LIMITED", "field": "email"}]


async def test_a_reset_link_works_once_signs_in_and_ends_every_other_session(api: Api, smtp: SmtpServer) -> None:
    # Given a member signed in on two devices
    phone = await api.member(email="reset@example.com")
    laptop_token = (await api.run(LOG_IN, {"e": "reset@example.com", "p": "correct-horse-battery"}))["logIn"]["token"]
    laptop = Caller({"Authorization": f"Bearer {laptop_token}"})
    token = token_of(await _reset_link(api, smtp, "reset@example.com"))

    # When the link is followed
    payload = (await api.run(RESET, {"t": token, "p": NEW_PASSWORD}))["resetPassword"]

    # Then the answer signs the member in, and every other token is dead
    assert payload["userErrors"] == [] and payload["member"] == {"email": "reset@example.com"}
    fresh = Caller({"Authorization": f"Bearer {payload['token']}"})
    assert (await api.run(VIEWER, caller=fresh))["viewer"] == {"email": "reset@example.com"}
    for old in (phone, laptop):
        assert (await api.run(VIEWER, caller=old))["viewer"] is None
    assert (await api.run(LOG_IN, {"e": "reset@example.com", "p": NEW_PASSWORD}))["logIn"]["token"]
    # the link does not work twice
    again = (await api.run(RESET, {"t": token, "p": "yet-another-secret"}))["resetPassword"]
    assert again == {"token": None, "member": None, "userErrors": [{"code": "INVALID_TOKEN", "field": "token"}]}
    # and "your password was changed" goes to the member, in the inbox and by e-mail
    assert await Notification.exists(kind="PASSWORD_CHANGED")
    await outbox.deliver_due("email")
    [notice] = smtp.mailbox.titled("reset@example.com", "Your password was changed")
    assert "reset your password straight away" in text_of(notice)


async def test_a_reset_link_expires_after_30_minutes(api: Api, smtp: SmtpServer) -> None:
    await api.member(email="late@example.com")
    token = token_of(await _reset_link(api, smtp, "late@example.com"))
    with clock.travel(clock.now() + timedelta(minutes=31)):
        late = (await api.run(RESET, {"t": token, "p": NEW_PASSWORD}))["resetPassword"]
    assert late["userErrors"] == [{"code": "INVALID_TOKEN", "field": "token"}]
    with clock.travel(clock.now() + timedelta(minutes=29)):
        in_time = (await api.run(RESET, {"t": token, "p": NEW_PASSWORD}))["resetPassword"]
    assert in_time["userErrors"] == []


async def test_a_too_short_password_keeps_the_link_usable(api: Api, smtp: SmtpServer) -> None:
    await api.member(email="short@example.com")
    token = token_of(await _reset_link(api, smtp, "short@example.com"))
    short = (await api.run(RESET, {"t": token, "p": "short"}))["resetPassword"]
    assert short["userErrors"] == [{"code": "INVALID_INPUT", "field": "newPassword"}]
    assert (await api.run(RESET, {"t": token, "p": NEW_PASSWORD}))["resetPassword"]["userErrors"] == []


async def test_two_requests_racing_with_one_token_reset_once(api: Api, smtp: SmtpServer) -> None:
    await api.member(email="race@example.com")
    token = token_of(await _reset_link(api, smtp, "race@example.com"))
    answers = await asyncio.gather(
        *(api.run(RESET, {"t": token, "p": f"{NEW_PASSWORD}-{i}"}) for i in range(4))
    )
    winners = [a["resetPassword"] for a in answers if a["resetPassword"]["token"]]
    assert len(winners) == 1
    assert await AuthToken.filter(revoked_at__isnull=True, member__email="race@example.com").count() == 1


async def test_a_forged_or_garbage_token_is_invalid(api: Api) -> None:
    for token in ("", "x" * 43, "\u0000", "a" * 5000):
        answer = (await api.run(RESET, {"t": token, "p": NEW_PASSWORD}))["resetPassword"]
        assert answer["userErrors"] == [{"code": "INVALID_TOKEN", "field": "token"}]


async def test_change_password_needs_the_current_one_and_ends_every_session(api: Api, smtp: SmtpServer) -> None:
    caller = await api.member(email="change@example.com")
    other = (await api.run(LOG_IN, {"e": "change@example.com", "p": "correct-horse-battery"}))["logIn"]["token"]
    wrong = (await api.run(CHANGE, {"c": "not-my-password", "n": NEW_PASSWORD}, caller))["changePassword"]
    assert wrong["userErrors"] == [{"code": "INVALID_CREDENTIALS", "field": "currentPassword"}]
    assert (await api.run(VIEWER, caller=caller))["viewer"] is not None  # a refusal changes nothing

    done = (await api.run(CHANGE, {"c": "correct-horse-battery", "n": NEW_PASSWORD}, caller))["changePassword"]
    assert done["userErrors"] == [] and done["token"]
    assert (await api.run(VIEWER, caller=caller))["viewer"] is None
    assert (await api.run(VIEWER, caller=Caller({"Authorization": f"Bearer {other}"})))["viewer"] is None
    fresh = Caller({"Authorization": f"Bearer {done['token']}"})
    assert (await api.run(VIEWER, caller=fresh))["viewer"] == {"email": "change@example.com"}
    await outbox.deliver_due("email")
    assert len(smtp.mailbox.titled("change@example.com", "Your password was changed")) == 1


async def test_change_password_needs_a_signed_in_member(api: Api) -> None:
    answer = (await api.run(CHANGE, {"c": "x", "n": NEW_PASSWORD}))["changePassword"]
    assert answer["userErrors"] == [{"code": "NOT_AUTHENTICATED", "field": None}]


async def test_guessing_the_current_password_is_rate_limited(api: Api) -> None:
    caller = await api.member()
    codes = []
    for _ in range(12):
        answer = (await api.run(CHANGE, {"c": "wrong-guess-here", "n": NEW_PASSWORD}, caller))["changePassword"]
        codes.append(answer["userErrors"][0]["code"])
    assert codes[:10] == ["INVALID_CREDENTIALS"] * 10 and codes[10:] == ["RATE_LIMITED"] * 2


async def test_a_reset_link_dies_when_the_account_moves_to_another_address(api: Api, smtp: SmtpServer) -> None:
    caller = await api.member(email="mover@example.com")
    token = token_of(await _reset_link(api, smtp, "mover@example.com"))
    await api.run(
        'mutation { requestEmailChange(newEmail: "moved@example.com", password: "correct-horse-battery") { ok } }',
        caller=caller,
    )
    await outbox.deliver_due("email")
    [message] = smtp.mailbox.titled("moved@example.com", "Confirm your new e-mail address for Patron")
    confirm = token_of(link_in(message, "confirm-email"))
    await api.run("mutation C($t: String!) { confirmEmail(token: $t) { userErrors { code } } }", {"t": confirm})
    assert (await Member.get(email="moved@example.com")).id
    answer = (await api.run(RESET, {"t": token, "p": NEW_PASSWORD}))["resetPassword"]
    assert answer["userErrors"] == [{"code": "INVALID_TOKEN", "field": "token"}]
    assert not await OutboxMessage.filter(status="FAILED").exists()

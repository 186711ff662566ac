"""Moving an account to a new address: password confirms, link to the new address, notice to the old."""

from __future__ import annotations

from datetime import timedelta

from server.core import clock
from server.messages import outbox
from server.models import Member
from tests.mail_support import SmtpServer, link_in, text_of, token_of
from tests.support import Api

CHANGE = """
mutation M($e: String!, $p: String!) { requestEmailChange(newEmail: $e, password: $p) { ok userErrors { code field } } }
"""
CONFIRM = """
mutation C($t: String!) { confirmEmail(token: $t) { member { email emailConfirmed } userErrors { code } } }
"""
RESEND = "mutation { resendEmailConfirmation { ok userErrors { code } } }"
PASSWORD = "correct-horse-battery"


async def test_the_new_address_gets_a_link_the_old_one_a_notice_and_nothing_changes_until_confirmed(
    api: Api, smtp: SmtpServer
) -> None:
    caller = await api.member(email="old@example.com")
    answer = (await api.run(CHANGE, {"e": "New.Address@Example.com", "p": PASSWORD}, caller))["requestEmailChange"]
    assert answer == {"ok": True, "userErrors": []}
    await outbox.deliver_due("email")

    [to_new] = smtp.mailbox.to("new.address@example.com")
    [notice] = smtp.mailbox.titled("old@example.com", "Your Patron e-mail address is about to change")
    assert to_new["Subject"] == "Confirm your new e-mail address for Patron"
    assert "n***@example.com" in text_of(notice) and "new.address@example.com" not in text_of(notice)
    assert "https://loyalty.example.com/forgot-password" in text_of(notice)
    assert (await Member.get(email="old@example.com")).email == "old@example.com"

    # the link moves the account, shows the member to themselves, and confirms the new address
    token = token_of(link_in(to_new, "confirm-email"))
    done = (await api.run(CONFIRM, {"t": token}, caller))["confirmEmail"]
    assert done == {"member": {"email": "new.address@example.com", "emailConfirmed": True}, "userErrors": []}
    await outbox.deliver_due("email")
    assert len(smtp.mailbox.titled("new.address@example.com", "Your e-mail address was changed")) == 1
    login = await api.run(
        'mutation { logIn(email: "new.address@example.com", password: "correct-horse-battery") '
        "{ userErrors { code } } }"
    )
    assert login["logIn"]["userErrors"] == []


async def test_a_wrong_password_or_a_taken_address_is_refused_and_sends_nothing(api: Api, smtp: SmtpServer) -> None:
    await api.member(email="taken@example.com")
    caller = await api.member(email="me@example.com")
    await outbox.deliver_due("email")
    smtp.mailbox.messages.clear()

    wrong = (await api.run(CHANGE, {"e": "free@example.com", "p": "not-my-password"}, caller))["requestEmailChange"]
    taken = (await api.run(CHANGE, {"e": "TAKEN@example.com", "p": PASSWORD}, caller))["requestEmailChange"]
    same = (await api.run(CHANGE, {"e": "me@example.com", "p": PASSWORD}, caller))["requestEmailChange"]
    bad = (await api.run(CHANGE, {"e": "nope", "p": PASSWORD}, caller))["requestEmailChange"]
    assert wrong["userErrors"] == [{"code": "INVALID_CREDENTIALS", "field": "password"}]
    assert taken["userErrors"] == [{"code": "EMAIL_TAKEN", "field": "newEmail"}]
    assert same["userErrors"] == [{"code": "INVALID_INPUT", "field": "newEmail"}]
    assert bad["userErrors"] == [{"code": "INVALID_INPUT", "field": "newEmail"}]
    await outbox.deliver_due("email")
    assert smtp.mailbox.messages == []


async def test_an_address_taken_meanwhile_is_email_taken_at_confirmation(api: Api, smtp: SmtpServer) -> None:
    caller = await api.member(email="slow@example.com")
    await api.run(CHANGE, {"e": "contested@example.com", "p": PASSWORD}, caller)
    await outbox.deliver_due("email")
    token = token_of(link_in(smtp.mailbox.to("contested@example.com")[0], "confirm-email"))
    await api.member(email="contested@example.com")  # someone signs up with it first
    answer = (await api.run(CONFIRM, {"t": token}))["confirmEmail"]
    assert answer == {"member": None, "userErrors": [{"code": "EMAIL_TAKEN"}]}
    assert (await Member.get(email="slow@example.com")).email_confirmed_at is None


async def test_only_the_latest_change_request_can_complete(api: Api, smtp: SmtpServer) -> None:
    caller = await api.member(email="indecisive@example.com")
    await api.run(CHANGE, {"e": "first@example.com", "p": PASSWORD}, caller)
    await api.run(CHANGE, {"e": "second@example.com", "p": PASSWORD}, caller)
    await outbox.deliver_due("email")
    first = token_of(link_in(smtp.mailbox.to("first@example.com")[0], "confirm-email"))
    assert (await api.run(CONFIRM, {"t": first}))["confirmEmail"]["userErrors"] == [{"code": "INVALID_TOKEN"}]
    second = token_of(link_in(smtp.mailbox.to("second@example.com")[0], "confirm-email"))
    assert (await api.run(CONFIRM, {"t": second}))["confirmEmail"]["userErrors"] == []


async def test_confirmation_links_last_seven_days_and_anyone_holding_one_sees_no_member(
    api: Api, smtp: SmtpServer
) -> None:
    await api.member(email="week@example.com")
    await api.member(email="week2@example.com")
    await outbox.deliver_due("email")
    late = token_of(link_in(smtp.mailbox.to("week@example.com")[0], "confirm-email"))
    in_time = token_of(link_in(smtp.mailbox.to("week2@example.com")[0], "confirm-email"))
    with clock.travel(clock.now() + timedelta(days=7, minutes=1)):
        assert (await api.run(CONFIRM, {"t": late}))["confirmEmail"]["userErrors"] == [{"code": "INVALID_TOKEN"}]
    with clock.travel(clock.now() + timedelta(days=6, hours=23)):
        answer = (await api.run(CONFIRM, {"t": in_time}))["confirmEmail"]
    # confirmed, but a caller who is not that member is not shown the account
    assert answer == {"member": None, "userErrors": []}
    assert (await Member.get(email="week2@example.com")).email_confirmed_at is not None


async def test_a_member_can_ask_for_a_fresh_confirmation_link_a_few_times_an_hour(api: Api, smtp: SmtpServer) -> None:
    caller = await api.member(email="again@example.com")  # the sign-up link is the first of the hour
    answers = [(await api.run(RESEND, caller=caller))["resendEmailConfirmation"] for _ in range(3)]
    assert [a["ok"] for a in answers] == [True, True, False]
    assert answers[-1]["userErrors"] == [{"code": "RATE_LIMITED"}]
    await outbox.deliver_due("email")
    links = [token_of(link_in(m, "confirm-email")) for m in smtp.mailbox.to("again@example.com")]
    assert len(set(links)) == 3
    assert (await api.run(CONFIRM, {"t": links[0]}))["confirmEmail"]["userErrors"] == []
    # once confirmed, asking again is fine and sends nothing
    assert (await api.run(RESEND, caller=caller))["resendEmailConfirmation"] == {"ok": True, "userErrors": []}

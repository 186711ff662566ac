"""E-mail delivery through a real SMTP server: what arrives, in which language, and what happens when it fails."""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from server.core import clock
from server.core.config import get_settings
from server.messages import outbox
from server.models import Member, OutboxMessage, OutboxStatus
from tests.mail_support import SmtpServer, eml_files, html_of, link_in, text_of, token_of
from tests.support import Api

RESET = "mutation R($e: String!) { requestPasswordReset(email: $e) { ok userErrors { code field } } }"
CONFIRM = """
mutation C($t: String!) { confirmEmail(token: $t) { member { email emailConfirmed } userErrors { code } } }
"""
VIEWER = "{ viewer { emailConfirmed messagePreferences { serviceEmails marketingEmails addressUndeliverable } } }"


async def send_mail() -> outbox.DeliveryReport:
    return await outbox.deliver_due("email")


async def test_sign_up_sends_a_confirmation_with_text_and_html_and_following_it_confirms(
    api: Api, smtp: SmtpServer
) -> None:
    # Given a new member
    caller = await api.member(email="mei@example.com", displayName="Mei Lin")
    assert (await api.run(VIEWER, caller=caller))["viewer"]["emailConfirmed"] is False

    # When the outbox is sent
    report = await send_mail()

    # Then one message arrived, from the programme, in both text and HTML, with a working link
    assert report.sent == 1
    [message] = smtp.mailbox.to("mei@example.com")
    assert message["From"].addresses[0].display_name == "Patron"
    assert message["Subject"] == "Confirm your e-mail address for Patron"
    assert message["Content-Language"] == "en"
    assert "List-Unsubscribe" not in message  # account e-mail: nothing to unsubscribe from
    link = link_in(message, "confirm-email")
    assert link.startswith("https://loyalty.example.com/confirm-email?token=")
    assert "Hello Mei Lin," in text_of(message)
    assert f'href="{link}"' in html_of(message).replace("&amp;", "&")
    assert len(token_of(link)) >= 22  # at least 128 bits, URL-safe

    confirmed = (await api.run(CONFIRM, {"t": token_of(link)}, caller))["confirmEmail"]
    assert confirmed == {"member": {"email": "mei@example.com", "emailConfirmed": True}, "userErrors": []}
    # a link works once
    again = (await api.run(CONFIRM, {"t": token_of(link)}, caller))["confirmEmail"]
    assert again["userErrors"] == [{"code": "INVALID_TOKEN"}]


async def test_the_outbox_never_holds_a_usable_link_token(api: Api, smtp: SmtpServer) -> None:
    await api.member(email="safe@example.com")
    await api.run(RESET, {"e": "safe@example.com"})
    rows = await OutboxMessage.filter(channel="email").values_list("payload", flat=True)
    await send_mail()
    confirm = smtp.mailbox.titled("safe@example.com", "Confirm your e-mail address for Patron")[0]
    reset = smtp.mailbox.titled("safe@example.com", "Reset your Patron password")[0]
    tokens = [token_of(link_in(confirm, "confirm-email")), token_of(link_in(reset, "reset-password"))]
    stored = str(rows)
    assert len(tokens) == 2 and all(token not in stored for token in tokens)


async def test_smtp_down_at_the_request_then_up_delivers_once(api: Api, smtp: SmtpServer) -> None:
    await api.member(email="down@example.com")
    await send_mail()  # the sign-up confirmation
    smtp.mailbox.messages.clear()
    smtp.stop()

    # When a member asks for a reset while the mail server is down, the request still answers at once
    started = time.monotonic()
    answer = (await api.run(RESET, {"e": "down@example.com"}))["requestPasswordReset"]
    assert answer == {"ok": True, "userErrors": []}
    assert time.monotonic() - started < 2

    # and the sender keeps the message to retry after 30 seconds
    report = await send_mail()
    assert (report.sent, report.retried) == (0, 1)
    row = await OutboxMessage.get(channel="email", dedupe_key__startswith="reset:")
    assert row.status is OutboxStatus.PENDING and row.attempts == 1 and "Connect" in row.last_error
    assert timedelta(seconds=29) < row.next_attempt_at - clock.now() <= timedelta(seconds=30)

    # Then, with the server back, it goes out once the 30 s are over, and only once
    smtp.start()
    assert (await send_mail()).sent == 0  # not due yet
    with clock.travel(clock.now() + timedelta(seconds=31)):
        assert (await send_mail()).sent == 1
        assert (await send_mail()).sent == 0
    assert len(smtp.mailbox.to("down@example.com")) == 1
    await row.refresh_from_db()
    assert (row.status, row.attempts) == (OutboxStatus.SENT, 2)


async def test_a_4xx_is_retried_after_30_s_then_backs_off_for_a_day_then_fails_visibly(
    api: Api, smtp: SmtpServer
) -> None:
    smtp.mailbox.refuse["busy@example.com"] = "451 4.3.0 Try again later"
    await api.member(email="busy@example.com")
    start = clock.now()
    waits = []
    at = start
    for _ in range(20):
        with clock.travel(at):
            report = await send_mail()
        row = await OutboxMessage.get(channel="email", member__email="busy@example.com")
        if row.status is not OutboxStatus.PENDING:
            break
        assert report.retried == 1 and row.last_status == 451
        waits.append(row.next_attempt_at - at)
        at = row.next_attempt_at + timedelta(seconds=1)
    assert timedelta(seconds=30) <= waits[0] < timedelta(seconds=31) and waits[1] > timedelta(minutes=1)
    assert row.status is OutboxStatus.FAILED
    assert timedelta(hours=20) < at - start < timedelta(hours=26)
    # a 4xx says nothing final about the address
    assert (await Member.get(email="busy@example.com")).email_undeliverable_at is None


async def test_a_5xx_marks_the_address_undeliverable_and_stops_all_but_account_email(
    api: Api, smtp: SmtpServer
) -> None:
    smtp.mailbox.refuse["gone@example.com"] = "550 5.1.1 No such user"
    caller = await api.member(email="gone@example.com")
    report = await send_mail()
    assert report.failed == 1
    prefs = (await api.run(VIEWER, caller=caller))["viewer"]["messagePreferences"]
    assert prefs["addressUndeliverable"] is True

    # Service e-mail is no longer queued for the address; account e-mail still is, and still tried
    from tortoise.transactions import in_transaction

    from server.messages import notifications

    member = await Member.get(email="gone@example.com")
    async with in_transaction():
        await notifications.notify(member.id, "TIER_UPGRADE", {"tier_name": "Gold"})
    assert not await OutboxMessage.filter(dedupe_key__startswith="TIER_UPGRADE").exists()
    await api.run(RESET, {"e": "gone@example.com"})
    assert await OutboxMessage.filter(dedupe_key__startswith="reset:", status=OutboxStatus.PENDING).exists()

    # once the mailbox exists again and an account e-mail gets through, the address is good again
    del smtp.mailbox.refuse["gone@example.com"]
    assert (await send_mail()).sent == 1
    assert (await Member.get(id=member.id)).email_undeliverable_at is None


async def test_a_chinese_speaking_member_gets_chinese_email(api: Api, smtp: SmtpServer) -> None:
    await api.member(email="li@example.com", displayName="李伟", locale="zh-CN")
    await send_mail()
    [message] = smtp.mailbox.to("li@example.com")
    assert message["Subject"] == "请确认您在Patron的邮箱地址"
    assert message["Content-Language"] == "zh-CN"
    assert "李伟，您好" in text_of(message)
    assert "确认我的邮箱" in html_of(message) and 'lang="zh-Hans-CN"' in html_of(message)


async def test_without_an_smtp_url_development_writes_eml_files_and_logs_them(api: Api, caplog) -> None:
    folder = get_settings().var_dir / "mail"
    before = len(eml_files(folder)) if folder.exists() else 0
    await api.member(email="dev@example.com")
    with caplog.at_level(logging.INFO, logger="patron.mail"):
        assert (await send_mail()).sent == 1
    written = eml_files(folder)
    assert len(written) == before + 1 and written[-1]["To"] == "dev@example.com"
    assert any(".eml" in record.getMessage() and "d***@example.com" in record.getMessage() for record in caplog.records)


async def test_every_attempt_at_one_message_carries_the_same_message_id(api: Api, smtp: SmtpServer) -> None:
    await api.member(email="twice@example.com")
    row = await OutboxMessage.get(channel="email")
    await send_mail()
    # a crash after sending but before recording would send the row again: same Message-ID
    await OutboxMessage.filter(id=row.id).update(status=OutboxStatus.PENDING)
    await send_mail()
    first, second = smtp.mailbox.to("twice@example.com")
    assert first["Message-ID"] == second["Message-ID"] and first["Message-ID"].startswith(f"<patron.{row.id}.")


async def test_erasing_a_member_cancels_waiting_email_and_forgets_the_addresses(api: Api, smtp: SmtpServer) -> None:
    from server.messages import privacy

    await api.member(email="leaving@example.com")
    await api.run(RESET, {"e": "leaving@example.com"})
    member = await Member.get(email="leaving@example.com")
    exported = await privacy.export_member(member.id)
    assert [e["template"] for e in exported["emails"]] == ["confirm_email", "password_reset"]
    assert exported["service_emails"] is True and exported["marketing_emails"] is False

    assert await privacy.erase_member(member.id) == 2
    assert "leaving@example.com" not in str(await OutboxMessage.all().values_list("payload", flat=True))
    await Member.filter(id=member.id).delete()
    report = await send_mail()
    assert report.sent == 0 and smtp.mailbox.messages == []

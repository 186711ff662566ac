"""The greetings members see: the notification (portal and API) and the e-mail, in their language."""

from __future__ import annotations

from datetime import date

from server.celebrations import reward_anniversaries, reward_birthdays
from server.core import clock
from server.messages import outbox
from server.models import Member, OutboxMessage
from tests.calendar.support import utc
from tests.mail_support import SmtpServer, text_of
from tests.messages.conftest import smtp  # noqa: F401  (the fixture)
from tests.support import Api

INBOX = "{ viewer { notifications { edges { node { kind title body } } } } }"


async def test_a_chinese_members_birthday_greeting_in_the_inbox_the_portal_and_the_mail(
    api: Api, http, smtp: SmtpServer  # noqa: F811
) -> None:
    with clock.travel(utc(2026, 3, 3, 1)):
        caller = await api.member(email="shengri@example.com", locale="zh-CN")
    await Member.filter(email="shengri@example.com").update(
        birthday=date(1995, 3, 3), birthday_set_at=utc(2025, 1, 1), timezone="Asia/Shanghai", marketing_emails=True
    )
    await OutboxMessage.all().delete()  # forget the sign-up confirmation

    with clock.travel(utc(2026, 3, 3, 2)):  # 10:00 in Shanghai
        await reward_birthdays(clock.now())
        data = await api.run(INBOX, caller=caller)
        [node] = [e["node"] for e in data["viewer"]["notifications"]["edges"]]
        assert node == {
            "kind": "BIRTHDAY_GREETING", "title": "生日快乐！", "body": "祝您生日快乐！100 生日积分已到账。"
        }
        assert (await outbox.deliver_due("email")).sent == 1
    [mail] = smtp.mailbox.to("shengri@example.com")
    assert "祝您生日快乐" in mail["Subject"]
    assert "100 生日积分已到账。" in text_of(mail)


async def test_an_english_anniversary_greeting_reads_well() -> None:
    from server.messages.notifications import render
    from tests.calendar.support import member, notices

    m = await member(joined_at=utc(2023, 4, 20), timezone="UTC")
    await reward_anniversaries(utc(2026, 4, 20, 1))
    [params] = await notices(m.id, "MEMBERSHIP_ANNIVERSARY")
    assert render("MEMBERSHIP_ANNIVERSARY", params, "en") == (
        "Happy 3-year anniversary",
        "Thank you for 3 year(s) with us. 100 anniversary points are in your account.",
    )

"""notify() e-mails by category and choice: service unless turned off, marketing only with consent,
in the member's hours and at most twice a week; the points digest; the member's language."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from tortoise.transactions import in_transaction

from server.core import clock
from server.messages import emails, notifications, outbox
from server.models import Member, MessageConsent, Notification, OutboxMessage, OutboxStatus
from server.points import lifecycle
from tests.mail_support import SmtpServer, html_of, text_of
from tests.points_support import credit, utc
from tests.support import Api

PREFS = """
mutation P($input: MessagePreferencesInput!) {
  updateMessagePreferences(input: $input) {
    member { messagePreferences { serviceEmails marketingEmails marketingConsentAt } }
    userErrors { code }
  }
}
"""


@pytest.fixture
def offer_kind() -> Iterator[str]:
    """A marketing kind, as the campaign features declare theirs (MESSAGES + CATEGORIES)."""
    notifications.MESSAGES["TEST_OFFER"] = {
        "en": ("Double points this weekend", "Shop on {day} for double points."),
        "zh-CN": ("本周末双倍积分", "{day} 消费可获双倍积分。"),
    }
    notifications.CATEGORIES["TEST_OFFER"] = "marketing"
    yield "TEST_OFFER"
    del notifications.MESSAGES["TEST_OFFER"], notifications.CATEGORIES["TEST_OFFER"]


async def _notify(member_id: int, kind: str, params: dict, key: str | None = None) -> None:
    async with in_transaction():
        await notifications.notify(member_id, kind, params, dedupe_key=key)


async def _member(api: Api, **extra) -> Member:
    caller = await api.member(**extra)
    member = await Member.get(email=caller.email)
    await OutboxMessage.filter(member_id=member.id).delete()  # forget the sign-up confirmation
    return member


async def test_a_tier_upgrade_from_a_purchase_is_emailed_with_a_link_and_an_unsubscribe(
    api: Api, smtp: SmtpServer
) -> None:
    member = await _member(api, email="gold@example.com")
    partner = await api.partner(["purchases:write"])
    await api.purchase(partner, "gold@example.com", "5000.00")
    assert (await outbox.deliver_due("email")).sent == 1
    [message] = smtp.mailbox.to("gold@example.com")
    assert message["Subject"] == "Welcome to Gold"
    assert "You reached the Gold tier." in text_of(message)
    assert "https://loyalty.example.com/dashboard" in html_of(message)
    assert message["List-Unsubscribe"] and message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "https://loyalty.example.com/preferences" in text_of(message)
    assert await Notification.exists(member_id=member.id, kind="TIER_UPGRADE")


async def test_service_email_turned_off_still_reaches_the_inbox(api: Api, smtp: SmtpServer) -> None:
    caller = await api.member(email="quiet@example.com")
    member = await Member.get(email="quiet@example.com")
    answer = (await api.run(PREFS, {"input": {"serviceEmails": False}}, caller))["updateMessagePreferences"]
    assert answer["member"]["messagePreferences"]["serviceEmails"] is False
    await _notify(member.id, "TIER_DOWNGRADE", {"tier_name": "Silver"})
    assert await Notification.exists(member_id=member.id, kind="TIER_DOWNGRADE")
    assert not await OutboxMessage.filter(dedupe_key__startswith="TIER_DOWNGRADE").exists()


async def test_inbox_kinds_are_never_emailed(api: Api) -> None:
    member = await _member(api)
    await _notify(member.id, "REVIEW_PUBLISHED", {"subject": "Latte", "points_text": ""})
    assert not await OutboxMessage.filter(member_id=member.id).exists()


async def test_marketing_needs_consent_given_at_sign_up_with_its_time(api: Api, offer_kind: str) -> None:
    without = await _member(api)
    with clock.travel(utc(2026, 5, 4, 2)):  # 10:00 in Shanghai
        caller = await api.member(marketingEmails=True, email="yes@example.com")
        with_consent = await Member.get(email=caller.email)
        await _notify(without.id, offer_kind, {"day": "Saturday"})
        await _notify(with_consent.id, offer_kind, {"day": "Saturday"})
    assert with_consent.marketing_consent_at == utc(2026, 5, 4, 2).replace(microsecond=0) or (
        abs(with_consent.marketing_consent_at - utc(2026, 5, 4, 2)) < timedelta(seconds=5)
    )
    consent = await MessageConsent.get(member_id=with_consent.id)
    assert (consent.category, consent.granted, consent.source) == ("marketing", True, "sign-up")
    queued = await OutboxMessage.filter(dedupe_key__startswith=offer_kind).values_list("member_id", flat=True)
    assert queued == [with_consent.id]


@pytest.mark.parametrize(
    ("zone", "at", "goes_at"),
    [
        ("Asia/Shanghai", datetime(2026, 5, 4, 14, 30, tzinfo=UTC), datetime(2026, 5, 5, 1, 0, tzinfo=UTC)),  # 22:30
        ("Asia/Shanghai", datetime(2026, 5, 4, 3, 0, tzinfo=UTC), datetime(2026, 5, 4, 3, 0, tzinfo=UTC)),  # 11:00
        # the day New York moves its clocks forward
        ("America/New_York", datetime(2026, 3, 8, 5, 0, tzinfo=UTC), datetime(2026, 3, 8, 13, 0, tzinfo=UTC)),
        ("Europe/London", datetime(2026, 12, 31, 21, 0, tzinfo=UTC), datetime(2027, 1, 1, 9, 0, tzinfo=UTC)),
        ("Asia/Shanghai", datetime(2028, 2, 28, 13, 30, tzinfo=UTC), datetime(2028, 2, 29, 1, 0, tzinfo=UTC)),
    ],
)
def test_marketing_is_held_to_9_to_21_in_the_members_time_zone(zone: str, at: datetime, goes_at: datetime) -> None:
    assert emails.next_send_time(zone, at) == goes_at


async def test_marketing_queued_at_night_waits_for_the_morning_and_is_not_dropped(
    api: Api, smtp: SmtpServer, offer_kind: str
) -> None:
    member = await _member(api, marketingEmails=True, email="night@example.com", timezone="Europe/Berlin")
    night = utc(2026, 6, 10, 21, 30)  # 23:30 in Berlin
    with clock.travel(night):
        await _notify(member.id, offer_kind, {"day": "Saturday"})
        assert (await outbox.deliver_due("email")).sent == 0
    row = await OutboxMessage.get(dedupe_key__startswith=offer_kind)
    assert row.next_attempt_at == utc(2026, 6, 11, 7)  # 09:00 in Berlin
    with clock.travel(utc(2026, 6, 11, 7, 1)):
        assert (await outbox.deliver_due("email")).sent == 1
    [message] = smtp.mailbox.to("night@example.com")
    assert message["Subject"] == "Double points this weekend" and message["Precedence"] == "bulk"
    assert "news and offers" in text_of(message)


async def test_a_member_who_moves_time_zone_while_an_offer_waits_gets_it_in_their_new_morning(
    api: Api, offer_kind: str
) -> None:
    member = await _member(api, marketingEmails=True, timezone="Asia/Shanghai")
    with clock.travel(utc(2026, 6, 10, 15)):  # 23:00 in Shanghai: held until 01:00 UTC
        await _notify(member.id, offer_kind, {"day": "Saturday"})
    await Member.filter(id=member.id).update(timezone="America/Los_Angeles")
    with clock.travel(utc(2026, 6, 11, 1, 5)):  # 18:05 in Los Angeles: fine
        report = await outbox.deliver_due("email")
    assert report.sent == 1
    await Member.filter(id=member.id).update(timezone="Asia/Tokyo")
    with clock.travel(utc(2026, 6, 12, 15)):  # midnight in Tokyo: a second offer waits
        await _notify(member.id, offer_kind, {"day": "Sunday"}, key="sunday")
    with clock.travel(utc(2026, 6, 12, 16)):
        assert (await outbox.deliver_due("email")).held == 0  # not due before 09:00 Tokyo


async def test_at_most_two_marketing_emails_per_member_in_any_seven_days(api: Api, offer_kind: str) -> None:
    member = await _member(api, marketingEmails=True, timezone="UTC")
    start = utc(2026, 6, 1, 10)
    for day in range(9):
        with clock.travel(start + timedelta(days=day, minutes=day)):  # day 7 is just over a week after day 0
            await _notify(member.id, offer_kind, {"day": str(day)}, key=f"offer-{day}")
            await outbox.deliver_due("email")
    sent = await OutboxMessage.filter(member_id=member.id, status=OutboxStatus.SENT).order_by("id").values_list(
        "payload", flat=True
    )
    days = [p["params"]["params"]["day"] for p in sent]
    assert days == ["0", "1", "7", "8"]  # a third one within 7 days is left to the inbox
    assert await Notification.filter(member_id=member.id, kind=offer_kind).count() == 9


async def test_opting_out_while_an_offer_waits_cancels_it(api: Api, offer_kind: str) -> None:
    caller = await api.member(marketingEmails=True, timezone="Asia/Shanghai")
    member = await Member.get(email=caller.email)
    with clock.travel(utc(2026, 6, 10, 15)):  # 23:00: held until morning
        await _notify(member.id, offer_kind, {"day": "Saturday"})
    await api.run(PREFS, {"input": {"marketingEmails": False}}, caller)
    with clock.travel(utc(2026, 6, 11, 1, 1)):
        report = await outbox.deliver_due("email")
    assert (report.sent, report.cancelled) == (0, 1)
    row = await OutboxMessage.get(dedupe_key__startswith=offer_kind)
    assert row.status is OutboxStatus.CANCELLED and "no longer receives marketing" in row.last_error


async def test_points_expiring_are_one_digest_email_and_job_catch_up_never_repeats_it(
    api: Api, smtp: SmtpServer
) -> None:
    member = await _member(api, email="digest@example.com")
    await credit(member.id, 10, at=utc(2026, 1, 5))  # lapses after 31 Jan 2027
    await credit(member.id, 20, at=utc(2026, 2, 5))  # lapses after 28 Feb 2027
    for at in (utc(2027, 1, 30), utc(2027, 1, 30, 5), utc(2027, 1, 31)):  # a job re-running, catching up
        await lifecycle.warn_expiring(at)
    assert await Notification.filter(kind="POINTS_EXPIRING").count() == 2  # the inbox: one per expiry day
    await outbox.deliver_due("email")
    [digest] = smtp.mailbox.to("digest@example.com")
    assert digest["Subject"] == "30 of your points expire soon"
    body = text_of(digest)
    assert "10 points on January 31, 2027" in body and "20 points on February 28, 2027" in body
    assert "https://loyalty.example.com/points" in body


async def test_a_chinese_member_gets_the_notification_email_in_chinese(api: Api, smtp: SmtpServer) -> None:
    member = await _member(api, email="zh@example.com", locale="zh-CN")
    await credit(member.id, 1200, at=utc(2026, 1, 5))
    await lifecycle.warn_expiring(utc(2027, 1, 20))
    await outbox.deliver_due("email")
    [message] = smtp.mailbox.to("zh@example.com")
    assert message["Subject"] == "您有 1,200 积分即将过期"
    assert "1,200 积分（2027年1月31日 到期）" in text_of(message)
    assert "退订" in html_of(message) and "选择要接收的邮件" in html_of(message)


async def test_a_care_answer_is_emailed_with_a_link_to_the_ticket(api: Api, smtp: SmtpServer) -> None:
    from tests.care.support import open_ticket, reply

    caller = await api.member(email="asker@example.com")
    ticket = await open_ticket(api, caller, subject="Where is my parcel?")
    await reply(api, await api.staff(), ticket["id"], "It left the warehouse today.")
    await outbox.deliver_due("email")
    [message] = smtp.mailbox.titled("asker@example.com", "We answered your request")
    url_id = ticket["id"].replace("+", "-").replace("/", "_").rstrip("=")
    assert f"https://loyalty.example.com/support/{url_id}" in text_of(message)
    assert "Where is my parcel?" in text_of(message)

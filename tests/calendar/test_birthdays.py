"""Birthday rewards: on the member's own day, 29 February, catch-up once, the 30-day rule."""

from __future__ import annotations

from datetime import date

from server.celebrations import reward_birthdays
from server.core import clock
from server.models import CelebrationReward, LedgerKind, Member, OutboxMessage
from tests.calendar.support import entries, member, notices, utc
from tests.points_support import assert_ledger_consistent, credit, debit


async def test_the_birthday_comes_at_local_midnight_kiritimati_before_los_angeles() -> None:
    # Given two members born on 10 March, one at UTC+14 and one at UTC-7 (PDT from 8 March 2026)
    kiritimati = await member(birthday=date(1990, 3, 10), timezone="Pacific/Kiritimati")
    los_angeles = await member(birthday=date(1990, 3, 10), timezone="America/Los_Angeles")

    # When the job runs at 10:30 UTC on 9 March: already 10 March 00:30 on Kiritimati, 03:30 on 9 March in LA
    assert await reward_birthdays(utc(2026, 3, 9, 10, 30)) == 1
    assert await entries(kiritimati.id, LedgerKind.BIRTHDAY) == [(100, "2026-03-09")]
    assert await entries(los_angeles.id, LedgerKind.BIRTHDAY) == []

    # Then LA's comes just after its own midnight (07:00 UTC on 10 March in daylight time), not before
    assert await reward_birthdays(utc(2026, 3, 10, 6, 59)) == 0
    assert await reward_birthdays(utc(2026, 3, 10, 7, 1)) == 1
    assert await entries(los_angeles.id, LedgerKind.BIRTHDAY) == [(100, "2026-03-10")]
    for m in (kiritimati, los_angeles):
        await assert_ledger_consistent(m.id)


async def test_a_dst_day_birthday_in_los_angeles_starts_at_pst_midnight() -> None:
    # 8 March 2026 is the day LA moves to daylight time; the day starts at 00:00 PST = 08:00 UTC
    m = await member(birthday=date(1985, 3, 8), timezone="America/Los_Angeles")
    assert await reward_birthdays(utc(2026, 3, 8, 7, 59)) == 0
    assert await reward_birthdays(utc(2026, 3, 8, 8, 0)) == 1
    assert await entries(m.id, LedgerKind.BIRTHDAY) == [(100, "2026-03-08")]


async def test_29_february_birthdays_fall_on_28_february_in_common_years_and_on_the_day_in_leap_years() -> None:
    leapling = await member(birthday=date(2000, 2, 29), timezone="UTC")

    assert await reward_birthdays(utc(2027, 2, 27, 23)) == 0
    assert await reward_birthdays(utc(2027, 2, 28, 0, 5)) == 1  # 2027 is a common year
    assert await reward_birthdays(utc(2027, 3, 1, 1)) == 0  # and 1 March does not reward it again
    assert await reward_birthdays(utc(2028, 2, 28, 12)) == 0  # 2028 is a leap year: wait for the 29th
    assert await reward_birthdays(utc(2028, 2, 29, 0, 5)) == 1

    assert await entries(leapling.id, LedgerKind.BIRTHDAY) == [(100, "2027-02-28"), (100, "2028-02-29")]
    years = await CelebrationReward.filter(member_id=leapling.id).order_by("year").values_list("year", "occurred_on")
    assert years == [(2027, date(2027, 2, 28)), (2028, date(2028, 2, 29))]


async def test_month_end_and_new_year_birthdays() -> None:
    december = await member(birthday=date(1970, 12, 31), timezone="Asia/Shanghai")
    january = await member(birthday=date(1970, 1, 1), timezone="Asia/Shanghai")

    # 31 Dec 16:30 UTC is already 1 January 00:30 in Shanghai: both birthdays are due by then
    assert await reward_birthdays(utc(2026, 12, 31, 16, 30)) == 2

    assert await entries(december.id, LedgerKind.BIRTHDAY) == [(100, "2026-12-31")]
    assert await entries(january.id, LedgerKind.BIRTHDAY) == [(100, "2026-12-31")]
    rewarded = {r.member_id: r.year for r in await CelebrationReward.all()}
    assert rewarded == {december.id: 2026, january.id: 2027}


async def test_a_missed_birthday_is_caught_up_once_and_next_years_still_comes_on_its_day() -> None:
    m = await member(birthday=date(1991, 5, 2), timezone="Asia/Shanghai")

    # The jobs were down from 30 April to 9 May: the first run afterwards rewards it, late
    assert await reward_birthdays(utc(2026, 5, 9, 3)) == 1
    # And every later run, also after a second outage, does nothing more
    assert await reward_birthdays(utc(2026, 5, 9, 4)) == 0
    assert await reward_birthdays(utc(2026, 5, 30)) == 0
    # Next year's comes on the day itself
    assert await reward_birthdays(utc(2027, 5, 1, 15)) == 0
    assert await reward_birthdays(utc(2027, 5, 1, 16, 1)) == 1  # 2 May 00:01 in Shanghai

    assert await entries(m.id, LedgerKind.BIRTHDAY) == [(100, "2026-05-09"), (100, "2027-05-01")]
    assert len(await notices(m.id, "BIRTHDAY_GREETING")) == 2
    await assert_ledger_consistent(m.id)


async def test_a_birthday_missed_for_longer_than_the_catch_up_period_is_not_paid() -> None:
    await member(birthday=date(1991, 5, 2), timezone="UTC")
    assert await reward_birthdays(utc(2026, 6, 2, 12)) == 0  # 31 days late


async def test_a_birthday_set_less_than_30_days_before_it_falls_waits_a_year() -> None:
    # Set 29 days before: not this year
    late = await member(birthday=date(1990, 7, 30), birthday_set_at=utc(2026, 7, 1, 12), timezone="UTC")
    # Set exactly 30 days before: rewarded
    early = await member(birthday=date(1990, 7, 31), birthday_set_at=utc(2026, 7, 1, 12), timezone="UTC")
    # Corrected by staff last week (birthday_set_at moves): the corrected day is not rewarded this year
    corrected = await member(birthday=date(1990, 8, 1), birthday_set_at=utc(2026, 7, 25), timezone="UTC")

    for day in range(30, 32):
        await reward_birthdays(utc(2026, 7, day, 1))
    await reward_birthdays(utc(2026, 8, 1, 1))

    assert await entries(late.id, LedgerKind.BIRTHDAY) == []
    assert await entries(early.id, LedgerKind.BIRTHDAY) == [(100, "2026-07-31")]
    assert await entries(corrected.id, LedgerKind.BIRTHDAY) == []
    # A year on, both are rewarded as usual
    await reward_birthdays(utc(2027, 7, 30, 1))
    await reward_birthdays(utc(2027, 8, 1, 1))
    assert await entries(late.id, LedgerKind.BIRTHDAY) == [(100, "2027-07-30")]
    assert await entries(corrected.id, LedgerKind.BIRTHDAY) == [(100, "2027-08-01")]


async def test_bigger_tiers_get_bigger_birthday_rewards_and_members_without_a_birthday_nothing() -> None:
    gold = await member(birthday=date(1980, 4, 4), tier_code="gold", timezone="UTC")
    diamond = await member(birthday=date(1980, 4, 4), tier_code="diamond", timezone="UTC")
    nobody = await member(birthday=None, timezone="UTC")

    assert await reward_birthdays(utc(2026, 4, 4, 1)) == 2

    assert await entries(gold.id, LedgerKind.BIRTHDAY) == [(300, "2026-04-04")]
    assert await entries(diamond.id, LedgerKind.BIRTHDAY) == [(500, "2026-04-04")]
    assert await entries(nobody.id, LedgerKind.BIRTHDAY) == []
    gold_row = await Member.get(id=gold.id)
    assert (gold_row.balance, gold_row.lifetime_earned) == (300, 300)


async def test_the_greeting_is_a_notification_and_a_marketing_email_only_with_consent() -> None:
    consenting = await member(birthday=date(1990, 9, 9), timezone="UTC", marketing_emails=True)
    silent = await member(birthday=date(1990, 9, 9), timezone="UTC")

    with clock.travel(utc(2026, 9, 9, 3)):
        await reward_birthdays(utc(2026, 9, 9, 3))

    assert await notices(consenting.id, "BIRTHDAY_GREETING") == [
        {"points": 100, "year": 2026, "points_text": " 100 birthday points are in your account.",
         "points_text_zh": "100 生日积分已到账。"}
    ]
    assert len(await notices(silent.id, "BIRTHDAY_GREETING")) == 1
    mails = await OutboxMessage.filter(channel="email").values_list("member_id", "next_attempt_at")
    # Marketing waits for 09:00 in the member's zone
    assert mails == [(consenting.id, utc(2026, 9, 9, 9, 0))]


async def test_a_debt_is_paid_off_first_by_a_birthday_credit() -> None:
    # Given a member 30 points in debt after a refund took back points already spent
    m = await member(birthday=date(1990, 10, 10), timezone="UTC")
    await credit(m.id, 50, at=utc(2026, 10, 1))
    await debit(m.id, 80, allow_debt=True, at=utc(2026, 10, 2))

    await reward_birthdays(utc(2026, 10, 10, 1))

    # Then the birthday's 100 points pay the 30 first: 70 are spendable
    row = await assert_ledger_consistent(m.id)
    assert row.balance == 70

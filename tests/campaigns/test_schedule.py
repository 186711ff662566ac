"""Campaign windows: whole local days per member, month ends, 29 February, DST days, the clock moved."""

from __future__ import annotations

from datetime import UTC, datetime

from server.campaigns import schedule
from server.core import clock
from tests.campaigns.support import CAMPAIGN, active_campaign, purchase, utc
from tests.support import Api

MEMBER_DAY = "FREQ=MONTHLY;BYMONTHDAY=8"
SERIES_START = datetime(2025, 1, 1, tzinfo=UTC)


def days(rule: str, zone: str, since: datetime, count: int = 5) -> list[str]:
    return [w[0].astimezone(schedule.zone_of(zone)).date().isoformat()
            for w in schedule.upcoming(rule, SERIES_START, None, zone, since, count)]


def test_member_day_is_the_whole_8th_where_the_member_lives() -> None:
    at = utc(2026, 12, 2)
    shanghai = schedule.upcoming(MEMBER_DAY, SERIES_START, None, "Asia/Shanghai", at, 1)
    new_york = schedule.upcoming(MEMBER_DAY, SERIES_START, None, "America/New_York", at, 1)
    assert shanghai == [(utc(2026, 12, 7, 16), utc(2026, 12, 8, 16))]
    assert new_york == [(utc(2026, 12, 8, 5), utc(2026, 12, 9, 5))]


def test_month_ends_skip_short_months_or_take_the_last_day() -> None:
    assert days("FREQ=MONTHLY;BYMONTHDAY=31", "UTC", utc(2027, 1, 1)) == [
        "2027-01-31", "2027-03-31", "2027-05-31", "2027-07-31", "2027-08-31",
    ]
    assert days("FREQ=MONTHLY;BYMONTHDAY=-1", "UTC", utc(2027, 12, 15), 4) == [
        "2027-12-31", "2028-01-31", "2028-02-29", "2028-03-31",
    ]


def test_29_february_comes_in_leap_years_only() -> None:
    assert days("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29", "Asia/Shanghai", utc(2026, 12, 2), 3) == [
        "2028-02-29", "2032-02-29", "2036-02-29",
    ]


def test_dst_days_are_23_and_25_hours_long() -> None:
    spring = schedule.window_at(MEMBER_DAY, SERIES_START, None, "America/New_York", utc(2026, 3, 8, 12))
    autumn = schedule.window_at("FREQ=YEARLY;BYMONTH=11;BYMONTHDAY=1", SERIES_START, None, "America/New_York",
                                utc(2026, 11, 1, 12))
    assert spring == (utc(2026, 3, 8, 5), utc(2026, 3, 9, 4))
    assert autumn == (utc(2026, 11, 1, 4), utc(2026, 11, 2, 5))


def test_starts_at_and_ends_at_cut_the_first_and_last_day() -> None:
    start, end = utc(2026, 12, 8, 10), utc(2027, 2, 8, 6)
    windows = schedule.upcoming(MEMBER_DAY, start, end, "UTC", utc(2026, 12, 1), 5)
    assert windows == [
        (utc(2026, 12, 8, 10), utc(2026, 12, 9, 0)),
        (utc(2027, 1, 8, 0), utc(2027, 1, 9, 0)),
        (utc(2027, 2, 8, 0), end),
    ]


def test_a_one_off_window_is_its_two_instants() -> None:
    start, end = utc(2026, 12, 24, 18), utc(2026, 12, 26, 2)
    assert schedule.window_at(None, start, end, "Asia/Shanghai", utc(2026, 12, 25)) == (start, end)
    assert schedule.window_at(None, start, end, "Asia/Shanghai", end) is None
    assert schedule.upcoming(None, start, None, "UTC", utc(2027, 1, 1)) == [(start, schedule.OPEN_END)]
    assert schedule.upcoming(None, start, end, "UTC", utc(2027, 1, 1)) == []


async def _buy_at(api: Api, partner, email: str, moment: datetime) -> int:
    with clock.travel(moment):
        return (await purchase(api, partner, email, "10.00"))["pointsEarned"]


async def test_purchases_earn_double_only_on_the_members_own_8th(api: Api) -> None:
    staff = await api.staff()
    partner = await api.partner()
    shanghai = await api.member(timezone="Asia/Shanghai")
    new_york = await api.member(timezone="America/New_York")
    with clock.travel(utc(2026, 12, 1)):
        await active_campaign(api, staff, name="Member day", recurrence=MEMBER_DAY, multiplier="2")

    assert await _buy_at(api, partner, shanghai.email, utc(2026, 12, 7, 15, 30)) == 10  # 23:30 on the 7th
    assert await _buy_at(api, partner, shanghai.email, utc(2026, 12, 7, 16, 30)) == 20  # 00:30 on the 8th
    assert await _buy_at(api, partner, new_york.email, utc(2026, 12, 8, 4, 30)) == 10  # 23:30 on the 7th
    assert await _buy_at(api, partner, new_york.email, utc(2026, 12, 9, 4, 30)) == 20  # 23:30 on the 8th
    assert await _buy_at(api, partner, new_york.email, utc(2026, 12, 9, 5, 30)) == 10  # 00:30 on the 9th


async def test_a_dst_member_day_ends_at_local_midnight(api: Api) -> None:
    staff = await api.staff()
    partner = await api.partner()
    new_york = await api.member(timezone="America/New_York")
    with clock.travel(utc(2026, 3, 1)):
        await active_campaign(api, staff, name="Member day", recurrence=MEMBER_DAY, multiplier="2")
    assert await _buy_at(api, partner, new_york.email, utc(2026, 3, 8, 4, 30)) == 10  # 23:30 EST on the 7th
    assert await _buy_at(api, partner, new_york.email, utc(2026, 3, 8, 5, 30)) == 20  # 00:30 EST on the 8th
    assert await _buy_at(api, partner, new_york.email, utc(2026, 3, 9, 3, 30)) == 20  # 23:30 EDT on the 8th
    assert await _buy_at(api, partner, new_york.email, utc(2026, 3, 9, 4, 30)) == 10  # 00:30 EDT on the 9th


async def test_leap_day_campaign_and_nothing_before_activation(api: Api) -> None:
    partner = await api.partner()
    member = await api.member(timezone="UTC")
    with clock.travel(utc(2028, 2, 29, 9)):
        staff = await api.staff()  # a session made now: one from 2026 would have expired
        await active_campaign(
            api, staff, name="Leap day", recurrence="FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29", multiplier="3",
            startsAt="2024-01-01T00:00:00+00:00",
        )
        # Reported now, but bought at 08:00 before the campaign was activated: no campaign points.
        early = await purchase(api, partner, member.email, "10.00", occurredAt="2028-02-29T08:00:00+00:00")
        assert early["pointsEarned"] == 10
    assert await _buy_at(api, partner, member.email, utc(2028, 2, 29, 23, 59)) == 30
    assert await _buy_at(api, partner, member.email, utc(2028, 3, 1, 0, 1)) == 10


async def test_upcoming_lists_the_current_and_next_windows(api: Api) -> None:
    staff = await api.staff()
    with clock.travel(utc(2026, 12, 8, 3)):
        made = await active_campaign(api, staff, recurrence=MEMBER_DAY)
        got = (await api.run(CAMPAIGN, {"id": made["id"]}, staff))["campaign"]["upcoming"]
    assert len(got) == 5
    assert got[0] == {"startsAt": "2026-12-08T00:00:00+00:00", "endsAt": "2026-12-09T00:00:00+00:00"}
    assert got[4]["startsAt"].startswith("2027-04-08")

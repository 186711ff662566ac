"""Daily check-in: once per local calendar day, streaks and bonuses across month ends, races."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from tortoise.exceptions import IntegrityError

from server.core import clock
from server.core.errors import DomainError, ErrorCode
from server.models import CheckIn, LedgerEntry, LedgerKind, Member
from server.social import checkins
from tests.points_support import assert_ledger_consistent, member_of, new_member, race, two_servers, utc
from tests.support import Api, Caller

CHECK_IN = """
mutation {
  checkIn {
    pointsEarned
    checkIn { today checkedInToday streak todayPoints }
    member { points { balance } }
    userErrors { field code message }
  }
}
"""

STATUS = "{ viewer { checkIn { today checkedInToday streak todayPoints } } }"


async def check_in(api: Api, caller: Caller) -> dict:
    return (await api.run(CHECK_IN, caller=caller))["checkIn"]


async def check_in_days(member: Member, first: datetime, days: int) -> list[int]:
    """Check ``member`` in on ``days`` consecutive days from ``first``; points earned each day."""
    earned = []
    for day in range(days):
        with clock.travel(first + timedelta(days=day)):
            earned.append((await checkins.check_in(member)).points_earned)
    return earned


def code(payload: dict) -> str | None:
    return payload["userErrors"][0]["code"] if payload["userErrors"] else None


async def test_a_second_check_in_the_same_day_is_refused(api: Api) -> None:
    with clock.travel(utc(2026, 5, 4, 9)):
        caller = await api.member()
        first = await check_in(api, caller)
        second = await check_in(api, caller)

    assert (first["pointsEarned"], first["checkIn"]) == (
        5,
        {"today": "2026-05-04", "checkedInToday": True, "streak": 1, "todayPoints": 5},
    )
    assert first["member"]["points"]["balance"] == 5
    assert (code(second), second["pointsEarned"], second["member"]) == ("ALREADY_CHECKED_IN", 0, None)
    member = await assert_ledger_consistent((await member_of(caller)).id)
    assert member.balance == 5 and await CheckIn.filter(member_id=member.id).count() == 1


async def test_the_day_follows_the_members_time_zone_not_utc(api: Api) -> None:
    # Given members in Auckland (UTC+13 in January) and Los Angeles (UTC−8)
    with clock.travel(utc(2026, 1, 15, 7)):
        auckland = await api.member(timezone="Pacific/Auckland")
        la = await api.member(timezone="America/Los_Angeles")
    # 23:30 UTC on the 15th: Auckland's 16 January (12:30), Los Angeles' 15 January (15:30)
    with clock.travel(utc(2026, 1, 15, 23, 30)):
        assert (await check_in(api, auckland))["checkIn"]["today"] == "2026-01-16"
        assert (await check_in(api, la))["checkIn"]["today"] == "2026-01-15"
    # UTC midnight passes: neither member has a new day.
    with clock.travel(utc(2026, 1, 16, 0, 30)):
        assert code(await check_in(api, auckland)) == "ALREADY_CHECKED_IN"
        assert code(await check_in(api, la)) == "ALREADY_CHECKED_IN"
    # 08:30 UTC: Los Angeles reaches midnight (00:30 on the 16th); Auckland is still on the 16th.
    with clock.travel(utc(2026, 1, 16, 8, 30)):
        assert (await check_in(api, la))["checkIn"] == {
            "today": "2026-01-16", "checkedInToday": True, "streak": 2, "todayPoints": 5,
        }
        assert code(await check_in(api, auckland)) == "ALREADY_CHECKED_IN"
    # 11:30 UTC: Auckland reaches 00:30 on the 17th.
    with clock.travel(utc(2026, 1, 16, 11, 30)):
        assert (await check_in(api, auckland))["checkIn"]["today"] == "2026-01-17"
        assert code(await check_in(api, la)) == "ALREADY_CHECKED_IN"

    days = {
        caller.email: await CheckIn.filter(member__email=caller.email).order_by("day").values_list("day", flat=True)
        for caller in (auckland, la)
    }
    assert [d.isoformat() for d in days[auckland.email]] == ["2026-01-16", "2026-01-17"]
    assert [d.isoformat() for d in days[la.email]] == ["2026-01-15", "2026-01-16"]


async def test_seven_day_bonus_across_the_end_of_january(api: Api) -> None:
    # Given six days in a row from 26 January (Shanghai time)
    with clock.travel(utc(2026, 1, 26, 2)):
        caller = await api.member()
    member = await member_of(caller)
    assert await check_in_days(member, utc(2026, 1, 26, 2), 6) == [5] * 6

    # When the member checks in on 1 February
    with clock.travel(utc(2026, 2, 1, 2)):
        before = (await api.run(STATUS, caller=caller))["viewer"]["checkIn"]
        seventh = await check_in(api, caller)

    # Then the status promised, and the check-in paid, 5 + 20 for a seven-day streak
    assert before == {"today": "2026-02-01", "checkedInToday": False, "streak": 6, "todayPoints": 25}
    assert seventh["pointsEarned"] == 25
    assert seventh["checkIn"] == {"today": "2026-02-01", "checkedInToday": True, "streak": 7, "todayPoints": 25}
    last_two = await LedgerEntry.filter(member_id=member.id).order_by("-id").limit(2)
    assert [(e.kind, e.delta) for e in last_two] == [(LedgerKind.STREAK_BONUS, 20), (LedgerKind.CHECK_IN, 5)]
    assert (await assert_ledger_consistent(member.id)).balance == 6 * 5 + 25


async def test_seven_day_bonus_across_the_end_of_february() -> None:
    member = await new_member()
    earned = await check_in_days(member, utc(2026, 2, 23, 3), 8)  # 23 Feb … 2 Mar (2026 is not a leap year)
    assert earned == [5, 5, 5, 5, 5, 5, 25, 5]
    march_first = await CheckIn.get(member_id=member.id, day=utc(2026, 3, 1).date())
    assert (march_first.streak, march_first.points) == (7, 25)


async def test_thirty_day_bonus_lands_on_the_thirtieth_day_and_bonuses_are_one_off_per_streak() -> None:
    member = await new_member()
    earned = await check_in_days(member, utc(2026, 1, 31, 4), 31)  # 31 Jan … 2 Mar

    assert earned[6] == 25 and earned[29] == 105 and earned[13] == 5 and earned[30] == 5
    assert sum(earned) == 31 * 5 + 20 + 100
    thirtieth = await CheckIn.get(member_id=member.id, day=utc(2026, 3, 1).date())
    assert thirtieth.streak == 30
    assert (await assert_ledger_consistent(member.id)).balance == sum(earned)


async def test_a_missed_day_breaks_the_chain() -> None:
    member = await new_member(timezone="Europe/Paris")
    await check_in_days(member, utc(2026, 3, 1, 10), 5)

    with clock.travel(utc(2026, 3, 7, 10)):  # 6 March was missed
        last = (await checkins.last_check_ins([member.id]))[member.id]
        status = checkins.status_from(member, last)
        result = await checkins.check_in(member)

    assert (status.streak, status.checked_in_today, status.today_points) == (0, False, 5)
    assert (result.points_earned, result.status.streak) == (5, 1)


async def test_status_of_a_member_who_never_checked_in(api: Api) -> None:
    with clock.travel(utc(2026, 7, 1, 20)):
        caller = await api.member(timezone="Asia/Tokyo")
        status = (await api.run(STATUS, caller=caller))["viewer"]["checkIn"]
    assert status == {"today": "2026-07-02", "checkedInToday": False, "streak": 0, "todayPoints": 5}


async def test_twenty_five_concurrent_check_ins_credit_exactly_once(api: Api) -> None:
    caller = await api.member()

    results = await asyncio.gather(*(check_in(api, caller) for _ in range(25)))

    assert sum(1 for r in results if r["pointsEarned"] == 5 and not r["userErrors"]) == 1
    assert [code(r) for r in results].count("ALREADY_CHECKED_IN") == 24
    member = await assert_ledger_consistent((await member_of(caller)).id)
    assert member.balance == 5
    assert await CheckIn.filter(member_id=member.id).count() == 1
    assert await LedgerEntry.filter(member_id=member.id).count() == 1


async def test_the_unique_day_constraint_is_the_last_line_of_defence() -> None:
    member = await new_member()
    with clock.travel(utc(2026, 8, 1, 6)):
        await checkins.check_in(member)
        with pytest.raises(DomainError) as refused:
            await checkins.check_in(member)
    assert refused.value.code is ErrorCode.ALREADY_CHECKED_IN
    # Even a write that skipped the existence check cannot add a second row for the day.
    with pytest.raises(IntegrityError):
        await CheckIn.create(
            member_id=member.id, day=utc(2026, 8, 1).date(), streak=1, points=5, created_at=utc(2026, 8, 1)
        )


@pytest.mark.server
async def test_check_ins_racing_across_two_server_processes_credit_once(api: Api, tmp_path: Path) -> None:
    caller = await api.member()

    async with two_servers(tmp_path) as urls:
        results = [d["checkIn"] for d in await race(urls, [(CHECK_IN, {}, caller)] * 25)]

    assert sum(1 for r in results if not r["userErrors"]) == 1
    assert [code(r) for r in results].count("ALREADY_CHECKED_IN") == 24
    member = await assert_ledger_consistent((await member_of(caller)).id)
    assert member.balance == 5 and await CheckIn.filter(member_id=member.id).count() == 1


UPDATE_TIMEZONE = "mutation($tz: String!) { updateProfile(input: {timezone: $tz}) { userErrors { code } } }"


async def test_moving_the_time_zone_west_does_not_reopen_the_day(api: Api) -> None:
    with clock.travel(utc(2026, 1, 15, 23, 30)):  # Auckland: 16 January, Los Angeles: 15 January
        caller = await api.member(timezone="Pacific/Auckland")
        assert (await check_in(api, caller))["checkIn"]["today"] == "2026-01-16"
        await api.run(UPDATE_TIMEZONE, {"tz": "America/Los_Angeles"}, caller)
        again = await check_in(api, caller)
        status = (await api.run(STATUS, caller=caller))["viewer"]["checkIn"]

    assert code(again) == "ALREADY_CHECKED_IN"
    assert status == {"today": "2026-01-15", "checkedInToday": True, "streak": 1, "todayPoints": 5}
    assert await CheckIn.filter(member__email=caller.email).count() == 1

"""Anniversary rewards: each year on the day of joining, in the member's zone; 29 February joiners."""

from __future__ import annotations

from server.celebrations import reward_anniversaries
from server.models import LedgerKind
from tests.calendar.support import entries, member, notices, utc
from tests.points_support import assert_ledger_consistent


async def test_each_anniversary_of_joining_is_rewarded_once_and_not_the_joining_day_itself() -> None:
    # Joined on 3 June 2025 at 20:00 in Shanghai (12:00 UTC)
    m = await member(joined_at=utc(2025, 6, 3, 12), timezone="Asia/Shanghai")

    assert await reward_anniversaries(utc(2025, 6, 3, 13)) == 0  # the joining day is no anniversary
    assert await reward_anniversaries(utc(2026, 6, 2, 15, 59)) == 0  # 23:59 on 2 June in Shanghai
    assert await reward_anniversaries(utc(2026, 6, 2, 16, 1)) == 1  # 00:01 on 3 June
    assert await reward_anniversaries(utc(2026, 6, 3, 16, 1)) == 0
    assert await reward_anniversaries(utc(2027, 6, 10)) == 1  # the second, caught up a week late

    assert await entries(m.id, LedgerKind.ANNIVERSARY) == [(100, "2026-06-02"), (100, "2027-06-10")]
    assert [n["years"] for n in await notices(m.id, "MEMBERSHIP_ANNIVERSARY")] == [1, 2]
    await assert_ledger_consistent(m.id)


async def test_the_joining_day_is_the_members_local_day() -> None:
    # 31 Dec 2025 23:00 in LA is 1 January 2026 07:00 UTC: the anniversary is 31 December
    m = await member(joined_at=utc(2026, 1, 1, 7), timezone="America/Los_Angeles")

    assert await reward_anniversaries(utc(2026, 12, 31, 7, 59)) == 0  # still 30 December in LA
    assert await reward_anniversaries(utc(2026, 12, 31, 8, 1)) == 1
    assert await entries(m.id, LedgerKind.ANNIVERSARY) == [(100, "2026-12-31")]


async def test_29_february_joiners_celebrate_on_28_february_in_common_years() -> None:
    m = await member(joined_at=utc(2024, 2, 29, 10), timezone="UTC")

    assert await reward_anniversaries(utc(2025, 2, 27, 23)) == 0
    assert await reward_anniversaries(utc(2025, 2, 28, 1)) == 1
    assert await reward_anniversaries(utc(2025, 3, 1, 1)) == 0
    assert await reward_anniversaries(utc(2028, 2, 28, 1)) == 0  # leap year: the 29th
    assert await reward_anniversaries(utc(2028, 2, 29, 1)) == 1

    assert await entries(m.id, LedgerKind.ANNIVERSARY) == [(100, "2025-02-28"), (100, "2028-02-29")]
    assert [n["years"] for n in await notices(m.id, "MEMBERSHIP_ANNIVERSARY")] == [1, 4]

"""The birthday and anniversary jobs: registered, idempotent, one run under races, via the CLI."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

from server.celebrations import reward_birthdays
from server.core import clock
from server.jobs import registered, run_job
from server.jobs.registry import find
from server.models import CelebrationReward, LedgerEntry, LedgerKind
from tests.calendar.support import member, utc
from tests.test_cli import patron


def test_the_calendar_jobs_are_registered() -> None:
    names = [job.name for job in registered()]
    assert {"birthdays", "anniversaries"} <= set(names)
    assert names.index("expiry") < names.index("birthdays")


async def test_runners_racing_for_the_birthday_job_reward_each_birthday_once() -> None:
    members = [await member(birthday=date(1990, 11, 11), timezone="UTC") for _ in range(30)]
    job = find("birthdays")
    assert job is not None

    with clock.travel(utc(2026, 11, 11, 6)):
        outcomes = await asyncio.gather(*(run_job(job, holder=f"worker-{n}") for n in range(4)))

    assert sorted(o.status for o in outcomes) == ["busy"] * 3 + ["ok"]
    assert await LedgerEntry.filter(kind=LedgerKind.BIRTHDAY).count() == len(members)


async def test_two_sweeps_racing_without_the_lease_still_reward_once() -> None:
    # The unique (member, kind, year) and the re-check under the members' locks hold even
    # when two runs overlap (a lease that lapsed under a slow runner)
    for _ in range(25):
        await member(birthday=date(1990, 11, 12), timezone="UTC")

    results = await asyncio.gather(
        *(reward_birthdays(utc(2026, 11, 12, 6)) for _ in range(3)), return_exceptions=True
    )

    rewarded = [r for r in results if isinstance(r, int)]
    assert sum(rewarded) == 25
    assert await CelebrationReward.filter(kind="BIRTHDAY").count() == 25
    assert await LedgerEntry.filter(kind=LedgerKind.BIRTHDAY).count() == 25


async def test_patron_jobs_run_twice_after_a_week_down_rewards_each_missed_day_once(database_url: str) -> None:
    # Birthdays on each day of a week the server was down, then two cron runs
    today = datetime.now(UTC).date()
    born = []
    for back in range(7):
        day = date.fromordinal(today.toordinal() - back)
        if day.month == 2 and day.day == 29:
            continue
        born.append(await member(birthday=day.replace(year=1990), timezone="UTC"))

    first = await patron("jobs", "run", "--only", "birthdays")
    second = await patron("jobs", "run", "--only", "birthdays")

    assert first.code == 0 and second.code == 0, first.err + second.err
    assert first.out.startswith("birthdays\tok") and f"Rewarded {len(born)} birthday(s)." in first.out
    assert "Rewarded 0 birthday(s)." in second.out
    assert await LedgerEntry.filter(kind=LedgerKind.BIRTHDAY).count() == len(born)

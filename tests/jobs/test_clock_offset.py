"""PATRON_CLOCK_OFFSET: rehearse the calendar on a staging copy, never in production."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from server.core.config import ConfigError, load_settings
from tests.test_cli import patron

BASE = {"PATRON_SECRET_KEY": "k" * 40}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("P400D", timedelta(days=400)), ("-PT6H", timedelta(hours=-6)), ("P2W", timedelta(weeks=2)), ("", timedelta(0))],
)
def test_offsets_are_signed_iso_durations(raw: str, expected: timedelta) -> None:
    assert load_settings({**BASE, "PATRON_CLOCK_OFFSET": raw}).clock_offset == expected


@pytest.mark.parametrize("raw", ["400 days", "P1Y", "P1M", "PXD"])
def test_bad_or_ambiguous_offsets_name_the_variable(raw: str) -> None:
    with pytest.raises(ConfigError, match="PATRON_CLOCK_OFFSET"):
        load_settings({**BASE, "PATRON_CLOCK_OFFSET": raw})


def test_production_refuses_a_clock_offset() -> None:
    with pytest.raises(ConfigError, match="PATRON_CLOCK_OFFSET must not be set when PATRON_ENV=production"):
        load_settings({**BASE, "PATRON_ENV": "production", "PATRON_CLOCK_OFFSET": "P1D"})


async def test_the_cli_runs_jobs_under_the_shifted_clock(database_url: str) -> None:
    from server.models import JobState

    run = await patron("jobs", "run", "--only", "expiry", env={"PATRON_CLOCK_OFFSET": "P400D"})
    assert run.code == 0, run.err
    assert run.out.startswith("expiry\tok")
    started = (await JobState.get(name="expiry")).last_started_at
    assert started is not None
    assert abs(started - (datetime.now(UTC) + timedelta(days=400))) < timedelta(minutes=5)


async def test_jobs_list_names_every_job_and_its_last_run(database_url: str) -> None:
    assert (await patron("jobs", "run", "--only", "tiers")).code == 0
    listing = await patron("jobs", "list")
    assert listing.code == 0, listing.err
    lines = {line.split("\t")[0]: line for line in listing.out.splitlines()}
    assert {"expiry", "expiry-warnings", "tiers"} <= set(lines)
    assert "\tok\t" in lines["tiers"] and "last never" in lines["expiry-warnings"]
    unknown = await patron("jobs", "run", "--only", "nope")
    assert unknown.code == 1 and "no job named nope" in unknown.err

"""The KPI series' calendar: granularity by span, Monday weeks, months and days in the programme's zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from server.core import clock
from server.insight.periods import Granularity, granularity_for, report_for
from tests.points_support import new_member, programme
from tests.support import Api

SERIES = """
query Series($from: Date!, $to: Date!) {
  kpis(from: $from, to: $to) { granularity revenue series { start revenue activeMembers } }
}
"""


@pytest.mark.parametrize(("days", "expected"), [
    (1, Granularity.DAY), (31, Granularity.DAY), (32, Granularity.WEEK), (180, Granularity.WEEK),
    (181, Granularity.MONTH), (1098, Granularity.MONTH),
])
def test_the_series_is_daily_up_to_31_days_weekly_up_to_180_then_monthly(days: int, expected: Granularity) -> None:
    first = date(2026, 1, 1)

    report = report_for(first, first + timedelta(days=days - 1), "UTC")

    assert granularity_for(days) is report.granularity is expected


def test_weeks_start_on_monday_and_cover_both_ends() -> None:
    report = report_for(date(2026, 3, 1), date(2026, 4, 1), "UTC")  # a Sunday to a Wednesday, 32 days

    labels = [period.label for period in report.periods]
    assert labels[0] == date(2026, 2, 23) and labels[-1] == date(2026, 3, 30)
    assert all(label.weekday() == 0 for label in labels) and len(labels) == 6
    # The first week counts from the report's first day, not from its Monday.
    assert report.periods[0].start == datetime(2026, 3, 1, tzinfo=UTC)
    assert report.periods[-1].end == datetime(2026, 4, 2, tzinfo=UTC)


def test_months_start_on_the_first_at_local_midnight() -> None:
    report = report_for(date(2026, 1, 15), date(2026, 12, 31), "Asia/Shanghai")

    assert [p.label for p in report.periods] == [date(2026, m, 1) for m in range(1, 13)]
    assert report.periods[0].start == datetime(2026, 1, 14, 16, tzinfo=UTC)
    assert report.periods[2].end == datetime(2026, 3, 31, 16, tzinfo=UTC)


async def _purchases(api: Api, moments: list[datetime], now: datetime) -> None:
    partner = await api.partner()
    member = await new_member()
    member.joined_at = datetime(2025, 6, 1, tzinfo=UTC)
    await member.save(update_fields=["joined_at"])
    with clock.travel(now):
        for n, moment in enumerate(moments):
            result = await api.purchase(partner, member.email, f"{10 ** n}.00", occurredAt=moment.isoformat())
            assert result["userErrors"] == [], result


async def _series(api: Api, first: str, last: str, now: datetime) -> dict:
    with clock.travel(now):
        staff = await api.staff()
        return (await api.run(SERIES, {"from": first, "to": last}, staff))["kpis"]


async def test_month_buckets_follow_the_programme_zone_across_a_month_end(api: Api, tmp_path: Path) -> None:
    now = datetime(2026, 7, 1, tzinfo=UTC)
    await _purchases(api, [
        datetime(2025, 12, 31, 17, tzinfo=UTC),  # 1 January 01:00 in Shanghai: inside the report
        datetime(2026, 3, 31, 15, tzinfo=UTC),  # 31 March 23:00 in Shanghai
        datetime(2026, 3, 31, 17, tzinfo=UTC),  # 1 April 01:00 in Shanghai
    ], now)

    utc = await _series(api, "2026-01-01", "2026-06-30", now)
    with programme('time_zone = "Asia/Shanghai"\n', tmp_path):
        shanghai = await _series(api, "2026-01-01", "2026-06-30", now)

    assert utc["granularity"] == shanghai["granularity"] == "MONTH"
    assert [p["start"] for p in shanghai["series"]] == [f"2026-{m:02d}-01" for m in range(1, 7)]
    assert [p["revenue"] for p in utc["series"]] == ["0.00", "0.00", "110.00", "0.00", "0.00", "0.00"]
    assert [p["revenue"] for p in shanghai["series"]] == ["1.00", "0.00", "10.00", "100.00", "0.00", "0.00"]
    assert utc["revenue"] == "110.00" and shanghai["revenue"] == "111.00"


async def test_weeks_begin_on_monday_in_the_programme_zone(api: Api, tmp_path: Path) -> None:
    now = datetime(2026, 4, 1, tzinfo=UTC)
    await _purchases(api, [datetime(2026, 3, 8, 20, tzinfo=UTC)], now)  # Sunday in UTC, Monday 04:00 in Shanghai

    utc = await _series(api, "2026-02-01", "2026-03-31", now)
    with programme('time_zone = "Asia/Shanghai"\n', tmp_path):
        shanghai = await _series(api, "2026-02-01", "2026-03-31", now)

    for report in (utc, shanghai):
        assert report["granularity"] == "WEEK"
        assert all(date.fromisoformat(p["start"]).weekday() == 0 for p in report["series"])
    assert {p["start"]: p["activeMembers"] for p in utc["series"] if p["activeMembers"]} == {"2026-03-02": 1}
    assert {p["start"]: p["activeMembers"] for p in shanghai["series"] if p["activeMembers"]} == {"2026-03-09": 1}


async def test_days_stay_whole_across_a_daylight_saving_change(api: Api, tmp_path: Path) -> None:
    now = datetime(2026, 4, 5, tzinfo=UTC)
    # London moves to BST at 01:00 UTC on 29 March: 30 March begins at 23:00 UTC on the 29th.
    await _purchases(api, [datetime(2026, 3, 29, 22, 30, tzinfo=UTC), datetime(2026, 3, 29, 23, 30, tzinfo=UTC)], now)

    with programme('time_zone = "Europe/London"\n', tmp_path):
        london = await _series(api, "2026-03-28", "2026-03-31", now)

    assert [(p["start"], p["revenue"]) for p in london["series"]] == [
        ("2026-03-28", "0.00"), ("2026-03-29", "1.00"), ("2026-03-30", "10.00"), ("2026-03-31", "0.00"),
    ]

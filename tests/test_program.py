"""Programme rules from PATRON_PROGRAM and settings from the environment: overrides and refusals."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from server.core.config import ConfigError, load_settings
from server.points.program import Program, program_from_toml
from tests.points_support import programme
from tests.support import RECORD_PURCHASE, Api

PROGRAM = """
{
  program {
    currency pointsPerCurrencyUnit checkInPoints streakBonuses { days points }
    reviewPoints referrerPoints refereePoints pointsExpireAfterMonths tierWindowMonths
    tiers { code name rank threshold earnMultiplier discountPercent perks }
  }
}
"""

CHECK_IN = "mutation { checkIn { pointsEarned userErrors { code } } }"

OVERRIDES = """
check_in_points = 7
points_expire_after_months = 6

[[streak_bonuses]]
days = 3
points = 9

[[tiers]]
code = "bronze"
name = "Bronze"
rank = 1
threshold = 0
earn_multiplier = "1"
discount_percent = 5
perks = ["Members' prices"]

[[tiers]]
code = "gold"
name = "Gold"
rank = 2
threshold = 1000
earn_multiplier = "2"
discount_percent = 12
"""


@pytest.fixture
def use_program(tmp_path: Path) -> Iterator[Callable[[str], Program]]:
    """Point PATRON_PROGRAM at a file with the given text and reload the rules; restored afterwards."""
    with contextlib.ExitStack() as stack:
        yield lambda text: stack.enter_context(programme(text, tmp_path))


async def test_the_default_rules_are_exposed(api: Api) -> None:
    program = (await api.run(PROGRAM))["program"]

    assert (program["currency"], program["pointsPerCurrencyUnit"], program["checkInPoints"]) == ("CNY", "1", 5)
    assert program["streakBonuses"] == [{"days": 7, "points": 20}, {"days": 30, "points": 100}]
    assert (program["reviewPoints"], program["referrerPoints"], program["refereePoints"]) == (20, 200, 100)
    assert (program["pointsExpireAfterMonths"], program["tierWindowMonths"]) == (12, 12)
    tiers = [
        (t["code"], t["rank"], t["threshold"], t["earnMultiplier"], t["discountPercent"]) for t in program["tiers"]
    ]
    assert tiers == [
        ("silver", 1, 0, "1.00", 10),
        ("gold", 2, 5000, "1.25", 15),
        ("diamond", 3, 20000, "1.50", 20),
    ]


async def test_overrides_are_reflected_in_the_api_and_applied(api: Api, use_program) -> None:
    use_program(OVERRIDES)

    program = (await api.run(PROGRAM))["program"]
    caller = await api.member()
    checked_in = (await api.run(CHECK_IN, caller=caller))["checkIn"]
    partner = await api.partner(["purchases:write"])
    earned = []
    for order, amount in (("P-1", "999.00"), ("P-2", "1.00"), ("P-3", "10.00")):
        variables = {"input": {"memberEmail": caller.email, "orderId": order, "amount": amount}}
        earned.append((await api.run(RECORD_PURCHASE, variables, partner))["recordPurchase"])

    assert program["checkInPoints"] == 7 and program["pointsExpireAfterMonths"] == 6
    assert program["streakBonuses"] == [{"days": 3, "points": 9}]
    assert [(t["code"], t["name"], t["threshold"], t["earnMultiplier"]) for t in program["tiers"]] == [
        ("bronze", "Bronze", 0, "1"),
        ("gold", "Gold", 1000, "2"),
    ]
    assert program["tiers"][0]["perks"] == ["Members' prices"]
    assert checked_in == {"pointsEarned": 7, "userErrors": []}
    # The new tiers and multiplier drive earning: 999 + 1 crosses 1,000, then 10 × 2.
    assert [(e["pointsEarned"], e["member"]["tier"]["code"]) for e in earned] == [
        (999, "bronze"),
        (1, "gold"),
        (20, "gold"),
    ]


@pytest.mark.parametrize(
    ("toml", "named"),
    [
        ("check_in_points = [", "not valid TOML"),
        ("check_in_points = -1", "check_in_points"),
        ("check_in_points = 2.5", "check_in_points"),
        ("points_expire_after_months = 0", "points_expire_after_months"),
        ("chek_in_points = 5", "chek_in_points"),
        ("currency = 12", "currency"),
        ("points_per_currency_unit = 0", "points_per_currency_unit"),
        ("points_per_currency_unit = 'lots'", "points_per_currency_unit"),
        ("streak_bonuses = 3", "streak_bonuses"),
        ("[[streak_bonuses]]\ndays = 0\npoints = 5", "streak_bonuses[0].days"),
        ("tiers = 'gold'", "tiers"),
        ("[[tiers]]\ncode = 'a'\nthreshold = 10", "tiers"),
        ("[[tiers]]\ncode = 'a'", "tiers[0].threshold"),
        ("[[tiers]]\ncode = 'a'\nthreshold = 0\nearn_multiplier = 'x'", "tiers[0]"),
        ("[[tiers]]\ncode = 'a'\nthreshold = 0\nearn_multiplier = '-1'", "tiers[0].earn_multiplier"),
        ("[[tiers]]\ncode = 'a'\nthreshold = 0\ndiscount_percent = 150", "tiers[0].discount_percent"),
        ("[[tiers]]\ncode = 'a'\nthreshold = 0\nname = 5\n[[tiers]]\ncode = 'a'\nthreshold = 5", "tier codes"),
        ("[[tiers]]\ncode = 'a'\nthreshold = 0\n[[tiers]]\ncode = 'b'\nthreshold = 0", "thresholds"),
    ],
)
def test_bad_programme_files_name_the_setting(toml: str, named: str) -> None:
    with pytest.raises(ConfigError) as error:
        program_from_toml(toml)
    message = str(error.value)
    assert message.startswith("PATRON_PROGRAM: ") and named in message
    assert "\n" not in message


def test_a_missing_programme_file_names_the_variable(tmp_path: Path) -> None:
    env = {"PATRON_PROGRAM": str(tmp_path / "nope.toml"), "PATRON_VAR_DIR": str(tmp_path)}
    with pytest.raises(ConfigError, match="^PATRON_PROGRAM"):
        load_settings(env)


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"DATABASE_URL": "mysql://db/patron"}, "DATABASE_URL"),
        ({"DATABASE_URL": "postgres://"}, "DATABASE_URL"),
        ({"DATABASE_URL": "sqlite://"}, "DATABASE_URL"),
        ({"DATABASE_URL": "patron.db"}, "DATABASE_URL"),
        ({"PATRON_ENV": "staging"}, "PATRON_ENV"),
        ({"PATRON_ENV": "production"}, "PATRON_SECRET_KEY"),
        ({"PATRON_ENV": "production", "PATRON_SECRET_KEY": "too-short"}, "PATRON_SECRET_KEY"),
        ({"PATRON_BASE_URL": "ftp://example.com"}, "PATRON_BASE_URL"),
    ],
)
def test_bad_settings_stop_start_up_naming_the_variable(tmp_path: Path, env: dict[str, str], variable: str) -> None:
    with pytest.raises(ConfigError) as error:
        load_settings({"PATRON_VAR_DIR": str(tmp_path), **env})
    assert str(error.value).startswith(variable) and "\n" not in str(error.value)


def test_good_settings_load(tmp_path: Path) -> None:
    settings = load_settings(
        {
            "PATRON_ENV": "production",
            "PATRON_SECRET_KEY": "k" * 40,
            "DATABASE_URL": "postgres://patron@db.internal:5432/patron",
            "PATRON_VAR_DIR": str(tmp_path),
        }
    )
    assert settings.production and not settings.is_sqlite and settings.secret_key == "k" * 40


def test_development_generates_and_keeps_a_secret_key(tmp_path: Path) -> None:
    first = load_settings({"PATRON_VAR_DIR": str(tmp_path)})
    again = load_settings({"PATRON_VAR_DIR": str(tmp_path)})
    assert len(first.secret_key) >= 32 and first.secret_key == again.secret_key
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_program_decimal_rules_are_decimals() -> None:
    program = program_from_toml('points_per_currency_unit = "0.5"')
    assert program.points_per_currency_unit == Decimal("0.5")


async def test_a_programme_without_daily_points_still_counts_check_ins(api: Api, use_program) -> None:
    use_program("check_in_points = 0\n[[streak_bonuses]]\ndays = 1\npoints = 0")
    caller = await api.member()

    first = (await api.run(CHECK_IN, caller=caller))["checkIn"]
    second = (await api.run(CHECK_IN, caller=caller))["checkIn"]

    assert first == {"pointsEarned": 0, "userErrors": []}
    assert second == {"pointsEarned": 0, "userErrors": [{"code": "ALREADY_CHECKED_IN"}]}

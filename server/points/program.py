"""The programme's rules: currency, earn rate, tiers, check-in, expiry and rewards.

Defaults are the ones a new programme starts with; a TOML file named by ``PATRON_PROGRAM``
overrides any of them. The rules are immutable for the life of the process and exposed to
clients by ``Query.program`` so that every app explains points the same way.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from server.core.config import ConfigError, get_settings


@dataclass(frozen=True)
class TierRule:
    code: str
    name: str
    rank: int
    threshold: int
    earn_multiplier: Decimal
    discount_percent: int
    perks: tuple[str, ...] = ()
    name_zh: str | None = None
    perks_zh: tuple[str, ...] = ()


@dataclass(frozen=True)
class StreakBonus:
    days: int
    points: int


@dataclass(frozen=True)
class Program:
    name: str = "Patron"  # the programme's name, as members read it in e-mails
    name_zh: str | None = None  # its Chinese name, when it has one
    currency: str = "CNY"
    points_per_currency_unit: Decimal = Decimal("1")
    check_in_points: int = 5
    streak_bonuses: tuple[StreakBonus, ...] = (StreakBonus(7, 20), StreakBonus(30, 100))
    review_points: int = 20
    referrer_points: int = 200
    referee_points: int = 100
    referrals_per_month_cap: int = 50
    points_expire_after_months: int = 12
    tier_window_months: int = 12
    tier_retention_months: int = 12
    tiers: tuple[TierRule, ...] = field(default_factory=lambda: DEFAULT_TIERS)
    # Member care: hours within which staff's first answer to a ticket is due (per tier, else the
    # default), and how many days after a purchase its satisfaction survey goes out.
    first_response_hours: int = 48
    first_response_hours_by_tier: tuple[tuple[str, int], ...] = (("gold", 24), ("diamond", 24))
    survey_delay_days: int = 3
    marketing_emails_per_week: int = 2  # most marketing e-mails one member gets in any 7 days
    # Wave 2, shared by several issues (one place, so parallel work does not collide):
    time_zone: str = "UTC"  # the programme's own zone: KPI days, weeks and months (insight)
    point_value: Decimal = Decimal("0.01")  # what one point costs the programme (ROI, liability)
    gross_margin: Decimal = Decimal("0.30")  # margin on revenue, 0-1 (campaign ROI, lifetime value)
    expected_lifespan_years: Decimal = Decimal("3")  # how long a member stays (lifetime value)
    adjustment_cap_per_staff_day: int = 10_000  # most points one staff member adjusts per day (console)
    birthday_points_by_tier: tuple[tuple[str, int], ...] = (("silver", 100), ("gold", 300), ("diamond", 500))
    anniversary_points: int = 100  # on each anniversary of joining (engine)

    def display_name(self, locale: str) -> str:
        """The programme's name in ``locale`` (e-mail senders, subjects and footers)."""
        return (self.name_zh or self.name) if locale == "zh-CN" else self.name

    def tier(self, code: str) -> TierRule:
        """The tier with ``code``; the lowest tier for an unknown code (a tier removed from the rules)."""
        for tier in self.tiers:
            if tier.code == code:
                return tier
        return self.tiers[0]

    def find_tier(self, code: str) -> TierRule | None:
        return next((tier for tier in self.tiers if tier.code == code), None)

    @property
    def base_tier(self) -> TierRule:
        return self.tiers[0]

    def tier_for(self, qualifying_points: int) -> TierRule:
        """The highest tier whose threshold ``qualifying_points`` reaches."""
        reached = [tier for tier in self.tiers if qualifying_points >= tier.threshold]
        return reached[-1] if reached else self.tiers[0]

    def next_tier(self, tier: TierRule) -> TierRule | None:
        higher = [t for t in self.tiers if t.rank > tier.rank]
        return higher[0] if higher else None

    def birthday_points(self, tier_code: str) -> int:
        """The birthday reward for a member of ``tier_code`` (0 for a tier without one)."""
        return dict(self.birthday_points_by_tier).get(tier_code, 0)

    def first_response_target(self, tier_code: str) -> int:
        """Hours within which staff's first answer to a ticket from a member of ``tier_code`` is due."""
        return dict(self.first_response_hours_by_tier).get(tier_code, self.first_response_hours)


DEFAULT_TIERS: tuple[TierRule, ...] = (
    TierRule(
        "silver", "Silver", 1, 0, Decimal("1.00"), 10,
        ("10% member discount", "Birthday bonus"),
        "白银", ("会员九折", "生日礼遇"),
    ),
    TierRule(
        "gold", "Gold", 2, 5000, Decimal("1.25"), 15,
        ("15% member discount", "1.25× points on purchases", "Priority support"),
        "黄金", ("会员八五折", "消费积分 1.25 倍", "优先客服"),
    ),
    TierRule(
        "diamond", "Diamond", 3, 20000, Decimal("1.50"), 20,
        ("20% member discount", "1.5× points on purchases", "Free express delivery", "Lounge access"),
        "钻石", ("会员八折", "消费积分 1.5 倍", "免费快递", "贵宾室"),
    ),
)


def _positive_int(data: dict[str, Any], key: str, where: str, minimum: int = 0) -> int | None:
    if key not in data:
        return None
    value = data[key]
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise ConfigError(f"PATRON_PROGRAM: {where}{key} must be a whole number ≥ {minimum}")
    return value


def _tier_from(item: Any, where: str, index: int) -> TierRule:
    """One ``[[tiers]]`` table; any wrong value names the tier and the key."""
    if not isinstance(item, dict):
        raise ConfigError(f"PATRON_PROGRAM: {where} must be a table")
    try:
        tier = TierRule(
            code=str(item["code"]).strip(),
            name=str(item.get("name", item["code"])).strip(),
            rank=int(item.get("rank", index + 1)),
            threshold=int(item["threshold"]),
            earn_multiplier=Decimal(str(item.get("earn_multiplier", "1"))),
            discount_percent=int(item.get("discount_percent", 0)),
            perks=tuple(str(p) for p in item.get("perks", ())),
            name_zh=item.get("name_zh"),
            perks_zh=tuple(str(p) for p in item.get("perks_zh", ())),
        )
    except KeyError as exc:
        raise ConfigError(f"PATRON_PROGRAM: {where}{exc.args[0]} is required") from None
    except (ValueError, TypeError, ArithmeticError) as exc:
        raise ConfigError(f"PATRON_PROGRAM: {where} is invalid ({exc})") from None
    if not tier.code:
        raise ConfigError(f"PATRON_PROGRAM: {where}code must not be empty")
    if tier.threshold < 0:
        raise ConfigError(f"PATRON_PROGRAM: {where}threshold must be ≥ 0")
    if not tier.earn_multiplier.is_finite() or tier.earn_multiplier <= 0:
        raise ConfigError(f"PATRON_PROGRAM: {where}earn_multiplier must be a positive number")
    if not 0 <= tier.discount_percent <= 100:
        raise ConfigError(f"PATRON_PROGRAM: {where}discount_percent must be between 0 and 100")
    return tier


def _tiers_from(raw: Any) -> tuple[TierRule, ...]:
    if not isinstance(raw, list):
        raise ConfigError("PATRON_PROGRAM: tiers must be an array of tables ([[tiers]])")
    tiers = sorted((_tier_from(item, f"tiers[{i}].", i) for i, item in enumerate(raw)), key=lambda t: t.rank)
    if not tiers or tiers[0].threshold != 0:
        raise ConfigError("PATRON_PROGRAM: tiers: the lowest-ranked tier must have threshold 0")
    if len({t.code for t in tiers}) != len(tiers):
        raise ConfigError("PATRON_PROGRAM: tiers: tier codes must be unique")
    if len({t.rank for t in tiers}) != len(tiers):
        raise ConfigError("PATRON_PROGRAM: tiers: tier ranks must be unique")
    thresholds = [t.threshold for t in tiers]
    if thresholds != sorted(set(thresholds)):
        raise ConfigError("PATRON_PROGRAM: tiers: thresholds must rise with rank")
    return tuple(tiers)


def _streak_bonuses_from(raw: Any) -> tuple[StreakBonus, ...]:
    if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
        raise ConfigError("PATRON_PROGRAM: streak_bonuses must be an array of tables ([[streak_bonuses]])")
    bonuses = []
    for index, item in enumerate(raw):
        days = _positive_int(item, "days", f"streak_bonuses[{index}].", minimum=1)
        points = _positive_int(item, "points", f"streak_bonuses[{index}].")
        if days is None or points is None:
            raise ConfigError(f"PATRON_PROGRAM: streak_bonuses[{index}] needs days and points")
        bonuses.append(StreakBonus(days, points))
    if len({b.days for b in bonuses}) != len(bonuses):
        raise ConfigError("PATRON_PROGRAM: streak_bonuses: days must be unique")
    return tuple(sorted(bonuses, key=lambda b: b.days))


MAX_FIRST_RESPONSE_HOURS = 30 * 24
SURVEY_DELAY_RANGE = (3, 7)


def _hours(value: Any, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_FIRST_RESPONSE_HOURS:
        raise ConfigError(
            f"PATRON_PROGRAM: {where} must be a whole number of hours from 1 to {MAX_FIRST_RESPONSE_HOURS}"
        )
    return value


def _care_changes(data: dict[str, Any], tiers: tuple[TierRule, ...]) -> dict[str, Any]:
    """The member-care settings; per-tier targets must name tiers the programme has."""
    changes: dict[str, Any] = {}
    if "first_response_hours" in data:
        changes["first_response_hours"] = _hours(data["first_response_hours"], "first_response_hours")
    if "first_response_hours_by_tier" in data:
        raw = data["first_response_hours_by_tier"]
        if not isinstance(raw, dict):
            raise ConfigError("PATRON_PROGRAM: first_response_hours_by_tier must be a table such as { gold = 24 }")
        codes = {tier.code for tier in tiers}
        for code in raw:
            if code not in codes:
                raise ConfigError(f"PATRON_PROGRAM: first_response_hours_by_tier names an unknown tier {code!r}")
        changes["first_response_hours_by_tier"] = tuple(
            (code, _hours(hours, f"first_response_hours_by_tier.{code}")) for code, hours in raw.items()
        )
    if "survey_delay_days" in data:
        low, high = SURVEY_DELAY_RANGE
        days = data["survey_delay_days"]
        if not isinstance(days, int) or isinstance(days, bool) or not low <= days <= high:
            raise ConfigError(f"PATRON_PROGRAM: survey_delay_days must be a whole number from {low} to {high}")
        changes["survey_delay_days"] = days
    return changes


def _decimal(data: dict[str, Any], key: str, low: Decimal, high: Decimal | None) -> Decimal | None:
    if key not in data:
        return None
    raw = data[key]
    try:
        value = Decimal(str(raw)) if isinstance(raw, int | float | str) and not isinstance(raw, bool) else None
    except ArithmeticError:
        value = None
    if value is None or not value.is_finite() or value < low or (high is not None and value > high):
        bound = f"from {low} to {high}" if high is not None else f"≥ {low}"
        raise ConfigError(f"PATRON_PROGRAM: {key} must be a number {bound}")
    return value


def _wave2_changes(data: dict[str, Any], tiers: tuple[TierRule, ...]) -> dict[str, Any]:
    """Time zone, point value, margin, lifespan, staff adjustment cap, birthday and anniversary points."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    changes: dict[str, Any] = {}
    if "time_zone" in data:
        zone = data["time_zone"]
        try:
            ZoneInfo(zone) if isinstance(zone, str) and zone else None
        except (ZoneInfoNotFoundError, ValueError):
            zone = None
        if not isinstance(zone, str) or not zone:
            raise ConfigError("PATRON_PROGRAM: time_zone must be an IANA zone such as Asia/Shanghai")
        changes["time_zone"] = zone
    for key, low, high in (
        ("point_value", Decimal(0), None),
        ("gross_margin", Decimal(0), Decimal(1)),
        ("expected_lifespan_years", Decimal(0), Decimal(100)),
    ):
        value = _decimal(data, key, low, high)
        if value is not None:
            changes[key] = value
    for key in ("adjustment_cap_per_staff_day", "anniversary_points"):
        value = _positive_int(data, key, "")
        if value is not None:
            changes[key] = value
    if "birthday_points_by_tier" in data:
        raw = data["birthday_points_by_tier"]
        if not isinstance(raw, dict):
            raise ConfigError("PATRON_PROGRAM: birthday_points_by_tier must be a table such as { gold = 300 }")
        codes = {tier.code for tier in tiers}
        for code in raw:
            if code not in codes:
                raise ConfigError(f"PATRON_PROGRAM: birthday_points_by_tier names an unknown tier {code!r}")
        changes["birthday_points_by_tier"] = tuple(
            (code, _positive_int(raw, code, "birthday_points_by_tier.")) for code in raw
        )
    return changes


def program_from_toml(text: str) -> Program:
    """Parse a programme file; unknown keys are refused so that a typo is not silently ignored."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"PATRON_PROGRAM: not valid TOML ({exc})") from None
    program = Program()
    changes: dict[str, Any] = {}
    known = {f for f in Program.__dataclass_fields__}
    for key in data:
        if key not in known:
            raise ConfigError(f"PATRON_PROGRAM: unknown setting {key!r}")
    for key in ("name", "name_zh"):
        if key in data:
            value = data[key]
            if not isinstance(value, str) or not value.strip() or len(value) > 80 or any(ord(c) < 32 for c in value):
                raise ConfigError(f"PATRON_PROGRAM: {key} must be text of 1 to 80 characters")
            changes[key] = value.strip()
    if "currency" in data:
        currency = data["currency"]
        if not isinstance(currency, str) or not (len(currency) == 3 and currency.isalpha() and currency.isupper()):
            raise ConfigError("PATRON_PROGRAM: currency must be an ISO 4217 code such as CNY")
        changes["currency"] = currency
    if "points_per_currency_unit" in data:
        raw_rate = data["points_per_currency_unit"]
        try:
            rate = Decimal(str(raw_rate)) if isinstance(raw_rate, int | float | str) else Decimal(-1)
        except ArithmeticError:
            rate = Decimal(-1)
        if not rate.is_finite() or rate <= 0:
            raise ConfigError("PATRON_PROGRAM: points_per_currency_unit must be a positive number")
        changes["points_per_currency_unit"] = rate
    for key in (
        "check_in_points", "review_points", "referrer_points", "referee_points",
        "referrals_per_month_cap", "marketing_emails_per_week",
    ):
        value = _positive_int(data, key, "")
        if value is not None:
            changes[key] = value
    for key in ("points_expire_after_months", "tier_window_months", "tier_retention_months"):
        value = _positive_int(data, key, "", minimum=1)
        if value is not None:
            changes[key] = value
    if "streak_bonuses" in data:
        changes["streak_bonuses"] = _streak_bonuses_from(data["streak_bonuses"])
    if "tiers" in data:
        changes["tiers"] = _tiers_from(data["tiers"])
    changes.update(_care_changes(data, changes.get("tiers", program.tiers)))
    changes.update(_wave2_changes(data, changes.get("tiers", program.tiers)))
    return replace(program, **changes)


def load_program(path: Path | None) -> Program:
    if path is None:
        return Program()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"PATRON_PROGRAM: cannot read {path} ({exc.__class__.__name__})") from None
    return program_from_toml(text)


@lru_cache(maxsize=1)
def get_program() -> Program:
    """The rules in force for this process."""
    return load_program(get_settings().program_path)

"""The programme's rules and tiers as GraphQL types."""

from __future__ import annotations

from decimal import Decimal

import strawberry
from strawberry import relay
from strawberry.types import Info

from server.points.program import Program as ProgramRules
from server.points.program import TierRule, get_program


@strawberry.type(description="Extra points for checking in on this many consecutive days.")
class StreakBonus:
    days: int = strawberry.field(description="The streak length that earns the bonus.")
    points: int = strawberry.field(description="The bonus, on top of the day's check-in points.")


@strawberry.type(description="A membership level (such as silver, gold, diamond) with its threshold and perks.")
class Tier(relay.Node):
    """Plain attribute fields in the caller's language, made once per tier and language (``tier_type``)."""

    code_id: relay.NodeID[str]
    rule: strawberry.Private[TierRule]
    locale: strawberry.Private[str]
    code: str = strawberry.field(description="Stable code, such as silver, gold, diamond.")
    name: str = strawberry.field(description="Display name in the caller's language.")
    rank: int = strawberry.field(description="1 for the lowest tier; higher ranks are higher tiers.")
    threshold: int = strawberry.field(description="Qualifying points within the tier window needed to hold this tier.")
    earn_multiplier: Decimal = strawberry.field(description="Points earned on purchases are multiplied by this.")
    discount_percent: int = strawberry.field(description="Member discount at partners, in percent.")
    perks: list[str] = strawberry.field(description="What the tier gives, one line each, in the caller's language.")

    @strawberry.field(description="Care: staff answer a ticket from a member of this tier within this many hours.")
    def first_response_hours(self) -> int:
        return get_program().first_response_target(self.rule.code)

    @classmethod
    def resolve_nodes(cls, *, info: Info, node_ids, required: bool = False):  # type: ignore[override]
        program = get_program()
        return [tier_type(program.find_tier(code), info) if program.find_tier(code) else None for code in node_ids]


# Tiers are configuration: their GraphQL objects are made once per rule and language, then shared.
_TIERS: dict[tuple[int, str], Tier] = {}


def tier_type(rule: TierRule, info: Info | None = None) -> Tier:
    locale = info.context.locale if info is not None else "en"
    key = (id(rule), locale)
    made = _TIERS.get(key)
    if made is None or made.rule is not rule:
        chinese = locale == "zh-CN"
        made = _TIERS[key] = Tier(
            code_id=rule.code,
            rule=rule,
            locale=locale,
            code=rule.code,
            name=(rule.name_zh if chinese else None) or rule.name,
            rank=rule.rank,
            threshold=rule.threshold,
            earn_multiplier=rule.earn_multiplier,
            discount_percent=rule.discount_percent,
            perks=list(rule.perks_zh) if chinese and rule.perks_zh else list(rule.perks),
        )
    return made


@strawberry.type(description="The programme's rules in force: earning, check-ins, expiry and tiers.")
class Program:
    rules: strawberry.Private[ProgramRules]

    @strawberry.field(description="ISO 4217 code of the currency purchases are reported in, such as CNY.")
    def currency(self) -> str:
        return self.rules.currency

    @strawberry.field(description="Base points earned per one unit of currency spent, before multipliers.")
    def points_per_currency_unit(self) -> Decimal:
        return self.rules.points_per_currency_unit

    @strawberry.field(description="Points for one daily check-in, before streak bonuses.")
    def check_in_points(self) -> int:
        return self.rules.check_in_points

    @strawberry.field(description="Extra points on reaching these streak lengths, shortest first.")
    def streak_bonuses(self) -> list[StreakBonus]:
        return [StreakBonus(days=b.days, points=b.points) for b in self.rules.streak_bonuses]

    @strawberry.field(description="Points for a review when it is published.")
    def review_points(self) -> int:
        return self.rules.review_points

    @strawberry.field(description="Points for the referring member when a referred friend makes a first purchase.")
    def referrer_points(self) -> int:
        return self.rules.referrer_points

    @strawberry.field(description="Points for the referred friend on their first purchase.")
    def referee_points(self) -> int:
        return self.rules.referee_points

    @strawberry.field(description="Points expire this many months after the month in which they were earned.")
    def points_expire_after_months(self) -> int:
        return self.rules.points_expire_after_months

    @strawberry.field(description="Qualifying points for tiers are counted over this many trailing months.")
    def tier_window_months(self) -> int:
        return self.rules.tier_window_months

    @strawberry.field(description="All tiers, lowest rank first.")
    def tiers(self, info: Info) -> list[Tier]:
        return [tier_type(rule, info) for rule in self.rules.tiers]

    @strawberry.field(description="Care: the satisfaction survey follows a purchase after this many days (3 to 7).")
    def survey_delay_days(self) -> int:
        return self.rules.survey_delay_days
    # messages (issue 13)
    @strawberry.field(description="The programme's name, in the caller's language (e-mails are signed with it).")
    def name(self, info: Info) -> str:
        return self.rules.display_name(info.context.locale)

    @strawberry.field(description="The most marketing e-mails one member receives in any 7 days.")
    def marketing_emails_per_week(self) -> int:
        return self.rules.marketing_emails_per_week

    @strawberry.field(description="What one point costs the programme, in its currency: for ROI and liability figures.")
    def point_value(self) -> Decimal:
        return self.rules.point_value

    @strawberry.field(description="Gross margin on revenue, 0–1: for ROI and lifetime value.")
    def gross_margin(self) -> Decimal:
        return self.rules.gross_margin

    @strawberry.field(
        description="Most points one staff member may adjust per programme day (absolute values summed): "
        "adjustPoints answers LIMIT_REACHED beyond it."
    )
    def adjustment_cap_per_staff_day(self) -> int:
        return self.rules.adjustment_cap_per_staff_day


@strawberry.type
class ProgramQuery:
    @strawberry.field(description="The rules in force, so that every client can show members how points work.")
    def program(self) -> Program:
        return Program(rules=get_program())

    @strawberry.field(description="All tiers, lowest rank first.")
    def tiers(self, info: Info) -> list[Tier]:
        return [tier_type(rule, info) for rule in get_program().tiers]

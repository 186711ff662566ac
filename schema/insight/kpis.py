"""The programme's KPIs in the API: ``Query.kpis(from, to)`` (staff and analysts)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

import strawberry
from graphql import GraphQLError
from strawberry.types import Info

from schema.enums import described_enum
from schema.messages import ZH_CN_MESSAGES, translate
from schema.permissions import is_reader
from schema.program.types import Tier, tier_type
from server.core.errors import DomainError
from server.insight import kpis as domain
from server.insight import periods
from server.points.program import get_program

# The report's own refusals, worded for zh-CN callers (schema.messages keeps every other domain's).
ZH_CN_MESSAGES.update({
    "Choose a day from {earliest} to {latest}.": "请选择 {earliest} 至 {latest} 之间的日期。",
    "The last day must not be before the first.": "结束日期不能早于开始日期。",
    "A report covers at most {days} days.": "报表最长覆盖 {days} 天。",
})

KpiGranularity = described_enum(
    periods.Granularity,
    name="KpiGranularity",
    description="How long one point of a KPI series is: a day (spans ≤ 31 days), a week from Monday (≤ 180), "
    "or a month from the 1st.",
    values={
        "DAY": "One point per calendar day (reports of up to 31 days).",
        "WEEK": "One point per week, Monday to Sunday (reports of 32 to 180 days).",
        "MONTH": "One point per calendar month (reports longer than 180 days).",
    },
)


@strawberry.type(description="One day, week or month of a KPI series, in the programme's time zone.")
class KpiPoint:
    point: strawberry.Private[domain.KpiPoint]

    @strawberry.field(description="The period's first day: the day, the week's Monday or the month's 1st. The first "
                      "and last periods count only the days inside the report.")
    def start(self) -> dt.date:
        return self.point.start

    @strawberry.field(description="Members with a purchase or check-in in the period.")
    def active_members(self) -> int:
        return self.point.active_members

    @strawberry.field(description="Members who joined in the period.")
    def new_members(self) -> int:
        return self.point.new_members

    @strawberry.field(description="Points credited in the period, net of points taken back (purchase refunds, "
                      "negative adjustments); redemptions and expiry excluded.")
    def points_issued(self) -> int:
        return self.point.points_issued

    @strawberry.field(description="Points spent on rewards in the period, net of cancelled redemptions.")
    def points_redeemed(self) -> int:
        return self.point.points_redeemed

    @strawberry.field(description="Points that lapsed unspent in the period.")
    def points_expired(self) -> int:
        return self.point.points_expired

    @strawberry.field(description="Members' purchases in the period (dated by occurredAt), net of refunds.")
    def revenue(self) -> Decimal:
        return self.point.revenue


@strawberry.type(description="How many members hold a tier now.")
class TierCount:
    tier: Tier = strawberry.field(description="The tier.")
    members: int = strawberry.field(description="Members (MEMBER role) in it now.")


@strawberry.type(
    description="The programme's KPIs over whole days in its time zone. Members are accounts with the MEMBER role; "
    "purchases count net of refunds, dated by occurredAt; points come from the ledger over every account."
)
class Kpis:
    figures: strawberry.Private[domain.Kpis]

    @strawberry.field(name="from", description="The report's first day.")
    def from_(self) -> dt.date:
        return self.figures.first

    @strawberry.field(description="The report's last day (inclusive).")
    def to(self) -> dt.date:
        return self.figures.last

    @strawberry.field(description="Members with at least one purchase or check-in in the period.")
    def active_members(self) -> int:
        return self.figures.active_members

    @strawberry.field(description="Members who joined in the period.")
    def new_members(self) -> int:
        return self.figures.new_members

    @strawberry.field(description="(members at end − new members) / members at start; null with no members at start.")
    def retention_rate(self) -> float | None:
        return self.figures.retention_rate

    @strawberry.field(description="1 − retentionRate.")
    def churn_rate(self) -> float | None:
        return self.figures.churn_rate

    @strawberry.field(description="Share of buyers in the period with 2 or more purchases.")
    def repeat_purchase_rate(self) -> float | None:
        return self.figures.repeat_purchase_rate

    @strawberry.field(description="Points credited in the period, net of points taken back (purchase refunds, "
                      "negative adjustments).")
    def points_issued(self) -> int:
        return self.figures.points_issued

    @strawberry.field(description="Points spent on rewards in the period, net of cancelled redemptions.")
    def points_redeemed(self) -> int:
        return self.figures.points_redeemed

    @strawberry.field(description="Points that lapsed unspent in the period.")
    def points_expired(self) -> int:
        return self.figures.points_expired

    @strawberry.field(description="Points redeemed / points issued in the period.")
    def redemption_rate(self) -> float | None:
        return self.figures.redemption_rate

    @strawberry.field(description="Outstanding spendable points now: the sum of every account's balance.")
    def points_outstanding(self) -> int:
        return self.figures.points_outstanding

    @strawberry.field(description="Revenue per purchase in the period, net of refunds; null without purchases.")
    def average_order_value(self) -> Decimal | None:
        return self.figures.average_order_value

    @strawberry.field(description="Members' purchases in the period, net of refunds, dated by occurredAt.")
    def revenue(self) -> Decimal:
        return self.figures.revenue

    @strawberry.field(description="Members' purchases in the period (a purchase refunded in full is none).")
    def purchases(self) -> int:
        return self.figures.purchases

    @strawberry.field(description="% promoters (9–10) − % detractors (0–6) of NPS answers in the period; null "
                      "without answers.")
    def nps(self) -> float | None:
        return self.figures.nps

    @strawberry.field(description="Mean satisfaction score (0–100) of answers in the period.")
    def satisfaction(self) -> float | None:
        return self.figures.satisfaction

    @strawberry.field(description="Share of tickets due in the period whose first response came in time.")
    def first_response_on_time(self) -> float | None:
        return self.figures.first_response_on_time

    @strawberry.field(description="What one point of the series covers.")
    def granularity(self) -> KpiGranularity:  # type: ignore[valid-type]
        return self.figures.granularity

    @strawberry.field(description="One point per day (≤ 31 days), week (≤ 180 days) or month.")
    def series(self) -> list[KpiPoint]:
        return [KpiPoint(point=point) for point in self.figures.series]

    @strawberry.field(description="Members per tier now, lowest tier first.")
    async def members_per_tier(self, info: Info) -> list[TierCount]:
        counts = await domain.members_per_tier()
        return [TierCount(tier=tier_type(rule, info), members=counts.get(rule.code, 0)) for rule in get_program().tiers]


def _query_error(error: DomainError, locale: str) -> GraphQLError:
    return GraphQLError(translate(error, locale), extensions={"code": error.code.value, "field": error.field})


@strawberry.type
class KpiQuery:
    @strawberry.field(
        description="Staff and analysts: programme KPIs over [from, to] (inclusive, programme time zone); null for "
        f"anyone else. INVALID_INPUT when `to` is before `from` or the span exceeds {periods.MAX_SPAN} days."
    )
    async def kpis(
        self,
        info: Info,
        from_: Annotated[dt.date, strawberry.argument(name="from", description="The first day.")],
        to: Annotated[dt.date, strawberry.argument(description="The last day (inclusive).")],
    ) -> Kpis | None:
        if not is_reader(info):
            return None
        try:
            figures = await domain.programme_kpis(info.context.member, from_, to)
        except DomainError as error:
            raise _query_error(error, info.context.locale) from None
        return Kpis(figures=figures)

"""The first-response report as GraphQL types (console: /staff/tickets/report)."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.types import Info

from server.care.report import ResponseReport, TierFigures
from server.points.program import get_program


@strawberry.type(description="First responses and breaches of tickets opened in the window, for one tier or all.")
class TicketTierReport:
    figures: strawberry.Private[TierFigures]
    locale: strawberry.Private[str]

    @strawberry.field(description="The tier's code; empty in the total row.")
    def tier_code(self) -> str:
        return self.figures.tier_code

    @strawberry.field(description="The tier's name in the caller's language; 'All tiers' in the total row.")
    def tier_name(self) -> str:
        if not self.figures.tier_code:
            return "全部等级" if self.locale == "zh-CN" else "All tiers"
        tier = get_program().find_tier(self.figures.tier_code)
        if tier is None:
            return self.figures.tier_code
        return (tier.name_zh if self.locale == "zh-CN" else None) or tier.name

    @strawberry.field(description="The tier's first-response target in hours now; 0 in the total row.")
    def target_hours(self) -> int:
        return self.figures.target_hours

    @strawberry.field(description="Tickets opened in the window.")
    def opened(self) -> int:
        return self.figures.opened

    @strawberry.field(description="Of those, how many got a first answer from staff.")
    def answered(self) -> int:
        return self.figures.answered

    @strawberry.field(description="Of those, how many in time.")
    def answered_on_time(self) -> int:
        return self.figures.answered_on_time

    @strawberry.field(
        description="First responses late, missing past the due time, or closed unanswered after it (breaches)."
    )
    def first_response_breaches(self) -> int:
        return self.figures.first_response_breaches

    @strawberry.field(description="answeredOnTime / (answeredOnTime + firstResponseBreaches), 0–1; null when both 0.")
    def on_time_rate(self) -> float | None:
        return self.figures.on_time_rate

    @strawberry.field(description="Tickets still waiting for a first answer.")
    def waiting(self) -> int:
        return self.figures.waiting

    @strawberry.field(description="Median time to the first answer, in minutes; null without answers.")
    def median_first_response_minutes(self) -> int | None:
        return self.figures.median_minutes

    @strawberry.field(description="90th percentile of the time to the first answer, in minutes; null without answers.")
    def p90_first_response_minutes(self) -> int | None:
        return self.figures.p90_minutes

    @strawberry.field(description="Waits that began when the member wrote back after an answer.")
    def follow_ups(self) -> int:
        return self.figures.follow_ups

    @strawberry.field(description="Of those, how many were answered late or are overdue.")
    def follow_up_breaches(self) -> int:
        return self.figures.follow_up_breaches

    @strawberry.field(description="firstResponseBreaches + followUpBreaches.")
    def breaches(self) -> int:
        return self.figures.breaches


@strawberry.type(description="First-response times and breaches by tier over a window of days ending now.")
class TicketReport:
    report: strawberry.Private[ResponseReport]
    locale: strawberry.Private[str]

    @strawberry.field(description="Start of the window.")
    def since(self) -> datetime:
        return self.report.since

    @strawberry.field(description="End of the window (now).")
    def until(self) -> datetime:
        return self.report.until

    @strawberry.field(description="One row per tier, lowest first (then tiers since removed from the programme).")
    def tiers(self) -> list[TicketTierReport]:
        return [TicketTierReport(figures=row, locale=self.locale) for row in self.report.tiers]

    @strawberry.field(description="All tiers together.")
    def total(self) -> TicketTierReport:
        return TicketTierReport(figures=self.report.total, locale=self.locale)


def report_type(report: ResponseReport, info: Info) -> TicketReport:
    return TicketReport(report=report, locale=info.context.locale)

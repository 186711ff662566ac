"""Query.consoleOverview: the console home's figures, computed in one SQL statement."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.types import Info

from schema.permissions import is_reader
from server import console


@strawberry.type(description="The few numbers a loyalty team looks at first, as of now.")
class ConsoleOverview:
    members: int = strawberry.field(description="Member accounts (staff and analysts not counted).")
    active_this_month: int = strawberry.field(
        description="Members with a purchase or a check-in since monthStart (the first of this month in the "
        "programme's time zone)."
    )
    points_outstanding: int = strawberry.field(description="The sum of members' point balances now.")
    pending_reviews: int = strawberry.field(description="Reviews waiting for moderation (reviewQueue's totalCount).")
    open_tickets: int = strawberry.field(description="Care tickets waiting for staff (status OPEN).")
    month_start: datetime = strawberry.field(
        description="Midnight on the first of this month in the programme's time zone, the start of "
        "activeThisMonth."
    )


@strawberry.type
class ConsoleQuery:
    @strawberry.field(description="Staff and analysts: the console home's figures; null for anyone else.")
    async def console_overview(self, info: Info) -> ConsoleOverview | None:
        if not is_reader(info):
            return None
        found = await console.overview(info.context.member)
        return ConsoleOverview(
            members=found.members, active_this_month=found.active_this_month,
            points_outstanding=found.points_outstanding, pending_reviews=found.pending_reviews,
            open_tickets=found.open_tickets, month_start=found.month_start,
        )

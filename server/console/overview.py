"""The few numbers a loyalty team looks at first, in one SQL statement.

"Active this month" counts members with a purchase or a check-in since the first of the month in
the programme's time zone (``Program.time_zone``); "points outstanding" is the sum of members'
balances (staff and analysts excluded); "open tickets" are those waiting for staff (``OPEN``),
what the ticket queue shows first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from server.accounts import roles
from server.core import clock
from server.core.prepared import Statement
from server.models import Member
from server.points.program import get_program

_FIGURES = Statement(
    """
    SELECT
      (SELECT COUNT(*) FROM member WHERE role = 'MEMBER'),
      (SELECT COUNT(*) FROM (
          SELECT member_id FROM purchase WHERE occurred_at >= ?
          UNION
          SELECT member_id FROM check_in WHERE created_at >= ?
      ) AS active),
      (SELECT COALESCE(SUM(balance), 0) FROM member WHERE role = 'MEMBER'),
      (SELECT COUNT(*) FROM review WHERE status = 'PENDING'),
      (SELECT COUNT(*) FROM ticket WHERE status = 'OPEN')
    """
)


@dataclass(frozen=True)
class Overview:
    members: int
    active_this_month: int
    points_outstanding: int
    pending_reviews: int
    open_tickets: int
    month_start: datetime


def month_start(at: datetime | None = None) -> datetime:
    """Midnight on the first of the current month in the programme's time zone, in UTC."""
    zone = ZoneInfo(get_program().time_zone)
    local = (at or clock.now()).astimezone(zone)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)


async def overview(viewer: Member | None) -> Overview:
    """The console home's figures, for staff and analysts."""
    roles.require_reader(viewer)
    since = month_start()
    members, active, outstanding, pending, tickets = await _FIGURES.one(since, since)
    return Overview(int(members), int(active), int(outstanding), int(pending), int(tickets), since)

"""The programme's KPIs over whole days in its time zone, with a series by day, week or month.

Definitions (the contract's, made precise where it is silent):

- *Members* are accounts with the MEMBER role: staff and analyst accounts are the team, not
  customers. Members at an instant are those who joined before it and had not deleted their
  account by then (``erased_at``): deleted accounts are what retention loses.
- *Active* members made at least one purchase or check-in in the period; *new* members joined in it.
- retentionRate = (members at end − new members) / members at start; churnRate = 1 − retention.
- Purchases count net of refunds and are dated by ``occurredAt`` (late reports and back-fills land
  where they belong); a purchase refunded in full is no purchase. Revenue is the net amount,
  averageOrderValue revenue per purchase, repeatPurchaseRate the share of buyers with 2 or more.
- Points come from the ledger, dated when written, over every account: issued is every change but
  redemptions and expiry (so points taken back by a purchase refund or a negative adjustment are
  netted out), redeemed is redemptions net of cancelled ones, expired is lapsed points. Hence the
  sum of balances moves by exactly issued − redeemed − expired over any period, and
  pointsOutstanding is the sum of balances now.
- nps, satisfaction and firstResponseOnTime are care's figures (``server.care.kpis``).

Every figure is counted in SQL, one statement per table at most, grouped by the series' periods
(a CASE over the period edges, computed in Python in the programme's zone, so the same SQL runs on
SQLite and PostgreSQL and daylight-saving days stay right). Periods after now count zero.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from tortoise.transactions import in_transaction

from server import care
from server.accounts import roles
from server.core import clock, money
from server.core.prepared import Statement, is_sqlite
from server.insight.periods import Granularity, Report, report_for
from server.models import LedgerKind, Member, Role
from server.points.program import get_program

REDEEMING = (LedgerKind.REDEMPTION, LedgerKind.REDEMPTION_REFUND)
EXPIRING = (LedgerKind.EXPIRY,)
CENTS = 100  # revenue is summed in hundredths: exact on SQLite too (decimals are text there)
WORK_MEM = "64MB"  # PostgreSQL: room to group a year of activity per member in memory, not on disk


@dataclass(frozen=True)
class KpiPoint:
    start: date
    active_members: int = 0
    new_members: int = 0
    points_issued: int = 0
    points_redeemed: int = 0
    points_expired: int = 0
    revenue: Decimal = Decimal(0)
    purchases: int = 0


@dataclass(frozen=True)
class Kpis:
    first: date
    last: date
    granularity: Granularity
    members_at_start: int
    members_at_end: int
    new_members: int
    active_members: int
    buyers: int
    repeat_buyers: int
    purchases: int
    revenue: Decimal
    points_issued: int
    points_redeemed: int
    points_expired: int
    points_outstanding: int
    nps: float | None
    satisfaction: float | None
    first_response_on_time: float | None
    series: tuple[KpiPoint, ...]

    @property
    def retention_rate(self) -> float | None:
        if not self.members_at_start:
            return None
        return round((self.members_at_end - self.new_members) / self.members_at_start, 4)

    @property
    def churn_rate(self) -> float | None:
        rate = self.retention_rate
        return None if rate is None else round(1 - rate, 4)

    @property
    def repeat_purchase_rate(self) -> float | None:
        return round(self.repeat_buyers / self.buyers, 4) if self.buyers else None

    @property
    def redemption_rate(self) -> float | None:
        return round(self.points_redeemed / self.points_issued, 4) if self.points_issued > 0 else None

    @property
    def average_order_value(self) -> Decimal | None:
        if not self.purchases:
            return None
        places = money.currency_places(get_program().currency)
        return (self.revenue / self.purchases).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)


def _bucket(column: str, edges: list[datetime]) -> tuple[str, list[datetime]]:
    """SQL giving the index of the period ``column`` falls in, and its parameters (the edges)."""
    if not edges:
        return "0", []
    whens = " ".join(f"WHEN {column} < ? THEN {i}" for i in range(len(edges)))
    return f"CASE {whens} ELSE {len(edges)} END", list(edges)


def _kinds(kinds: tuple[LedgerKind, ...]) -> str:
    return ", ".join(f"'{kind.value}'" for kind in kinds)  # enum values, never caller input


NOT_MEMBERS = f"SELECT id FROM member WHERE role <> '{Role.MEMBER.value}'"
NET = "(amount - refunded_amount)"  # a purchase's amount net of refunds (arithmetic: text on SQLite)


async def _members(report: Report, until: datetime) -> tuple[int, list[int], int, int]:
    """(members at start, new members per period, members at end, sum of every balance): one pass.

    A member who deleted the account (``erased_at``) is a member until then: gone from the count
    at the report's start or end if erased before it, still a new member if they joined in it.
    """
    bucket, edges = _bucket("joined_at", report.edges)
    member = f"role = '{Role.MEMBER.value}'"
    sql = Statement(
        f"SELECT CASE WHEN joined_at < ? THEN -1 WHEN joined_at >= ? THEN -2 ELSE {bucket} END AS b,"
        f" SUM(CASE WHEN {member} THEN 1 ELSE 0 END),"
        f" SUM(CASE WHEN {member} AND erased_at < ? THEN 1 ELSE 0 END),"
        f" SUM(CASE WHEN {member} AND erased_at < ? THEN 1 ELSE 0 END),"
        " COALESCE(SUM(balance), 0) FROM member GROUP BY b"
    )
    rows = await sql.all(report.start, until, *edges, report.start, until)
    new = [0] * len(report.periods)
    at_start = at_end = outstanding = 0
    for b, joined, gone_by_start, gone_by_end, balance in rows:
        outstanding += int(balance)  # every account's balance, whenever it joined
        if b == -2:
            continue
        at_end += int(joined) - int(gone_by_end)
        if b == -1:
            at_start = int(joined) - int(gone_by_start)
        else:
            new[b] = int(joined)
    return at_start, new, at_end, outstanding


async def _points(report: Report, until: datetime) -> list[tuple[int, int, int]]:
    """(issued, redeemed, expired) per period, from the ledger: one pass."""
    bucket, edges = _bucket("created_at", report.edges)
    redeeming, expiring = _kinds(REDEEMING), _kinds(EXPIRING)
    sql = Statement(
        f"SELECT {bucket} AS b,"
        f" SUM(CASE WHEN kind NOT IN ({redeeming}, {expiring}) THEN delta ELSE 0 END),"
        f" SUM(CASE WHEN kind IN ({redeeming}) THEN -delta ELSE 0 END),"
        f" SUM(CASE WHEN kind IN ({expiring}) THEN -delta ELSE 0 END)"
        " FROM ledger_entry WHERE created_at >= ? AND created_at < ? GROUP BY b"
    )
    figures = [(0, 0, 0)] * len(report.periods)
    for b, issued, redeemed, expired in await sql.all(*edges, report.start, until):
        figures[b] = (int(issued or 0), int(redeemed or 0), int(expired or 0))
    return figures


def _activity(report: Report, until: datetime) -> tuple[str, list[Any]]:
    """Rows (member_id, period, 1 per purchase) of every purchase and check-in of members."""
    by_purchase, purchase_edges = _bucket("occurred_at", report.edges)
    by_check_in, check_in_edges = _bucket("created_at", report.edges)
    sql = (
        f"SELECT member_id, {by_purchase} AS b, 1 AS orders"
        f" FROM purchase WHERE occurred_at >= ? AND occurred_at < ? AND {NET} > 0"
        f" AND member_id NOT IN ({NOT_MEMBERS})"
        f" UNION ALL SELECT member_id, {by_check_in} AS b, 0 AS orders"
        " FROM check_in WHERE created_at >= ? AND created_at < ?"
        f" AND member_id NOT IN ({NOT_MEMBERS})"
    )
    return sql, [*purchase_edges, report.start, until, *check_in_edges, report.start, until]


async def _members_active(report: Report, until: datetime) -> tuple[int, int, int, list[int]]:
    """(active members, buyers, buyers with 2+ purchases, active members per period): one pass, per member.

    Each member's periods are folded into a bit mask (period k is bit k; a report has at most 37
    periods), and the outer query counts the members with each bit set: every figure that needs
    distinct members comes from one grouping by member, none from a grouping by (period, member).
    """
    rows_sql, params = _activity(report, until)
    mask = "SUM(DISTINCT 1 << b)" if is_sqlite() else "BIT_OR(CAST(1 AS BIGINT) << b)"
    bits = "".join(f", COALESCE(SUM((mask >> {k}) & 1), 0)" for k in range(len(report.periods)))
    sql = Statement(
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN orders >= 1 THEN 1 ELSE 0 END), 0),"
        f" COALESCE(SUM(CASE WHEN orders >= 2 THEN 1 ELSE 0 END), 0){bits}"
        f" FROM (SELECT member_id, {mask} AS mask, SUM(orders) AS orders FROM ({rows_sql}) activity"
        " GROUP BY member_id) members"
    )
    row = await sql.one(*params)
    return int(row[0]), int(row[1]), int(row[2]), [int(n) for n in row[3:]]


async def _sales(report: Report, until: datetime) -> list[tuple[int, int]]:
    """(net cents, purchases) of members per period: one pass over purchases."""
    bucket, edges = _bucket("occurred_at", report.edges)
    sql = Statement(
        f"SELECT {bucket} AS b, COALESCE(SUM(CAST(ROUND({NET} * {CENTS}) AS BIGINT)), 0), COUNT(*)"
        f" FROM purchase WHERE occurred_at >= ? AND occurred_at < ? AND {NET} > 0"
        f" AND member_id NOT IN ({NOT_MEMBERS}) GROUP BY b"
    )
    figures = [(0, 0)] * len(report.periods)
    for b, cents, orders in await sql.all(*edges, report.start, until):
        figures[b] = (int(cents), int(orders))
    return figures


@asynccontextmanager
async def _report_session() -> AsyncIterator[None]:
    """PostgreSQL: one transaction whose sorts and hashes may use ``WORK_MEM`` (SET LOCAL ends with it).

    With the default 4 MB, grouping a year of purchases per member spilled to disk in 45 batches.
    SQLite reads outside a transaction: its transactions take the write lock.
    """
    if is_sqlite():
        yield
        return
    async with in_transaction():
        await Statement(f"SET LOCAL work_mem = '{WORK_MEM}'").execute()
        # The period CASEs make large expressions: compiling them (JIT) costs more than it saves here.
        await Statement("SET LOCAL jit = off").execute()
        yield


async def programme_kpis(actor: Member | None, first: date, last: date, at: datetime | None = None) -> Kpis:
    """The KPIs over the days ``[first, last]`` in the programme's zone; staff and analysts only.

    INVALID_INPUT (field ``from`` or ``to``) for a reversed or too long span (``periods.MAX_SPAN``).
    """
    roles.require_reader(actor)
    program = get_program()
    report = report_for(first, last, program.time_zone)
    now = at or clock.now()
    until = max(report.start, min(report.end, now))  # nothing is dated in the future: skip it
    async with _report_session():
        at_start, new, at_end, outstanding = await _members(report, until)
        points = await _points(report, until)
        active, buyers, repeat_buyers, active_by_period = await _members_active(report, until)
        sales = await _sales(report, until)
        care_figures = await care.figures(report.start, until, now)
    places = money.currency_places(program.currency)
    series = tuple(
        KpiPoint(
            start=period.label,
            active_members=active_by_period[i],
            new_members=new[i],
            points_issued=points[i][0],
            points_redeemed=points[i][1],
            points_expired=points[i][2],
            revenue=_amount(sales[i][0], places),
            purchases=sales[i][1],
        )
        for i, period in enumerate(report.periods)
    )
    return Kpis(
        first=report.first,
        last=report.last,
        granularity=report.granularity,
        members_at_start=at_start,
        members_at_end=at_end,
        new_members=sum(new),
        active_members=active,
        buyers=buyers,
        repeat_buyers=repeat_buyers,
        purchases=sum(point.purchases for point in series),
        revenue=_amount(sum(cents for cents, _ in sales), places),
        points_issued=sum(point.points_issued for point in series),
        points_redeemed=sum(point.points_redeemed for point in series),
        points_expired=sum(point.points_expired for point in series),
        points_outstanding=outstanding,
        nps=care_figures.nps,
        satisfaction=care_figures.satisfaction,
        first_response_on_time=care_figures.first_response_on_time,
        series=series,
    )


def _amount(cents: int, places: int) -> Decimal:
    return (Decimal(cents) / CENTS).quantize(Decimal(1).scaleb(-places))


MEMBERS_PER_TIER = Statement(
    f"SELECT tier_code, COUNT(*) FROM member WHERE role = '{Role.MEMBER.value}' GROUP BY tier_code"
)


async def members_per_tier() -> dict[str, int]:
    """How many members hold each tier now (tier code → members)."""
    return {code: int(count) for code, count in await MEMBERS_PER_TIER.all()}

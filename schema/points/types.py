"""The points account and ledger as GraphQL types."""

from __future__ import annotations

from datetime import date, datetime

import strawberry
from strawberry import relay
from strawberry.types import Info

from schema.enums import described_enum
from schema.pagination import (
    CURSOR,
    EDGES,
    NODE,
    PAGE_INFO,
    TOTAL_COUNT,
    After,
    First,
    PageInfo,
    connection,
    newest_first,
)
from server.models import LedgerEntry as LedgerRow
from server.models import LedgerKind as DomainLedgerKind
from server.models import Member as MemberRow
from server.points.ledger_text import describe

LedgerKind = described_enum(
    DomainLedgerKind,
    name="LedgerKind",
    description="Why a member's balance changed.",
    values={
        "PURCHASE": "Points earned on a purchase a partner reported.",
        "PURCHASE_REFUND": "Points taken back when a purchase was refunded.",
        "CHECK_IN": "Points for a daily check-in.",
        "STREAK_BONUS": "Extra points for a check-in streak.",
        "REVIEW": "Points for a published review.",
        "REFERRAL": "Points for a referral: the referrer's reward or the referred friend's welcome bonus.",
        "REDEMPTION": "Points spent on a benefit.",
        "REDEMPTION_REFUND": "Points returned when a redemption was cancelled.",
        "EXPIRY": "Points that lapsed unspent.",
        "ADJUSTMENT": "A correction by staff, with a reason.",
        "BONUS": "Points granted by the programme outside the other kinds.",
    },
)


@strawberry.type(description="Points that lapse on one day unless spent first.")
class PointsExpiry:
    points: int = strawberry.field(description="How many points lapse.")
    expires_on: date = strawberry.field(description="The day they lapse.")


@strawberry.type(description="One change of a member's balance; the balance always equals the sum of the ledger.")
class LedgerEntry(relay.Node):
    row_id: relay.NodeID[int]
    row: strawberry.Private[LedgerRow]

    @strawberry.field(description="Why the balance changed.")
    def kind(self) -> LedgerKind:
        return self.row.kind

    @strawberry.field(description="Positive when points are earned, negative when spent, expired or taken back.")
    def delta(self) -> int:
        return self.row.delta

    @strawberry.field(description="The balance right after this change.")
    def balance_after(self) -> int:
        return self.row.balance_after

    @strawberry.field(description="What happened, in the caller's language.")
    def description(self, info: Info) -> str:
        return describe(self.row.description, self.row.params, info.context.locale)

    @strawberry.field(description="When the change was made.")
    def created_at(self) -> datetime:
        return self.row.created_at

    @strawberry.field(description="When the unspent part of this credit lapses; null for debits.")
    def expires_on(self) -> date | None:
        from server.points.ledger import expires_on

        return expires_on(self.row.expires_at) if self.row.expires_at and self.row.delta > 0 else None

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids, required: bool = False):  # type: ignore[override]
        from schema.permissions import can_see_member

        rows = {row.id: row for row in await LedgerRow.filter(id__in=[int(i) for i in node_ids])}
        return [
            ledger_entry(rows[int(i)]) if int(i) in rows and can_see_member(info, rows[int(i)].member_id) else None
            for i in node_ids
        ]


def ledger_entry(row: LedgerRow) -> LedgerEntry:
    return LedgerEntry(row_id=row.id, row=row)


@strawberry.type(description="A ledger entry in a page of the ledger.")
class LedgerEdge:
    cursor: str = strawberry.field(description=CURSOR)
    node: LedgerEntry = strawberry.field(description=NODE)


@strawberry.type(description="A page of ledger entries, newest first.")
class LedgerConnection:
    edges: list[LedgerEdge] = strawberry.field(description=EDGES)
    page_info: PageInfo = strawberry.field(description=PAGE_INFO)
    total_count: int = strawberry.field(description=TOTAL_COUNT)


@strawberry.type(description="A member's points: balance, lifetime totals, expiring points and the ledger.")
class PointsAccount:
    member: strawberry.Private[MemberRow]

    @strawberry.field(description="Spendable points; always equals the sum of the ledger.")
    def balance(self) -> int:
        return self.member.balance

    @strawberry.field(description="All points ever credited, minus those taken back by refunds.")
    def lifetime_earned(self) -> int:
        return self.member.lifetime_earned

    @strawberry.field(description="All points ever spent on benefits, minus those returned by cancellations.")
    def lifetime_spent(self) -> int:
        return self.member.lifetime_spent

    @strawberry.field(description="Points that will expire, soonest first.")
    async def expiring(self, info: Info) -> list[PointsExpiry]:
        rows = await info.context.loaders.load("points.expiring", self.member.id)
        return [PointsExpiry(points=e.points, expires_on=e.expires_on) for e in rows]

    @strawberry.field(description="Newest first.")
    async def ledger(self, info: Info, first: First = 20, after: After = None) -> LedgerConnection:
        from schema.permissions import can_see_member

        if not can_see_member(info, self.member.id):
            # A partner sees the balance it just changed, never the member's history.
            return empty_ledger()
        page = await newest_first(LedgerRow.filter(member_id=self.member.id), first, after)
        return connection(page, LedgerConnection, LedgerEdge, ledger_entry)


def empty_ledger() -> LedgerConnection:
    return LedgerConnection(
        edges=[],
        page_info=PageInfo(has_next_page=False, has_previous_page=False, start_cursor=None, end_cursor=None),
        total_count=0,
    )

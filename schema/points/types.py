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
    decode_cursor,
    encode_cursor,
    page_size,
)
from server.models import LedgerEntry as LedgerRow
from server.models import LedgerKind as DomainLedgerKind
from server.models import Member as MemberRow
from server.points import history
from server.points.history import LedgerLine
from server.points.ledger import expires_on
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
        "BIRTHDAY": "The programme's birthday reward.",
        "ANNIVERSARY": "The programme's membership-anniversary reward.",
        "CAMPAIGN": "Points from a campaign: a purchase or check-in bonus, or a campaign's gift.",
    },
)


@strawberry.type(description="Points that lapse on one day unless spent first.")
class PointsExpiry:
    points: int = strawberry.field(description="How many points lapse.")
    expires_on: date = strawberry.field(description="The day they lapse.")


@strawberry.type(description="One change of a member's balance; the balance always equals the sum of the ledger.")
class LedgerEntry(relay.Node):
    """Plain attribute fields, filled when the entry is made (see ``ledger_entry``).

    A page shows twenty of these with five fields each: attributes cost graphql-core a lookup,
    where a method resolver per field cost a Python call with strawberry's argument handling.
    """

    row_id: relay.NodeID[int]
    row: strawberry.Private[object]
    kind: LedgerKind = strawberry.field(description="Why the balance changed.")
    delta: int = strawberry.field(
        description="Positive when points are earned, negative when spent, expired or taken back."
    )
    balance_after: int = strawberry.field(description="The balance right after this change.")
    description: str = strawberry.field(description="What happened, in the caller's language.")
    created_at: datetime = strawberry.field(description="When the change was made.")
    expires_on: date | None = strawberry.field(
        description="When the unspent part of this credit lapses; null for debits."
    )

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids, required: bool = False):  # type: ignore[override]
        from schema.permissions import can_see_member

        rows = {row.id: row for row in await LedgerRow.filter(id__in=[int(i) for i in node_ids])}
        locale = info.context.locale
        return [
            ledger_entry(rows[int(i)], locale)
            if int(i) in rows and can_see_member(info, rows[int(i)].member_id)
            else None
            for i in node_ids
        ]


def ledger_entry(row: LedgerRow | LedgerLine, locale: str = "en") -> LedgerEntry:
    """The GraphQL entry for an ORM row or a page's ``LedgerLine`` (same attribute names)."""
    return LedgerEntry(
        row_id=row.id,
        row=row,
        kind=row.kind,
        delta=row.delta,
        balance_after=row.balance_after,
        description=row.description if locale == "en" else describe(row.description, row.params, locale),
        created_at=row.created_at,
        expires_on=expires_on(row.expires_at) if row.expires_at and row.delta > 0 else None,
    )


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
    balance: int = strawberry.field(description="Spendable points; always equals the sum of the ledger.")
    lifetime_earned: int = strawberry.field(
        description="All points ever credited, minus those taken back by refunds."
    )
    lifetime_spent: int = strawberry.field(
        description="All points ever spent on benefits, minus those returned by cancellations."
    )

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
        size = page_size(first)
        after_id = decode_cursor("id", after)
        found = await history.page(self.member.id, size, after_id)
        locale = info.context.locale
        edges = [
            LedgerEdge(cursor=encode_cursor("id", line.id), node=ledger_entry(line, locale)) for line in found.lines
        ]
        return LedgerConnection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=found.has_next,
                has_previous_page=after_id is not None,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
            total_count=found.total,
        )


def points_account(member: MemberRow) -> PointsAccount:
    return PointsAccount(
        member=member,
        balance=member.balance,
        lifetime_earned=member.lifetime_earned,
        lifetime_spent=member.lifetime_spent,
    )


def empty_ledger() -> LedgerConnection:
    return LedgerConnection(
        edges=[],
        page_info=PageInfo(has_next_page=False, has_previous_page=False, start_cursor=None, end_cursor=None),
        total_count=0,
    )

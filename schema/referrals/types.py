"""Referral profile, referrals and partner invites as GraphQL types."""

from __future__ import annotations

from datetime import datetime

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
    empty,
    newest_first,
)
from schema.permissions import can_see_member
from server.accounts.public_names import public_name
from server.models import Member as MemberRow
from server.models import Referral as ReferralRow
from server.models import ReferralInvite as InviteRow
from server.models import ReferralStatus as DomainReferralStatus
from server.social import referrals

ReferralStatus = described_enum(
    DomainReferralStatus,
    name="ReferralStatus",
    description="Where a referral stands.",
    values={
        "PENDING": "The friend signed up and has not made a first purchase yet.",
        "REWARDED": "The friend made a first purchase and the referral points were credited.",
        "REJECTED": "No points were given, for example because it was a self-referral or over the monthly cap.",
    },
)


@strawberry.type(description="A friend who signed up with a member's share code.")
class Referral(relay.Node):
    row_id: relay.NodeID[int]
    row: strawberry.Private[ReferralRow]

    @strawberry.field(description="Masked, such as 'Li W.'; never the referee's e-mail.")
    def referee_name(self) -> str:
        # Every query building this type fetches the referee with the referral (select_related).
        return public_name(self.row.referee)

    @strawberry.field(description="PENDING until the friend's first purchase, then REWARDED or REJECTED.")
    def status(self) -> ReferralStatus:
        return self.row.status

    @strawberry.field(description="When the friend signed up.")
    def created_at(self) -> datetime:
        return self.row.created_at

    @strawberry.field(description="When the referral points were credited; null unless REWARDED.")
    def rewarded_at(self) -> datetime | None:
        return self.row.rewarded_at

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids, required: bool = False):  # type: ignore[override]
        # Only the referrer sees a referral: it names the referee.
        member = info.context.member
        wanted = [int(i) for i in node_ids]
        rows = {}
        if member is not None:
            query = ReferralRow.filter(id__in=wanted, referrer_id=member.id).select_related("referee")
            rows = {row.id: row for row in await query}
        return [referral_type(rows[i]) if i in rows else None for i in wanted]


def referral_type(row: ReferralRow) -> Referral:
    return Referral(row_id=row.id, row=row)


@strawberry.type(description="A referral in a page of a member's referrals.")
class ReferralEdge:
    cursor: str = strawberry.field(description=CURSOR)
    node: Referral = strawberry.field(description=NODE)


@strawberry.type(description="A page of a member's referrals, newest first.")
class ReferralConnection:
    edges: list[ReferralEdge] = strawberry.field(description=EDGES)
    page_info: PageInfo = strawberry.field(description=PAGE_INFO)
    total_count: int = strawberry.field(description=TOTAL_COUNT)


@strawberry.type(description="A member's share code and what it brought in.")
class ReferralProfile:
    member: strawberry.Private[MemberRow]

    @strawberry.field(description="The member's own share code.")
    def code(self) -> str:
        return self.member.share_code

    @strawberry.field(description="The sign-up link with the code filled in, to share.")
    def share_url(self) -> str:
        return referrals.share_url(self.member.share_code)

    @strawberry.field(description="Members who signed up with this member's code, newest first.")
    async def referrals(self, info: Info, first: First = 20, after: After = None) -> ReferralConnection:
        if not can_see_member(info, self.member.id):
            return empty(ReferralConnection)
        query = ReferralRow.filter(referrer_id=self.member.id).select_related("referee")
        page = await newest_first(query, first, after)
        return connection(page, ReferralConnection, ReferralEdge, referral_type)

    @strawberry.field(description="Referrals that earned their points.")
    async def rewarded_count(self, info: Info) -> int:
        counts = await info.context.loaders.load("referrals.counts", self.member.id)
        return counts[DomainReferralStatus.REWARDED]

    @strawberry.field(description="Referrals waiting for the friend's first purchase.")
    async def pending_count(self, info: Info) -> int:
        counts = await info.context.loaders.load("referrals.counts", self.member.id)
        return counts[DomainReferralStatus.PENDING]


@strawberry.type(description="An invite code a partner hands out; new members enter it at sign-up.")
class ReferralInvite:
    code: str = strawberry.field(description="The code to enter at sign-up.")
    url: str = strawberry.field(description="The sign-up link with the code filled in.")
    max_uses: int | None = strawberry.field(description="How many sign-ups it admits; null for unlimited.")
    uses: int = strawberry.field(description="How many members signed up with it so far.")
    expires_at: datetime | None = strawberry.field(description="When it stops working; null for never.")
    campaign: str | None = strawberry.field(description="The partner's campaign label, if any.")


def invite_type(row: InviteRow) -> ReferralInvite:
    return ReferralInvite(
        code=row.code,
        url=referrals.share_url(row.code),
        max_uses=row.max_uses,
        uses=row.uses,
        expires_at=row.expires_at,
        campaign=row.campaign,
    )


async def referral_profile(member: MemberRow, info: Info) -> ReferralProfile:
    return ReferralProfile(member=member)

"""Referral profile, referrals and partner invites as GraphQL types."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry import relay
from strawberry.types import Info

from schema.pagination import PageInfo, connection, empty, newest_first
from schema.permissions import can_see_member
from server.accounts.public_names import masked_name
from server.models import Member as MemberRow
from server.models import Referral as ReferralRow
from server.models import ReferralInvite as InviteRow
from server.models import ReferralStatus as DomainReferralStatus
from server.social import referrals

ReferralStatus = strawberry.enum(DomainReferralStatus, name="ReferralStatus")


@strawberry.type
class Referral(relay.Node):
    row_id: relay.NodeID[int]
    row: strawberry.Private[ReferralRow]

    @strawberry.field(description="Masked, such as 'Li W.'; never the referee's e-mail.")
    def referee_name(self) -> str:
        # Every query building this type fetches the referee with the referral (select_related).
        return masked_name(self.row.referee.display_name)

    @strawberry.field
    def status(self) -> ReferralStatus:
        return self.row.status

    @strawberry.field
    def created_at(self) -> datetime:
        return self.row.created_at

    @strawberry.field
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


@strawberry.type
class ReferralEdge:
    cursor: str
    node: Referral


@strawberry.type
class ReferralConnection:
    edges: list[ReferralEdge]
    page_info: PageInfo
    total_count: int


@strawberry.type
class ReferralProfile:
    member: strawberry.Private[MemberRow]

    @strawberry.field(description="The member's own share code.")
    def code(self) -> str:
        return self.member.share_code

    @strawberry.field
    def share_url(self) -> str:
        return referrals.share_url(self.member.share_code)

    @strawberry.field(description="Members who signed up with this member's code, newest first.")
    async def referrals(self, info: Info, first: int | None = 20, after: str | None = None) -> ReferralConnection:
        if not can_see_member(info, self.member.id):
            return empty(ReferralConnection)
        query = ReferralRow.filter(referrer_id=self.member.id).select_related("referee")
        page = await newest_first(query, first, after)
        return connection(page, ReferralConnection, ReferralEdge, referral_type)

    @strawberry.field
    async def rewarded_count(self, info: Info) -> int:
        counts = await info.context.loaders.load("referrals.counts", self.member.id)
        return counts[DomainReferralStatus.REWARDED]

    @strawberry.field
    async def pending_count(self, info: Info) -> int:
        counts = await info.context.loaders.load("referrals.counts", self.member.id)
        return counts[DomainReferralStatus.PENDING]


@strawberry.type
class ReferralInvite:
    code: str
    url: str
    max_uses: int | None
    uses: int
    expires_at: datetime | None
    campaign: str | None


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

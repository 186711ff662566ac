"""Referral profile, referrals and partner invites as GraphQL types."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry import relay
from strawberry.types import Info

from schema.pagination import PageInfo, empty
from server.config import get_settings
from server.models import Member as MemberRow
from server.models import Referral as ReferralRow
from server.models import ReferralStatus as DomainReferralStatus

ReferralStatus = strawberry.enum(DomainReferralStatus, name="ReferralStatus")


@strawberry.type
class Referral(relay.Node):
    row_id: relay.NodeID[int]
    row: strawberry.Private[ReferralRow]

    @strawberry.field(description="Masked, such as 'Li W.'; never the referee's e-mail.")
    def referee_name(self) -> str:
        return ""

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
        return [None for _ in node_ids]


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
        return f"{get_settings().base_url}/signup?ref={self.member.share_code}"

    @strawberry.field
    async def referrals(self, info: Info, first: int | None = 20, after: str | None = None) -> ReferralConnection:
        return empty(ReferralConnection)

    @strawberry.field
    async def rewarded_count(self) -> int:
        return 0

    @strawberry.field
    async def pending_count(self) -> int:
        return 0


@strawberry.type
class ReferralInvite:
    code: str
    url: str
    max_uses: int | None
    uses: int
    expires_at: datetime | None
    campaign: str | None


async def referral_profile(member: MemberRow, info: Info) -> ReferralProfile:
    return ReferralProfile(member=member)

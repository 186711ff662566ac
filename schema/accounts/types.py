"""The Member type: a member's own view of their account, points, tier and activity."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import relay
from strawberry.types import Info

from schema.checkins.types import CheckInStatus, status_type
from schema.dataloaders import batch
from schema.enums import described_enum
from schema.pagination import After, First, empty
from schema.permissions import can_see_member
from schema.points.types import PointsAccount, points_account
from schema.program.types import Tier, tier_type
from server.models import Member as MemberRow
from server.models import Role as DomainRole
from server.points import tiers
from server.social import checkins

if TYPE_CHECKING:
    from schema.campaigns.types import Offer
    from schema.care.types import Survey, TicketConnection
    from schema.catalog.types import RedemptionConnection
    from schema.insight.types import MemberInsight
    from schema.notifications.preferences import MessagePreferences
    from schema.notifications.types import NotificationConnection
    from schema.referrals.types import ReferralProfile
    from schema.reviews.types import ReviewConnection

Role = described_enum(
    DomainRole,
    name="Role",
    description="What a member may do beyond their own account.",
    values={
        "MEMBER": "A programme member: sees and changes only their own data.",
        "STAFF": "The loyalty team: moderates reviews, manages the catalog, adjusts points, looks members up.",
        "ANALYST": (
            "Read-only staff: sees members, segments, KPIs, campaigns, tickets and the audit log; changes nothing."
        ),
    },
)


@strawberry.type(description="Where the member stands against the tiers over the current window.")
class TierProgress:
    current: Tier = strawberry.field(description="The tier the member holds now.")
    next: Tier | None = strawberry.field(description="Null at the top tier.")
    qualifying_points: int = strawberry.field(description="Qualifying points earned within the current window.")
    points_to_next: int = strawberry.field(description="0 at the top tier.")
    percent_to_next: float = strawberry.field(description="0 to 100.")
    window_start: date = strawberry.field(description="First day of the window qualifying points are counted over.")
    window_end: date = strawberry.field(description="Last day of that window (today).")
    retained_until: date | None = strawberry.field(
        description="The current tier is kept at least until this date, whatever happens to qualifying points."
    )
    points_to_keep: int = strawberry.field(
        description="Qualifying points still needed before the review to keep the current tier; 0 when safe."
    )
    projected_tier: Tier = strawberry.field(
        description="The tier the member would hold after the next review if nothing changed."
    )


@batch("tiers.standing")
async def load_standing(keys: Sequence[tuple[int, date | None]]) -> list[tuple[int, int]]:
    """(qualifying points, those still in the window on the review day), keyed by (member, review day)."""
    totals = await tiers.standing_for(list(dict.fromkeys(keys)))
    return [totals[member_id] for member_id, _ in keys]


@strawberry.type(description="A programme member: their account, points, tier and activity.")
class Member(relay.Node):
    """The account's own columns are plain attribute fields, copied from the row by ``member_type``."""

    row_id: relay.NodeID[int]
    row: strawberry.Private[MemberRow]
    email: str = strawberry.field(description="The member's e-mail address (lower-cased); they log in with it.")
    display_name: str = strawberry.field(
        description="The name the member chose; others see it masked, such as 'Li W.'."
    )
    role: Role = strawberry.field(
        description="MEMBER, STAFF for the loyalty team, or ANALYST for its read-only members."
    )
    joined_at: datetime = strawberry.field(description="When the member signed up.")
    birthday: date | None = strawberry.field(description="The member's date of birth; null when not given.")
    timezone: str = strawberry.field(
        description="IANA time-zone name, such as Asia/Shanghai; check-in days follow it."
    )
    locale: str = strawberry.field(description="BCP-47 tag, such as en or zh-CN.")
    tier_review_on: date | None = strawberry.field(
        description="The date of the next tier review, when the tier is kept or moved by at most one level."
    )

    @strawberry.field(
        description="Staff and the member: the last day a staff tier override holds (tier reviews skip the member "
        "until then); null without one, or for anyone else."
    )
    def tier_override_until(self, info: Info) -> date | None:
        return self.row.tier_override_until if can_see_member(info, self.row.id) else None

    @strawberry.field(description="Whether the member has confirmed their current e-mail address.")
    def email_confirmed(self) -> bool:
        return self.row.email_confirmed_at is not None

    @strawberry.field(description="Which e-mails the member receives.")
    def message_preferences(
        self,
    ) -> Annotated[MessagePreferences, strawberry.lazy("schema.notifications.preferences")]:
        from schema.notifications.preferences import message_preferences

        return message_preferences(self.row)

    @strawberry.field(description="The tier the member holds now.")
    def tier(self, info: Info) -> Tier:
        from server.points.program import get_program

        return tier_type(get_program().tier(self.row.tier_code), info)

    @strawberry.field(description="Qualifying points and what the next tier still needs.")
    async def tier_progress(self, info: Info) -> TierProgress:
        review = self.tier_review_on
        qualifying, kept = await info.context.loaders.load("tiers.standing", (self.row.id, review))
        p = tiers.progress(self.row, qualifying, qualifying_at_review=kept)
        return TierProgress(
            current=tier_type(p.current, info),
            next=tier_type(p.next, info) if p.next else None,
            qualifying_points=p.qualifying_points,
            points_to_next=p.points_to_next,
            percent_to_next=p.percent_to_next,
            window_start=p.window_start,
            window_end=p.window_end,
            retained_until=p.retained_until,
            points_to_keep=p.points_to_keep,
            projected_tier=tier_type(p.projected or p.current, info),
        )

    @strawberry.field(description="Balance, lifetime totals, expiring points and the ledger.")
    def points(self) -> PointsAccount:
        return points_account(self.row)

    @strawberry.field(description="Today's check-in and the current streak.")
    async def check_in(self, info: Info) -> CheckInStatus:
        last = await info.context.loaders.load("checkins.last", self.row.id)
        return status_type(checkins.status_from(self.row, last))

    @strawberry.field(description="The member's share code and the friends who signed up with it.")
    async def referral(self, info: Info) -> Annotated[ReferralProfile, strawberry.lazy("schema.referrals.types")]:
        from schema.referrals.types import referral_profile

        return await referral_profile(self.row, info)

    @strawberry.field(description="The member's redemptions (vouchers), newest first; empty for anyone else.")
    async def redemptions(
        self, info: Info, first: First = 20, after: After = None
    ) -> Annotated[RedemptionConnection, strawberry.lazy("schema.catalog.types")]:
        from schema.catalog.types import RedemptionConnection, member_redemptions

        if not can_see_member(info, self.row.id):
            return empty(RedemptionConnection)
        return await member_redemptions(self.row, info, first, after)

    @strawberry.field(description="The member's own reviews in every status, newest first; empty for anyone else.")
    async def reviews(
        self, info: Info, first: First = 20, after: After = None
    ) -> Annotated[ReviewConnection, strawberry.lazy("schema.reviews.types")]:
        from schema.reviews.types import ReviewConnection, member_reviews

        if not can_see_member(info, self.row.id):
            return empty(ReviewConnection)
        return await member_reviews(self.row, info, first, after)

    @strawberry.field(description="The member's notifications, newest first; empty for anyone else.")
    async def notifications(
        self,
        info: Info,
        first: First = 20,
        after: After = None,
        unread_only: Annotated[
            bool | None, strawberry.argument(description="Only notifications not yet read.")
        ] = False,
    ) -> Annotated[NotificationConnection, strawberry.lazy("schema.notifications.types")]:
        from schema.notifications.types import NotificationConnection, member_notifications

        if not can_see_member(info, self.row.id):
            # Partners reach a Member through payloads and memberByEmail: never their inbox.
            return empty(NotificationConnection)
        return await member_notifications(self.row, info, first, after, bool(unread_only))

    # -- care ---------------------------------------------------------------------------------

    @strawberry.field(description="Surveys waiting for this member's answer, newest first; empty for anyone else.")
    async def pending_surveys(self, info: Info) -> list[Annotated[Survey, strawberry.lazy("schema.care.types")]]:
        from schema.care.schema import pending_surveys

        return await pending_surveys(self.row, info)

    @strawberry.field(description="The member's care tickets, newest first; for the member and staff, else empty.")
    async def tickets(
        self, info: Info, first: First = 20, after: After = None
    ) -> Annotated[TicketConnection, strawberry.lazy("schema.care.types")]:
        from schema.care.schema import member_tickets

        return await member_tickets(self.row, info, first, after)

    # -- campaigns (programme engine) ----------------------------------------------------------

    @strawberry.field(
        description="Campaigns that apply to this member now or within 7 days, soonest first (member days, double "
        "points…); for the member and the back office, else empty."
    )
    async def offers(self, info: Info) -> list[Annotated[Offer, strawberry.lazy("schema.campaigns.types")]]:
        from schema.campaigns.types import member_offers

        return await member_offers(self.row, info)

    # -- insight ------------------------------------------------------------------------------

    @strawberry.field(
        description="Staff, or the member themselves: RFM scores, segment, lifecycle stage; null before the first "
        "snapshot (and for anyone else)."
    )
    async def insight(self, info: Info) -> Annotated[MemberInsight, strawberry.lazy("schema.insight.types")] | None:
        from schema.insight.types import insight_type

        if not can_see_member(info, self.row.id):
            return None
        row = await info.context.loaders.load("insight.member", self.row.id)
        return insight_type(row) if row else None

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids, required: bool = False):  # type: ignore[override]
        wanted = [int(i) for i in node_ids]
        visible = [i for i in wanted if can_see_member(info, i)]
        rows = {row.id: row for row in await MemberRow.filter(id__in=visible)} if visible else {}
        return [member_type(rows[i]) if i in rows else None for i in wanted]


def member_type(row: MemberRow) -> Member:
    return Member(
        row_id=row.id,
        row=row,
        email=row.email,
        display_name=row.display_name,
        role=row.role,
        joined_at=row.joined_at,
        birthday=row.birthday,
        timezone=row.timezone,
        locale=row.locale,
        tier_review_on=tiers.review_on(row),
    )

"""Check-in status and the checkIn mutation."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.types import Info

from schema.dataloaders import batch
from schema.errors import USER_ERRORS, UserError, attempt
from schema.permissions import require_member
from server.social import checkins


@strawberry.type(description="A member's daily check-in: today's state and the streak.")
class CheckInStatus:
    today: date = strawberry.field(description="Today in the member's time zone.")
    checked_in_today: bool = strawberry.field(description="Whether the member has checked in today.")
    streak: int = strawberry.field(
        description="Consecutive days up to and including the last check-in, or 0 when the chain is broken."
    )
    today_points: int = strawberry.field(description="Points that checking in today gives (or gave), bonus included.")


def status_type(status: checkins.CheckInStatus) -> CheckInStatus:
    return CheckInStatus(
        today=status.today,
        checked_in_today=status.checked_in_today,
        streak=status.streak,
        today_points=status.today_points,
    )


@batch("checkins.last")
async def load_last(member_ids: Sequence[int]) -> list[object]:
    latest = await checkins.last_check_ins(list(member_ids))
    return [latest.get(member_id) for member_id in member_ids]


if TYPE_CHECKING:
    from schema.accounts.types import Member

MemberType = Annotated["Member", strawberry.lazy("schema.accounts.types")]


@strawberry.type(description="The answer to checkIn.")
class CheckInPayload:
    points_earned: int = strawberry.field(description="Points this check-in gave, streak bonus included; 0 on failure.")
    check_in: CheckInStatus | None = strawberry.field(description="The check-in state after it; null on failure.")
    member: MemberType | None = strawberry.field(description="The member with their new balance; null on failure.")
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)


@strawberry.type
class CheckInMutation:
    @strawberry.mutation(description="At most once per calendar day in the member's own time zone.")
    async def check_in(self, info: Info) -> CheckInPayload:
        from schema.accounts.types import member_type

        async def action() -> CheckInPayload:
            member = require_member(info)
            result = await checkins.check_in(member)
            return CheckInPayload(
                points_earned=result.points_earned,
                check_in=status_type(result.status),
                member=member_type(result.member),
                user_errors=[],
            )

        return await attempt(
            action,
            lambda errors: CheckInPayload(points_earned=0, check_in=None, member=None, user_errors=errors),
            info.context.locale,
        )

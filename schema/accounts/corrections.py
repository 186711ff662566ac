"""Staff corrections to a member: overrideTier and correctBirthday (``server.accounts.corrections``)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry
from strawberry.types import Info

from schema.accounts.schema import MemberPayload
from schema.accounts.types import member_type
from schema.errors import attempt
from schema.permissions import require_staff
from schema.points.schema import decode_id
from server import accounts

MEMBER_ID = "The Member's id."
REASON = "Why, for the audit trail: 1 to 500 characters (required)."


def _failed(errors) -> MemberPayload:
    return MemberPayload(member=None, user_errors=errors)


@strawberry.type
class CorrectionMutation:
    @strawberry.mutation(
        description="Staff: move a member's tier by hand; needs a reason; holds until `until`, then reviews resume. "
        "`until` is a day after today (programme time zone), at most 5 years ahead. Audited (member.tier_override)."
    )
    async def override_tier(
        self,
        info: Info,
        member_id: Annotated[strawberry.ID, strawberry.argument(description=MEMBER_ID)],
        tier_code: Annotated[str, strawberry.argument(description="The tier to hold, such as gold.")],
        reason: Annotated[str, strawberry.argument(description=REASON)],
        until: Annotated[date, strawberry.argument(description="The last day the override holds.")],
    ) -> MemberPayload:
        async def action() -> MemberPayload:
            staff = require_staff(info)
            row = await accounts.override_tier(staff, decode_id(member_id, "Member", "memberId"), tier_code, reason,
                                               until)
            return MemberPayload(member=member_type(row), user_errors=[])

        return await attempt(action, _failed, info.context.locale)

    @strawberry.mutation(
        description="Staff: correct a member's birthday after the member has set it once (members get "
        "BIRTHDAY_LOCKED). Audited (member.birthday_correct)."
    )
    async def correct_birthday(
        self,
        info: Info,
        member_id: Annotated[strawberry.ID, strawberry.argument(description=MEMBER_ID)],
        birthday: Annotated[date, strawberry.argument(description="The member's date of birth.")],
        reason: Annotated[str, strawberry.argument(description=REASON)],
    ) -> MemberPayload:
        async def action() -> MemberPayload:
            staff = require_staff(info)
            row = await accounts.correct_birthday(staff, decode_id(member_id, "Member", "memberId"), birthday, reason)
            return MemberPayload(member=member_type(row), user_errors=[])

        return await attempt(action, _failed, info.context.locale)

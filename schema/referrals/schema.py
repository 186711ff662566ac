"""Partner invite mutation (to be completed by the referrals work)."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.types import Info

from schema.errors import UserError, attempt
from schema.referrals.types import ReferralInvite
from server.errors import DomainError, ErrorCode


@strawberry.input
class ReferralInviteInput:
    campaign: str | None = None
    max_uses: int | None = None
    expires_at: datetime | None = None


@strawberry.type
class ReferralInvitePayload:
    invite: ReferralInvite | None
    user_errors: list[UserError]


@strawberry.type
class ReferralMutation:
    @strawberry.mutation(description="Partner: issue invite codes that new members use at sign-up.")
    async def issue_referral_invite(self, info: Info, input: ReferralInviteInput) -> ReferralInvitePayload:
        async def action() -> ReferralInvitePayload:
            raise DomainError(ErrorCode.NOT_AVAILABLE, "Not available yet.", None)

        return await attempt(action, lambda e: ReferralInvitePayload(invite=None, user_errors=e), info.context.locale)

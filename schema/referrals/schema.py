"""Partner invite mutation."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.types import Info

from schema.errors import UserError, attempt
from schema.permissions import require_partner
from schema.referrals import dataloaders as _loaders  # noqa: F401  (registers loaders)
from schema.referrals.types import ReferralInvite, invite_type
from server.social import referrals


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
            partner = require_partner(info, "referrals:write")
            row = await referrals.issue_invite(
                partner,
                referrals.InviteRequest(campaign=input.campaign, max_uses=input.max_uses, expires_at=input.expires_at),
            )
            return ReferralInvitePayload(invite=invite_type(row), user_errors=[])

        return await attempt(action, lambda e: ReferralInvitePayload(invite=None, user_errors=e), info.context.locale)

"""Partner invite mutation."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from schema.errors import USER_ERRORS, UserError, attempt
from schema.permissions import require_partner
from schema.referrals import dataloaders as _loaders  # noqa: F401  (registers loaders)
from schema.referrals.types import ReferralInvite, invite_type
from server.social import referrals


@strawberry.input(description="An invite code a partner hands out.")
class ReferralInviteInput:
    campaign: str | None = strawberry.field(
        default=None, description="The partner's label for the campaign the code belongs to."
    )
    max_uses: int | None = strawberry.field(
        default=None, description="How many sign-ups the code admits; at least 1, null for unlimited."
    )
    expires_at: datetime | None = strawberry.field(
        default=None, description="When the code stops working; a future time, null for never."
    )


@strawberry.type(description="The answer to issueReferralInvite.")
class ReferralInvitePayload:
    invite: ReferralInvite | None = strawberry.field(description="The new invite; null on failure.")
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)


@strawberry.type
class ReferralMutation:
    @strawberry.mutation(description="Partner: issue invite codes that new members use at sign-up.")
    async def issue_referral_invite(
        self, info: Info, input: Annotated[ReferralInviteInput, strawberry.argument(description="The invite.")]
    ) -> ReferralInvitePayload:
        async def action() -> ReferralInvitePayload:
            partner = require_partner(info, "referrals:write")
            row = await referrals.issue_invite(
                partner,
                referrals.InviteRequest(campaign=input.campaign, max_uses=input.max_uses, expires_at=input.expires_at),
            )
            return ReferralInvitePayload(invite=invite_type(row), user_errors=[])

        return await attempt(action, lambda e: ReferralInvitePayload(invite=None, user_errors=e), info.context.locale)

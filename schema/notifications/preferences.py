"""Which e-mails a member receives: the MessagePreferences type and the mutations that change it."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.types import Info

from schema.errors import USER_ERRORS, UserError, attempt
from schema.permissions import require_member
from server.messages import preferences
from server.models import Member as MemberRow

if TYPE_CHECKING:
    from schema.accounts.schema import MemberPayload

MemberPayloadType = Annotated["MemberPayload", strawberry.lazy("schema.accounts.schema")]


@strawberry.type(
    description="Account e-mails (reset, confirmation, password or address changed) are always sent. Service "
    "e-mails (ticket answers, survey invitations, tier notices, points about to expire) are on until turned off. "
    "Marketing e-mails (birthday greetings, member days and campaigns, win-back offers) need consent: off until "
    "the member turns them on."
)
class MessagePreferences:
    row: strawberry.Private[MemberRow]

    @strawberry.field(description="Whether service e-mails are sent (on until the member turns them off).")
    def service_emails(self) -> bool:
        return self.row.service_emails

    @strawberry.field(description="Whether marketing e-mails are sent (only with the member's consent).")
    def marketing_emails(self) -> bool:
        return self.row.marketing_emails

    @strawberry.field(description="When the member gave the marketing consent in force; null without consent.")
    def marketing_consent_at(self) -> datetime | None:
        return self.row.marketing_consent_at

    @strawberry.field(
        description="True when the mail server refused the member's address for good: only account e-mails are "
        "attempted until the address changes or one of them gets through."
    )
    def address_undeliverable(self) -> bool:
        return self.row.email_undeliverable_at is not None


def message_preferences(row: MemberRow) -> MessagePreferences:
    return MessagePreferences(row=row)


@strawberry.input(description="Which e-mails to receive; a null field stays as it is.")
class MessagePreferencesInput:
    service_emails: bool | None = strawberry.field(
        default=None, description="Tier notices, points about to expire, ticket answers, survey invitations."
    )
    marketing_emails: bool | None = strawberry.field(
        default=None,
        description="Birthday greetings, member days and campaigns, win-back offers. Turning it on records the "
        "consent's time.",
    )


@strawberry.type(description="The answer to unsubscribe.")
class UnsubscribePayload:
    ok: bool = strawberry.field(description="True when the category is now off.")
    category: str | None = strawberry.field(description="SERVICE or MARKETING: the e-mails turned off.")
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)


@strawberry.type
class PreferencesMutation:
    @strawberry.mutation(description="Member: choose which e-mails to receive.")
    async def update_message_preferences(
        self,
        info: Info,
        input: Annotated[MessagePreferencesInput, strawberry.argument(description="What to change.")],
    ) -> MemberPayloadType:
        from schema.accounts.schema import MemberPayload
        from schema.accounts.types import member_type

        async def action() -> MemberPayload:
            viewer = require_member(info)
            change = preferences.PreferenceChange(
                service_emails=input.service_emails, marketing_emails=input.marketing_emails
            )
            source = "portal" if info.context.auth is not None and info.context.auth.kind == "session" else "api"
            member = await preferences.update(viewer.id, change, source)
            info.context.member = member
            return MemberPayload(member=member_type(member), user_errors=[])

        return await attempt(action, lambda errors: MemberPayload(member=None, user_errors=errors), info.context.locale)

    @strawberry.mutation(
        description="Anyone holding an unsubscribe link's token (from an e-mail's List-Unsubscribe header or "
        "footer): turn off the category of e-mail it names, without logging in. INVALID_TOKEN for a token this "
        "programme did not sign."
    )
    async def unsubscribe(
        self, info: Info, token: Annotated[str, strawberry.argument(description="The token from the link.")]
    ) -> UnsubscribePayload:
        async def action() -> UnsubscribePayload:
            _member, category = await preferences.unsubscribe(token)
            return UnsubscribePayload(ok=True, category=category.upper(), user_errors=[])

        return await attempt(
            action, lambda errors: UnsubscribePayload(ok=False, category=None, user_errors=errors), info.context.locale
        )



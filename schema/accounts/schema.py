"""Account queries and mutations: viewer, sign-up, log-in, log-out, profile, member look-up."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry
from strawberry.types import Info

from schema.accounts.types import Member, member_type
from schema.errors import USER_ERRORS, UserError, attempt
from schema.permissions import is_reader, require_member
from server import accounts
from server.core.errors import DomainError
from server.core.validation import normalise_email
from server.models import Member as MemberRow

DISPLAY_NAME = (
    "The name other members see (masked, such as 'Li W.'): 1 to 80 characters, without control, "
    "invisible or direction-changing characters; stored in Unicode NFC."
)
TIMEZONE = "IANA time-zone name, such as Asia/Shanghai; check-in days follow it."
LOCALE = "The member's language: en or zh-CN. Messages and notifications follow it."


@strawberry.input(description="A new member's account.")
class SignUpInput:
    email: str = strawberry.field(
        description="The member's e-mail address, used to log in; compared case-insensitively."
    )
    password: str = strawberry.field(description="At least 10 characters.")
    display_name: str = strawberry.field(description=DISPLAY_NAME)
    referral_code: str | None = strawberry.field(
        default=None, description="A member's share code or a partner's invite code."
    )
    birthday: date | None = strawberry.field(default=None, description="The member's date of birth, if given.")
    timezone: str | None = strawberry.field(default=None, description=TIMEZONE + " Default: Asia/Shanghai.")
    locale: str | None = strawberry.field(default=None, description=LOCALE + " Default: en.")
    marketing_emails: bool | None = strawberry.field(
        default=False, description="Consent to marketing e-mails, given at sign-up."
    )


@strawberry.input(description="Changes to the viewer's profile; a null field stays as it is.")
class UpdateProfileInput:
    display_name: str | None = strawberry.field(default=None, description=DISPLAY_NAME)
    birthday: date | None = strawberry.field(default=None, description="The member's date of birth.")
    timezone: str | None = strawberry.field(default=None, description=TIMEZONE)
    locale: str | None = strawberry.field(default=None, description=LOCALE)


@strawberry.type(description="The answer to signUp and logIn.")
class AuthPayload:
    member: Member | None = strawberry.field(description="The signed-in member; null on failure.")
    token: str | None = strawberry.field(description="Bearer token for API clients; null on failure.")
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)


@strawberry.type(description="The answer to logOut.")
class LogOutPayload:
    ok: bool = strawberry.field(description="True when the token or session was revoked.")
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)


@strawberry.type(description="The answer to a mutation that changes a member.")
class MemberPayload:
    member: Member | None = strawberry.field(description="The member as changed; null on failure.")
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)


def _auth_failed(errors: list[UserError]) -> AuthPayload:
    return AuthPayload(member=None, token=None, user_errors=errors)


@strawberry.type
class AccountQuery:
    @strawberry.field(description="The signed-in member; null when the caller is not a signed-in member.")
    def viewer(self, info: Info) -> Member | None:
        member = info.context.member
        return member_type(member) if member else None

    @strawberry.field(
        description="Look a member up by e-mail: staff and analysts, or a partner key with the members:read scope."
    )
    async def member_by_email(
        self, info: Info, email: Annotated[str, strawberry.argument(description="The member's e-mail address.")]
    ) -> Member | None:
        partner = info.context.partner
        allowed = is_reader(info) or (partner is not None and "members:read" in partner.scopes)
        if not allowed:
            return None
        try:
            address = normalise_email(email)
        except DomainError:
            return None
        row = await MemberRow.get_or_none(email=address)
        return member_type(row) if row else None


@strawberry.type
class AccountMutation:
    @strawberry.mutation(description="Create a member account and sign it in: the answer carries a bearer token.")
    async def sign_up(
        self, info: Info, input: Annotated[SignUpInput, strawberry.argument(description="The new account.")]
    ) -> AuthPayload:
        async def action() -> AuthPayload:
            member, token = await accounts.sign_up(
                accounts.SignUp(
                    email=input.email,
                    password=input.password,
                    display_name=input.display_name,
                    referral_code=input.referral_code,
                    birthday=input.birthday,
                    timezone=input.timezone,
                    locale=input.locale,
                    marketing_emails=bool(input.marketing_emails),
                )
            )
            info.context.member = member
            return AuthPayload(member=member_type(member), token=token, user_errors=[])

        return await attempt(action, _auth_failed, info.context.locale)

    @strawberry.mutation(
        description="Exchange e-mail and password for a bearer token (valid 30 days). Repeated failures for "
        "one address are slowed down (RATE_LIMITED)."
    )
    async def log_in(
        self,
        info: Info,
        email: Annotated[str, strawberry.argument(description="The member's e-mail address.")],
        password: Annotated[str, strawberry.argument(description="The member's password.")],
    ) -> AuthPayload:
        async def action() -> AuthPayload:
            member, token = await accounts.log_in(email, password)
            info.context.member = member
            return AuthPayload(member=member_type(member), token=token, user_errors=[])

        return await attempt(action, _auth_failed, info.context.locale)

    @strawberry.mutation(description="Revoke the bearer token (or portal session) this request used.")
    async def log_out(self, info: Info) -> LogOutPayload:
        async def action() -> LogOutPayload:
            require_member(info)
            if info.context.bearer:
                await accounts.log_out(info.context.bearer, "api")
            elif info.context.auth is not None:
                await accounts.revoke(info.context.auth)
            info.context.member = None
            return LogOutPayload(ok=True, user_errors=[])

        return await attempt(action, lambda errors: LogOutPayload(ok=False, user_errors=errors), info.context.locale)

    @strawberry.mutation(description="Change the viewer's display name, birthday, time zone or language.")
    async def update_profile(
        self, info: Info, input: Annotated[UpdateProfileInput, strawberry.argument(description="What to change.")]
    ) -> MemberPayload:
        async def action() -> MemberPayload:
            member = require_member(info)
            await accounts.update_profile(
                member,
                accounts.ProfileChange(
                    display_name=input.display_name,
                    birthday=input.birthday,
                    timezone=input.timezone,
                    locale=input.locale,
                ),
            )
            info.context.locale = member.locale
            return MemberPayload(member=member_type(member), user_errors=[])

        return await attempt(action, lambda errors: MemberPayload(member=None, user_errors=errors), info.context.locale)


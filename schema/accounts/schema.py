"""Account queries and mutations: viewer, sign-up, log-in, log-out, profile, member look-up."""

from __future__ import annotations

from datetime import date

import strawberry
from strawberry.types import Info

from schema.accounts.types import Member, member_type
from schema.errors import UserError, attempt
from schema.permissions import is_reader, require_member
from server import accounts
from server.core.errors import DomainError
from server.core.validation import normalise_email
from server.models import Member as MemberRow


@strawberry.input
class SignUpInput:
    email: str
    password: str
    display_name: str
    referral_code: str | None = strawberry.field(
        default=None, description="A member's share code or a partner's invite code."
    )
    birthday: date | None = None
    timezone: str | None = None
    locale: str | None = None


@strawberry.input
class UpdateProfileInput:
    display_name: str | None = None
    birthday: date | None = None
    timezone: str | None = None
    locale: str | None = None


@strawberry.type
class AuthPayload:
    member: Member | None
    token: str | None = strawberry.field(description="Bearer token for API clients; null on failure.")
    user_errors: list[UserError]


@strawberry.type
class LogOutPayload:
    ok: bool
    user_errors: list[UserError]


@strawberry.type
class MemberPayload:
    member: Member | None
    user_errors: list[UserError]


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
    async def member_by_email(self, info: Info, email: str) -> Member | None:
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
    @strawberry.mutation
    async def sign_up(self, info: Info, input: SignUpInput) -> AuthPayload:
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
                )
            )
            info.context.member = member
            return AuthPayload(member=member_type(member), token=token, user_errors=[])

        return await attempt(action, _auth_failed, info.context.locale)

    @strawberry.mutation
    async def log_in(self, info: Info, email: str, password: str) -> AuthPayload:
        async def action() -> AuthPayload:
            member, token = await accounts.log_in(email, password)
            info.context.member = member
            return AuthPayload(member=member_type(member), token=token, user_errors=[])

        return await attempt(action, _auth_failed, info.context.locale)

    @strawberry.mutation
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

    @strawberry.mutation
    async def update_profile(self, info: Info, input: UpdateProfileInput) -> MemberPayload:
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


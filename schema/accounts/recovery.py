"""Password and address mutations: reset a forgotten password, change it, confirm or change the e-mail."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from schema.accounts.schema import AuthPayload, MemberPayload
from schema.accounts.types import member_type
from schema.errors import attempt
from schema.payloads import OkPayload, ok, refused
from schema.permissions import can_see_member, require_member
from server import accounts

TOKEN = "The token from the link's ?token= parameter."
NEW_PASSWORD = "At least 10 characters."


def client_ip(info: Info) -> str | None:
    """The caller's address (behind a proxy, from X-Forwarded-For as uvicorn trusts it)."""
    request = info.context.request
    client = getattr(request, "client", None)
    return client.host if client else None


def _auth_failed(errors):  # type: ignore[no-untyped-def]
    return AuthPayload(member=None, token=None, user_errors=errors)


def _member_failed(errors):  # type: ignore[no-untyped-def]
    return MemberPayload(member=None, user_errors=errors)


@strawberry.type
class RecoveryMutation:
    @strawberry.mutation(
        description="Anyone: e-mail a password-reset link to this address if it belongs to a member. The answer is "
        "ok whether or not it does (no account enumeration); at most 3 links per address per hour, and a limit "
        "per client address (RATE_LIMITED)."
    )
    async def request_password_reset(
        self, info: Info, email: Annotated[str, strawberry.argument(description="The account's e-mail address.")]
    ) -> OkPayload:
        async def action() -> OkPayload:
            await accounts.request_password_reset(email, client_ip(info))
            return ok()

        return await attempt(action, refused, info.context.locale)

    @strawberry.mutation(
        description="Anyone holding a reset link's token: set a new password. A token works once and for 30 "
        "minutes (else INVALID_TOKEN). Every other session and bearer token of the member ends; the answer signs "
        "the member in."
    )
    async def reset_password(
        self,
        info: Info,
        token: Annotated[str, strawberry.argument(description=TOKEN)],
        new_password: Annotated[str, strawberry.argument(description=NEW_PASSWORD)],
    ) -> AuthPayload:
        async def action() -> AuthPayload:
            member, fresh = await accounts.reset_password(token, new_password)
            info.context.member = member
            return AuthPayload(member=member_type(member), token=fresh, user_errors=[])

        return await attempt(action, _auth_failed, info.context.locale)

    @strawberry.mutation(
        description="Member: change the password. Every session and token ends, the one used here too; the "
        "answer carries a fresh token. A wrong current password is INVALID_CREDENTIALS."
    )
    async def change_password(
        self,
        info: Info,
        current_password: Annotated[str, strawberry.argument(description="The password the member logs in with now.")],
        new_password: Annotated[str, strawberry.argument(description=NEW_PASSWORD)],
    ) -> AuthPayload:
        async def action() -> AuthPayload:
            viewer = require_member(info)
            member, fresh = await accounts.change_password(viewer.id, current_password, new_password)
            info.context.member = member
            return AuthPayload(member=member_type(member), token=fresh, user_errors=[])

        return await attempt(action, _auth_failed, info.context.locale)

    @strawberry.mutation(
        description="Member: e-mail a confirmation link to a new address (and a notice to the current one); the "
        "address changes when it is confirmed. EMAIL_TAKEN if another member uses it."
    )
    async def request_email_change(
        self,
        info: Info,
        new_email: Annotated[str, strawberry.argument(description="The address to move the account to.")],
        password: Annotated[str, strawberry.argument(description="The member's password, confirming the request.")],
    ) -> OkPayload:
        async def action() -> OkPayload:
            viewer = require_member(info)
            await accounts.request_email_change(viewer.id, new_email, password)
            return ok()

        return await attempt(action, refused, info.context.locale)

    @strawberry.mutation(
        description="Anyone holding a confirmation link's token (sign-up's or an address change's): confirm it. "
        "The answer's member is shown only to that member (or staff); anyone else gets null with no userErrors."
    )
    async def confirm_email(
        self, info: Info, token: Annotated[str, strawberry.argument(description=TOKEN)]
    ) -> MemberPayload:
        async def action() -> MemberPayload:
            member = await accounts.confirm_email(token)
            viewer = info.context.member
            if viewer is not None and viewer.id == member.id:
                info.context.member = member
            shown = member_type(member) if can_see_member(info, member.id) else None
            return MemberPayload(member=shown, user_errors=[])

        return await attempt(action, _member_failed, info.context.locale)

    @strawberry.mutation(
        description="Member: e-mail a fresh confirmation link for the current address (at most 3 per hour). "
        "ok is true, and nothing is sent, when the address is already confirmed."
    )
    async def resend_email_confirmation(self, info: Info) -> OkPayload:
        async def action() -> OkPayload:
            viewer = require_member(info)
            await accounts.resend_confirmation(viewer.id)
            return ok()

        return await attempt(action, refused, info.context.locale)

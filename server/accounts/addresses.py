"""A member's e-mail address: confirming it, and moving the account to a new one.

Sign-up sends a confirmation link (7 days); ``emailConfirmed`` says whether it was followed. A
change of address needs the password, sends a link to the new address and a notice to the old
one, and happens only when the new address is confirmed — so a mistyped address, or a stolen
session, cannot take the account away.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from server.accounts import links
from server.accounts.passwords import verify_password
from server.core import clock, ratelimit
from server.core.errors import DomainError, ErrorCode, invalid
from server.core.validation import is_utf8, normalise_email
from server.messages import emails, notifications, outbox
from server.models import LinkPurpose, Member

log = logging.getLogger("patron.auth")

HOUR = timedelta(hours=1)
LINKS_PER_HOUR = 3  # confirmation or change links one member may be sent per hour
PASSWORD_CHECKS_PER_HOUR = 10  # wrong passwords on changePassword/requestEmailChange before RATE_LIMITED


def masked(address: str) -> str:
    """``li.wei@example.com`` → ``l***@example.com``: enough to recognise, too little to harvest."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain}"


async def send_confirmation(member: Member) -> None:
    """Queue a confirmation link for the member's current address (inside the caller's transaction)."""
    spec, link = await links.issue(member, LinkPurpose.CONFIRM, member.email)
    await emails.queue(
        member, "confirm_email", {"link": spec}, category=emails.ACCOUNT, dedupe_key=f"confirm:{link.id}",
        to=member.email,
    )


async def resend_confirmation(member_id: int) -> bool:
    """Send a fresh confirmation link unless the address is confirmed; False when there was nothing to do."""
    async with in_transaction():
        member = await Member.select_for_update().get(id=member_id)
        if member.email_confirmed_at is not None:
            return False
        if await links.issued_since(member.id, LinkPurpose.CONFIRM, HOUR) >= LINKS_PER_HOUR:
            raise DomainError(ErrorCode.RATE_LIMITED, "A confirmation link was sent a few times already; check "
                              "your inbox or try again in an hour.", None)
        await send_confirmation(member)
    outbox.wake()
    return True


async def check_password_of(member: Member, password: str, field: str) -> None:
    """The member's own password, confirming a sensitive change; slowed after repeated mistakes."""
    if not await ratelimit.hit(f"password-check:{member.id}", limit=PASSWORD_CHECKS_PER_HOUR, per=HOUR):
        raise DomainError(ErrorCode.RATE_LIMITED, "Too many wrong passwords; try again in an hour.", field)
    ok = is_utf8(password) and await verify_password(member.password_hash, password if is_utf8(password) else "")
    if not ok:
        raise DomainError(ErrorCode.INVALID_CREDENTIALS, "The password is not right.", field)


async def request_email_change(member_id: int, new_email: str, password: str) -> None:
    """Send a confirmation link to ``new_email`` and a notice to the current address; nothing changes yet."""
    address = normalise_email(new_email, "newEmail")
    member = await Member.get(id=member_id)
    await check_password_of(member, password, "password")
    async with in_transaction():
        member = await Member.select_for_update().get(id=member_id)
        if address == member.email:
            raise invalid("newEmail", "This is already your e-mail address.")
        if await Member.exists(email=address):
            raise DomainError(ErrorCode.EMAIL_TAKEN, "Another account uses this e-mail address.", "newEmail")
        if await links.issued_since(member.id, LinkPurpose.CHANGE, HOUR) >= LINKS_PER_HOUR:
            raise DomainError(ErrorCode.RATE_LIMITED, "Too many address changes; try again in an hour.", "newEmail")
        await links.retire(member.id, [LinkPurpose.CHANGE])  # only the latest request can complete
        spec, link = await links.issue(member, LinkPurpose.CHANGE, address)
        await emails.queue(
            member, "email_change", {"link": spec}, category=emails.ACCOUNT, dedupe_key=f"change:{link.id}", to=address
        )
        await emails.queue(
            member, "email_change_notice", {"new_address": masked(address)}, category=emails.ACCOUNT,
            dedupe_key=f"change-notice:{link.id}", to=member.email,
        )
    log.info("e-mail change requested member=%s", member.id)
    outbox.wake()


async def confirm_email(token: str) -> Member:
    """Follow a confirmation link: confirm the current address, or move the account to the new one."""
    try:
        async with in_transaction():
            link = await links.consume(token, [LinkPurpose.CONFIRM, LinkPurpose.CHANGE])
            member = await Member.select_for_update().get(id=link.member_id)
            now = clock.now()
            if link.purpose is LinkPurpose.CONFIRM:
                if link.email != member.email:  # sent to an address the account has since left
                    raise links.invalid_token()
                if member.email_confirmed_at is None:
                    member.email_confirmed_at = now
                    await member.save(update_fields=["email_confirmed_at"])
            else:
                if await Member.exclude(id=member.id).filter(email=link.email).exists():
                    raise DomainError(ErrorCode.EMAIL_TAKEN, "Another account took this address meanwhile.", None)
                member.email, member.email_confirmed_at, member.email_undeliverable_at = link.email, now, None
                await member.save(update_fields=["email", "email_confirmed_at", "email_undeliverable_at"])
                # Links mailed to the old address must not act on the account any more.
                await links.retire(member.id, [LinkPurpose.RESET, LinkPurpose.CONFIRM, LinkPurpose.CHANGE])
                await notifications.notify(member.id, "EMAIL_CHANGED", {"email": member.email})
                log.info("e-mail changed member=%s", member.id)
    except IntegrityError:  # a concurrent sign-up took the address between the check and the update
        raise DomainError(ErrorCode.EMAIL_TAKEN, "Another account took this address meanwhile.", None) from None
    outbox.wake()
    return member

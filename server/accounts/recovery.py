"""Passwords: reset by e-mailed link when forgotten, changed when known.

Reset requests answer the same whether or not the address belongs to a member (no account
enumeration), take about the same time either way, send at most 3 links per address per hour,
and are limited per client IP. A link works once, for 30 minutes. A reset or a change ends every
session and bearer token of the member, answers a fresh token, and e-mails "your password was
changed" to the account's address.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import timedelta

from tortoise.transactions import in_transaction

from server.accounts import addresses, links, tokens
from server.accounts.members import check_password, issue_token, revoke_all
from server.accounts.passwords import hash_password
from server.core import clock, ratelimit
from server.core.errors import DomainError, ErrorCode
from server.core.validation import normalise_email
from server.messages import emails, notifications, outbox
from server.models import LinkPurpose, LoginThrottle, Member

log = logging.getLogger("patron.auth")

HOUR = timedelta(hours=1)
LINKS_PER_ADDRESS_PER_HOUR = 3
REQUESTS_PER_IP_PER_HOUR = 30
# Known and unknown addresses answer after at least this long, so response times do not tell them apart.
ANSWER_AFTER = 0.25


async def request_password_reset(email: str, ip: str | None = None) -> None:
    """E-mail a reset link if ``email`` belongs to a member; silently nothing otherwise.

    Refusals say only what the caller can see anyway: a malformed address (INVALID_INPUT) or
    too many requests from this client (RATE_LIMITED), never whether the address is known.
    """
    address = normalise_email(email)
    if ip and not await ratelimit.hit(f"reset-ip:{ip}", limit=REQUESTS_PER_IP_PER_HOUR, per=HOUR):
        raise DomainError(ErrorCode.RATE_LIMITED, "Too many reset requests from here; try again later.", "email")
    started = time.monotonic()
    sent = await _send_reset_link(address)
    log.info("password reset requested email_hash=%s %s", tokens.digest(address)[:12], "sent" if sent else "not sent")
    await asyncio.sleep(max(0.0, ANSWER_AFTER - (time.monotonic() - started)))


async def _send_reset_link(address: str) -> bool:
    member = await Member.get_or_none(email=address)
    if member is None:
        return False
    async with in_transaction():
        member = await Member.select_for_update().get(id=member.id)
        if await links.issued_since(member.id, LinkPurpose.RESET, HOUR) >= LINKS_PER_ADDRESS_PER_HOUR:
            return False
        spec, link = await links.issue(member, LinkPurpose.RESET, member.email)
        await emails.queue(
            member, "password_reset", {"link": spec}, category=emails.ACCOUNT, dedupe_key=f"reset:{link.id}",
            to=member.email,
        )
    outbox.wake()
    return True


async def _set_password(member: Member, password_hash: str) -> str:
    """Inside a transaction holding the member: store the hash, end every session, answer a fresh token."""
    member.password_hash = password_hash
    await member.save(update_fields=["password_hash"])
    await revoke_all(member.id)
    await links.retire(member.id, [LinkPurpose.RESET])
    await LoginThrottle.filter(email=member.email).update(failures=0, blocked_until=None, last_failure_at=None)
    await notifications.notify(member.id, "PASSWORD_CHANGED", {})
    return await issue_token(member, "api")


async def reset_password(token: str, new_password: str) -> tuple[Member, str]:
    """Set a new password with a reset link's token; returns the member and a fresh bearer token."""
    password_hash = await hash_password(check_password(new_password, "newPassword"))
    async with in_transaction():
        link = await links.consume(token, [LinkPurpose.RESET])
        member = await Member.select_for_update().get(id=link.member_id)
        if link.email != member.email:  # the account moved to another address since the link was sent
            raise links.invalid_token()
        if member.email_confirmed_at is None:  # following the link proved the address is theirs
            member.email_confirmed_at = clock.now()
            await member.save(update_fields=["email_confirmed_at"])
        fresh = await _set_password(member, password_hash)
    log.info("password reset member=%s", member.id)
    outbox.wake()
    return member, fresh


async def change_password(member_id: int, current_password: str, new_password: str) -> tuple[Member, str]:
    """Change a known password; every session (this one too) ends and a fresh bearer token is answered."""
    member = await Member.get(id=member_id)
    await addresses.check_password_of(member, current_password, "currentPassword")
    password_hash = await hash_password(check_password(new_password, "newPassword"))
    async with in_transaction():
        member = await Member.select_for_update().get(id=member_id)
        fresh = await _set_password(member, password_hash)
    log.info("password changed member=%s", member.id)
    outbox.wake()
    return member, fresh

"""One-time links e-mailed to members: password reset (30 minutes), address confirmation (7 days).

A link's token is 256 bits derived from a random 128-bit salt and the secret key (see
:mod:`server.core.signing`); the database keeps only its SHA-256 and the outbox only the salt.
:func:`consume` uses a link up with one conditional UPDATE, so two requests racing with the
same token cannot both succeed.
"""

from __future__ import annotations

from datetime import timedelta

from server.accounts import tokens
from server.core import clock, signing
from server.core.errors import DomainError, ErrorCode
from server.core.validation import encodable
from server.models import AccountLink, LinkPurpose, Member

LIFETIME = {
    LinkPurpose.RESET: timedelta(minutes=30),
    LinkPurpose.CONFIRM: timedelta(days=7),
    LinkPurpose.CHANGE: timedelta(days=7),
}
PATHS = {
    LinkPurpose.RESET: "/reset-password",
    LinkPurpose.CONFIRM: "/confirm-email",
    LinkPurpose.CHANGE: "/confirm-email",
}


def invalid_token() -> DomainError:
    return DomainError(ErrorCode.INVALID_TOKEN, "This link is unknown, already used or expired.", "token")


async def issue(member: Member, purpose: LinkPurpose, email: str) -> tuple[dict[str, str], AccountLink]:
    """Create a link for ``member`` sent to ``email``; returns what the e-mail needs to show it, and the row.

    The first value (path, purpose, salt) goes into the e-mail's outbox payload: the sender
    derives the token from it when it writes the message.
    """
    salt = signing.new_salt()
    now = clock.now()
    row = await AccountLink.create(
        member_id=member.id,
        purpose=purpose,
        email=email,
        token_hash=tokens.digest(signing.derive_token(purpose.value, salt)),
        created_at=now,
        expires_at=now + LIFETIME[purpose],
    )
    return {"path": PATHS[purpose], "purpose": purpose.value, "salt": salt}, row


def _digest(token: str) -> str | None:
    token = (token or "").strip()
    if not token or len(token) > 200 or not encodable(token):
        return None
    return tokens.digest(token)


async def find(token: str, purposes: list[LinkPurpose]) -> AccountLink | None:
    """The live (unused, unexpired) link for ``token``, without using it up (to show a form)."""
    digest = _digest(token)
    if digest is None:
        return None
    row = await AccountLink.get_or_none(token_hash=digest, purpose__in=purposes)
    if row is None or row.used_at is not None or row.expires_at <= clock.now():
        return None
    return row


async def consume(token: str, purposes: list[LinkPurpose]) -> AccountLink:
    """Use up the live link for ``token`` (inside the transaction of what it allows); INVALID_TOKEN otherwise."""
    row = await find(token, purposes)
    if row is None:
        raise invalid_token()
    now = clock.now()
    won = await AccountLink.filter(id=row.id, used_at__isnull=True, expires_at__gt=now).update(used_at=now)
    if won != 1:
        raise invalid_token()
    row.used_at = now
    return row


async def retire(member_id: int, purposes: list[LinkPurpose]) -> int:
    """Use up every live link of these purposes (a new password or address makes older links moot)."""
    now = clock.now()
    return await AccountLink.filter(member_id=member_id, purpose__in=purposes, used_at__isnull=True).update(
        used_at=now
    )


async def issued_since(member_id: int, purpose: LinkPurpose, since_ago: timedelta) -> int:
    """How many links of ``purpose`` the member was sent within ``since_ago`` (sliding limits)."""
    return await AccountLink.filter(
        member_id=member_id, purpose=purpose, created_at__gt=clock.now() - since_ago
    ).count()

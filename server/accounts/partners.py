"""Partner systems and their API keys (shown once, stored as a hash)."""

from __future__ import annotations

import logging

from server.accounts import tokens
from server.core import clock
from server.core.errors import DomainError, ErrorCode, invalid
from server.core.prepared import Columns, Statement
from server.core.validation import check_public_text
from server.models import Partner

log = logging.getLogger("patron.auth")

SCOPES = ("purchases:write", "referrals:write", "members:read", "vouchers:write", "webhooks:manage")


async def create_partner(name: str, scopes: list[str]) -> tuple[Partner, str]:
    """Create a partner; returns it with its API key, which is never retrievable again."""
    name = check_public_text(name, "name", max_length=80)
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown:
        raise invalid("scope", f"Unknown scope {unknown[0]!r}; choose from {', '.join(SCOPES)}.")
    if await Partner.exists(name=name):
        raise invalid("name", f"A partner named {name!r} already exists.")
    key = tokens.new_secret("pk_")
    partner = await Partner.create(
        name=name,
        key_hash=tokens.digest(key),
        key_prefix=key[:10],
        scopes=sorted(set(scopes)),
        created_at=clock.now(),
    )
    return partner, key


_PARTNER = Columns(Partner, "p")
PARTNER_BY_KEY = Statement(f"SELECT {_PARTNER.sql} FROM partner p WHERE p.key_hash = ? AND p.revoked_at IS NULL")


async def partner_for_key(key: str) -> Partner | None:
    """The partner an unrevoked key belongs to: every partner call starts here (a prepared statement)."""
    row = await PARTNER_BY_KEY.one(tokens.digest(key))
    partner = _PARTNER.load(row) if row is not None else None
    if partner is None:
        log.warning("partner key rejected prefix=%s", key[:10])
    return partner


async def revoke_partner(name: str) -> Partner:
    partner = await Partner.get_or_none(name=name)
    if partner is None:
        raise DomainError(ErrorCode.NOT_FOUND, f"No partner named {name!r}.", "name")
    if partner.revoked_at is None:
        partner.revoked_at = clock.now()
        await partner.save(update_fields=["revoked_at"])
    return partner


async def change_scopes(name: str, add: list[str], remove: list[str]) -> Partner:
    """Grant ``add`` and take away ``remove`` on an existing partner's key (the key itself stays)."""
    unknown = sorted((set(add) | set(remove)) - set(SCOPES))
    if unknown:
        raise invalid("scope", f"Unknown scope {unknown[0]!r}; choose from {', '.join(SCOPES)}.")
    partner = await Partner.get_or_none(name=name)
    if partner is None:
        raise DomainError(ErrorCode.NOT_FOUND, f"No partner named {name!r}.", "name")
    partner.scopes = sorted((set(partner.scopes) | set(add)) - set(remove))
    await partner.save(update_fields=["scopes"])
    return partner


async def list_partners() -> list[Partner]:
    return await Partner.all().order_by("name")


def require_scope(partner: Partner | None, scope: str) -> Partner:
    if partner is None:
        raise DomainError(ErrorCode.NOT_AUTHENTICATED, "A partner API key is required.", None)
    if scope not in partner.scopes:
        raise DomainError(ErrorCode.FORBIDDEN, f"This key lacks the {scope} scope.", None)
    return partner

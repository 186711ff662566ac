"""The per-request context: who is calling, in which locale, and the request's dataloaders.

The HTTP endpoint and the portal build it the same way, so both go through one
authorization path.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from schema.dataloaders import Loaders
from server import accounts
from server.accounts import partners
from server.models import AuthToken, Member, Partner
from server.ops import logs

SESSION_COOKIE = "patron_session"
SECURE_SESSION_COOKIE = "__Host-patron_session"


@dataclass
class Context:
    member: Member | None = None
    partner: Partner | None = None
    auth: AuthToken | None = None
    bearer: str | None = None
    locale: str = "en"
    request: Any = None
    response: Any = None
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex[:16])
    loaders: Loaders = field(default_factory=Loaders)
    extra: dict[str, Any] = field(default_factory=dict)


def locale_from_header(accept_language: str | None) -> str:
    """``zh-CN`` when the browser or app prefers Chinese, else English."""
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("zh"):
            return "zh-CN"
        if tag.startswith("en"):
            return "en"
    return "en"


async def context_for(
    *,
    bearer: str | None = None,
    session: str | None = None,
    partner_key: str | None = None,
    accept_language: str | None = None,
    request: Any = None,
    response: Any = None,
) -> Context:
    ctx = Context(request=request, response=response, locale=locale_from_header(accept_language))
    if bearer:
        found = await accounts.member_for_token(bearer, "api")
        if found:
            ctx.member, ctx.auth = found
            ctx.bearer = bearer
    elif session:
        found = await accounts.member_for_token(session, "session")
        if found:
            ctx.member, ctx.auth = found
    if partner_key:
        ctx.partner = await partners.partner_for_key(partner_key)
    if ctx.member is not None:
        ctx.locale = ctx.member.locale
    logs.annotate(
        member_id=ctx.member.id if ctx.member is not None else None,
        partner_id=ctx.partner.id if ctx.partner is not None else None,
    )
    return ctx

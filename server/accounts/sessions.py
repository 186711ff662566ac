"""Who a bearer token or portal session belongs to, with a short-lived in-process cache.

Every API request and portal page starts here, so it is one prepared statement, not an ORM
query. A token seen in the last :data:`TTL` seconds is remembered (its digest, never the
secret): the request then only loads the member row by primary key, fresh, so balances, roles
and names are never stale. What the cache may hold back is a revocation made in *another*
worker process, for at most ``TTL``; in this process :func:`forget` drops entries at once. Call
it wherever tokens die: log-out, session revocation, password change or reset, account
deletion.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

from server.accounts import tokens
from server.core import clock
from server.core.prepared import Columns, Statement, hydrate, moment
from server.models import AuthToken, Member

TTL = 10.0  # seconds
MAX_ENTRIES = 50_000

MEMBER = Columns(Member, "m")
_TOKEN_FIELDS = ("id", "kind", "csrf_token", "created_at", "expires_at", "revoked_at", "member_id")
TOKEN_AND_MEMBER = Statement(
    f"SELECT t.id, t.kind, t.csrf_token, t.created_at, t.expires_at, t.revoked_at, t.member_id, {MEMBER.sql}"
    " FROM auth_token t JOIN member m ON m.id = t.member_id WHERE t.token_hash = ? AND t.kind = ?"
)
MEMBER_BY_ID = Statement(f"SELECT {MEMBER.sql} FROM member m WHERE m.id = ?")


@dataclass(frozen=True, slots=True)
class _Entry:
    token: AuthToken
    until: float


# Keyed by the token's digest (unique across kinds); the kind is checked on every hit.
_entries: OrderedDict[str, _Entry] = OrderedDict()
_by_member: dict[int, set[str]] = {}


def forget(*, secret: str | None = None, token_hash: str | None = None, member_id: int | None = None) -> None:
    """Drop cached sessions: one token (by secret or digest), or every token of a member."""
    if secret is not None:
        token_hash = tokens.digest(secret)
    if token_hash is not None:
        _drop(token_hash)
    if member_id is not None:
        for key in list(_by_member.get(member_id, ())):
            _drop(key)


def forget_all() -> None:
    """Empty the cache (tests that rewrite tokens behind the services' back)."""
    _entries.clear()
    _by_member.clear()


def _drop(key: str) -> None:
    entry = _entries.pop(key, None)
    if entry is not None:
        keys = _by_member.get(entry.token.member_id)
        if keys is not None:
            keys.discard(key)
            if not keys:
                del _by_member[entry.token.member_id]


def _remember(key: str, token: AuthToken) -> None:
    _drop(key)
    _entries[key] = _Entry(token, time.monotonic() + TTL)
    _by_member.setdefault(token.member_id, set()).add(key)
    while len(_entries) > MAX_ENTRIES:
        _drop(next(iter(_entries)))


def _token(row: tuple, token_hash: str) -> AuthToken:
    values = dict(zip(_TOKEN_FIELDS, row[:7], strict=True))
    for name in ("created_at", "expires_at", "revoked_at"):
        values[name] = moment(values[name])
    values["token_hash"] = token_hash
    return hydrate(AuthToken, values)


def _alive(token: AuthToken, now: datetime) -> bool:
    return token.revoked_at is None and token.expires_at > now


async def member_for_token(secret: str, kind: str = "api") -> tuple[Member, AuthToken] | None:
    """The member a live (unexpired, unrevoked) token belongs to, or None: one statement either way."""
    key = token_hash = tokens.digest(secret)
    now = clock.now()
    entry = _entries.get(key)
    if entry is not None and entry.token.kind == kind and entry.until > time.monotonic() and _alive(entry.token, now):
        row = await MEMBER_BY_ID.one(entry.token.member_id)
        if row is not None:
            return MEMBER.load(row), entry.token
    if entry is not None:
        _drop(key)
    row = await TOKEN_AND_MEMBER.one(token_hash, kind)
    if row is None:
        return None
    token = _token(row, token_hash)
    if not _alive(token, now):
        return None
    _remember(key, token)
    return MEMBER.load(row, len(_TOKEN_FIELDS)), token

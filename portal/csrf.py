"""CSRF tokens: every state-changing request must carry one, in a form field or a header.

Signed-in visitors use their session's token (``AuthToken.csrf_token``, stored server-side).
Anonymous forms (log-in, sign-up, the language switcher) use a signed double-submit token: a
random nonce in a cookie, and ``nonce.hmac(PATRON_SECRET_KEY, nonce)`` in the form, so a page on
another site can neither read nor forge the pair.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from starlette.requests import Request
from starlette.responses import Response

from schema.transport import CSRF_HEADER
from server.core.config import Settings

FIELD = "csrf_token"
HEADER = CSRF_HEADER  # also what /graphql asks of mutations signed in by the session cookie
ANON_COOKIE = "patron_csrf"
SECURE_ANON_COOKIE = "__Host-patron_csrf"


def _sign(key: str, nonce: str) -> str:
    return hmac.new(key.encode(), f"csrf:{nonce}".encode(), hashlib.sha256).hexdigest()


def anon_cookie_name(settings: Settings) -> str:
    """``__Host-`` in production, as for the session cookie: no subdomain can plant or read the nonce."""
    return SECURE_ANON_COOKIE if settings.production else ANON_COOKIE


def anonymous_token(request: Request) -> tuple[str, str | None]:
    """The form token for a visitor with no session, and a new nonce to set as cookie (or None)."""
    key = request.app.state.settings.secret_key
    nonce = request.cookies.get(anon_cookie_name(request.app.state.settings)) or ""
    fresh = None
    if len(nonce) < 16:
        nonce = fresh = secrets.token_urlsafe(24)
    return f"{nonce}.{_sign(key, nonce)}", fresh


def set_anonymous_cookie(request: Request, response: Response, nonce: str) -> None:
    settings = request.app.state.settings
    response.set_cookie(
        anon_cookie_name(settings), nonce, path="/", httponly=True, samesite="lax", secure=settings.production
    )


def valid(request: Request, sent: str | None, session_token: str | None) -> bool:
    """Whether ``sent`` matches the session's token, or (no session) the signed double-submit pair."""
    if not sent:
        return False
    if session_token is not None:
        return _same(sent, session_token)
    nonce, _, signature = sent.partition(".")
    cookie = request.cookies.get(anon_cookie_name(request.app.state.settings)) or ""
    if not nonce or not _same(nonce, cookie):
        return False
    return _same(signature, _sign(request.app.state.settings.secret_key, nonce))


def _same(given: str, expected: str) -> bool:
    """Constant-time equality for any text: ``hmac.compare_digest`` refuses non-ASCII ``str`` (a 500)."""
    return hmac.compare_digest(given.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass"))

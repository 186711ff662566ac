"""Server-side sessions in a cookie that only names them (see ``Visit.sign_in``/``sign_out``).

The cookie holds a random secret; the database keeps only its digest as an ``AuthToken`` of
kind ``session`` (with the session's CSRF token). Log-in always issues a new secret (and revokes
the one the browser had), log-out revokes it server-side, so a copied cookie dies at log-out.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from schema.context import SECURE_SESSION_COOKIE, SESSION_COOKIE
from server import accounts
from server.core.config import Settings

MAX_AGE = int(accounts.TOKEN_LIFETIME.total_seconds())


def cookie_name(settings: Settings) -> str:
    """``__Host-`` makes the browser insist on Secure, Path=/ and no Domain: production only."""
    return SECURE_SESSION_COOKIE if settings.production else SESSION_COOKIE


def session_secret(request: Request) -> str | None:
    return request.cookies.get(cookie_name(request.app.state.settings)) or None


def set_cookie(request: Request, response: Response, secret: str) -> None:
    settings: Settings = request.app.state.settings
    response.set_cookie(
        cookie_name(settings),
        secret,
        max_age=MAX_AGE,
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings.production,
    )


def clear(request: Request, response: Response) -> None:
    settings: Settings = request.app.state.settings
    response.delete_cookie(cookie_name(settings), path="/", httponly=True, samesite="lax", secure=settings.production)

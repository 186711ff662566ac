"""One portal request as the page code sees it: who is visiting, in which language, and helpers
to run operations, render pages or fragments, flash messages and redirect.

Route handlers receive a :class:`Visit` (see :mod:`portal.routing`); the CSRF check, the
sign-in guard and the cookies the response needs are handled around them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any
from urllib.parse import quote

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from portal import csrf, graphql, session
from portal.errors import FormErrors
from portal.i18n import LANGUAGE_NAMES, LOCALE_COOKIE, SUPPORTED, choose_locale, gettext
from portal.templating import templates
from schema.context import Context, context_for
from server import accounts
from server.accounts import roles
from server.models import AuthToken, Member

FLASH_COOKIE = "patron_flash"
_URL_SAFE = ":/%#?=@[]!$&'()*+,;"  # what starlette's RedirectResponse leaves unencoded


class Visit:
    """The visitor of one request. Build it with :meth:`begin`."""

    def __init__(self, request: Request, context: Context, locale: str) -> None:
        self.request = request
        self.member: Member | None = context.member
        self.auth: AuthToken | None = context.auth
        self.locale = locale
        self.htmx = request.headers.get("hx-request") == "true"
        self.layout: dict[str, Any] | None = None
        self._context: Context | None = context
        self._form: FormData | None = None
        self._flashes: list[dict[str, str]] = _read_flashes(request)
        self._flashes_shown = False
        self._new_flashes: list[dict[str, str]] = []
        self._new_session: str | None = None
        self._end_session = False
        self._locale_cookie: str | None = None
        self._anon_nonce: str | None = None
        self._anon_token: str | None = None

    @classmethod
    async def begin(cls, request: Request) -> Visit:
        accept = request.headers.get("accept-language")
        context = await context_for(session=session.session_secret(request), accept_language=accept, request=request)
        locale = choose_locale(
            context.member.locale if context.member else None, request.cookies.get(LOCALE_COOKIE), accept
        )
        context.locale = locale
        request_id = request.scope.get("state", {}).get("request_id")
        if request_id:
            context.request_id = request_id
        return cls(request, context, locale)

    # -- language -------------------------------------------------------------------------

    def _(self, message: str, **params: object) -> str:
        """Translate a message in Python code (flashes); templates use ``_()`` / ``{% trans %}``."""
        return gettext(self.locale, message, **params)

    def remember_locale(self, locale: str) -> None:
        """Use ``locale`` from now on (and remember it in a cookie for visitors who are not signed in)."""
        if locale in SUPPORTED:
            self.locale = locale
            self._locale_cookie = locale

    # -- security ---------------------------------------------------------------------------

    @property
    def csrf_token(self) -> str:
        if self.auth is not None and self.auth.csrf_token:
            return self.auth.csrf_token
        if self._anon_token is None:
            self._anon_token, self._anon_nonce = csrf.anonymous_token(self.request)
        return self._anon_token

    async def csrf_ok(self) -> bool:
        sent = self.request.headers.get(csrf.HEADER)
        if not sent and self.request.method not in ("GET", "HEAD"):
            value = (await self.form()).get(csrf.FIELD)
            sent = value if isinstance(value, str) else None
        return csrf.valid(self.request, sent, self.auth.csrf_token if self.auth is not None else None)

    async def form(self) -> FormData:
        if self._form is None:
            self._form = await self.request.form()
        return self._form

    async def field(self, name: str) -> str:
        value = (await self.form()).get(name)
        return value.strip() if isinstance(value, str) else ""

    def has_role(self, role: str) -> bool:
        """``reader``: staff or analyst (the console's reads); ``staff``: staff (its changes)."""
        return roles.can_act(self.member) if role == "staff" else roles.can_read(self.member)

    async def forbidden(self) -> Response:
        """403 for a signed-in visitor without the role a page needs (the console, for members)."""
        if self.member is not None and roles.can_read(self.member):
            message = self._("Your role can look at this but not change it. Ask a staff member.")
        else:
            message = self._("This part of the site is for the loyalty team.")
        return await self.error_page(403, self._("Not allowed"), message)

    # -- sessions ---------------------------------------------------------------------------

    async def sign_in(self, member: Member, secret: str | None = None) -> None:
        """Start a new session for ``member`` (revoking the browser's old one); the cookie is set on finish."""
        old = session.session_secret(self.request)
        if old:
            await accounts.log_out(old, "session")
        secret = secret or await accounts.issue_token(member, "session")
        found = await accounts.member_for_token(secret, "session")
        assert found is not None
        self.member, self.auth = found
        self.locale = member.locale if member.locale in SUPPORTED else self.locale
        self._context = None
        self._new_session = secret

    async def sign_out(self) -> None:
        if self.auth is not None:
            await accounts.revoke(self.auth)
        self.member = self.auth = None
        self._context = None
        self._end_session = True

    # -- data -------------------------------------------------------------------------------

    def context(self) -> Context:
        """A fresh GraphQL context for this visitor (fresh dataloaders: no stale reads after a mutation)."""
        if self._context is not None:
            context, self._context = self._context, None
            return context
        context = Context(member=self.member, auth=self.auth, locale=self.locale, request=self.request)
        request_id = self.request.scope.get("state", {}).get("request_id")
        if request_id:
            context.request_id = request_id
        return context

    async def run(self, operation: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """Run ``portal/operations/<operation>.graphql`` as this visitor and return its ``data``.

        A ``viewer`` selection that spreads ``...Layout`` also feeds the header, so a page needs
        no second round trip for it.
        """
        context = self.context()
        context.locale = self.locale
        data = await graphql.execute(
            operation, context, variables, production=self.request.app.state.settings.production
        )
        viewer = data.get("viewer")
        if isinstance(viewer, dict) and "unreadNotifications" in viewer:
            self.layout = viewer
        return data

    def errors(self, user_errors: list[dict[str, Any]], known_fields: set[str] | None = None) -> FormErrors:
        """``userErrors`` as friendly, translated messages per field (see :mod:`portal.errors`)."""
        return FormErrors.from_user_errors(user_errors, self.locale, known_fields)

    # -- responses --------------------------------------------------------------------------

    def flash(self, text: str, kind: str = "success") -> None:
        """Show ``text`` (already translated) on the next page: this one if rendered, else after a redirect."""
        self._new_flashes.append({"kind": kind, "text": text})

    async def render(self, template: str, *, block: str | None = None, status: int = 200, **values: Any) -> Response:
        """Render ``template``; for an HTMX request with ``block`` given, only that block.

        New flashes ride along with a fragment as an out-of-band swap of the flash area.
        """
        fragment = self.htmx and block is not None
        if self.member is not None and self.layout is None and not fragment:
            await self.run("layout")
        flashes = self._new_flashes if fragment else [*self._flashes, *self._new_flashes]
        if not fragment:
            self._flashes_shown = True
        self._new_flashes = []
        values.update(
            visit=self,
            member=self.member,
            viewer_layout=self.layout,
            csrf_token=self.csrf_token,
            flashes=flashes,
            languages=LANGUAGE_NAMES,
            path=self.request.url.path,
            htmx=self.htmx,
            timezone=(self.layout or {}).get("timezone") or (self.member.timezone if self.member else "UTC"),
        )
        blocks = templates(self.locale)
        response = blocks.TemplateResponse(
            self.request, template, values, status_code=status, block_name=block if fragment else None
        )
        if fragment and flashes:
            extra = blocks.env.get_template("flashes.html").render(flashes=flashes, oob=True)
            response = HTMLResponse(response.body.decode() + extra, status_code=status)
        return response

    async def error_page(self, status: int, title: str, message: str) -> Response:
        """The friendly error page (already-translated ``title`` and ``message``) with ``status``."""
        return await self.render("error.html", status=status, title=title, message=message)

    def redirect(self, url: str) -> Response:
        """303 to ``url``; HTMX requests get ``HX-Redirect`` so the whole page changes."""
        if self.htmx:
            # Encoded as RedirectResponse encodes Location: a raw non-Latin-1 path cannot be sent (a 500), and
            # htmx assigns the header to location.href, which drops tabs and newlines ("/\t/evil" → "//evil").
            return Response(status_code=200, headers={"HX-Redirect": quote(url, safe=_URL_SAFE)})
        return RedirectResponse(url, status_code=303)

    def finish(self, response: Response) -> Response:
        """Apply the cookies this visit changed: session, language, CSRF nonce, flashes."""
        secure = self.request.app.state.settings.production
        if self._new_session:
            session.set_cookie(self.request, response, self._new_session)
        elif self._end_session:
            session.clear(self.request, response)
        if self._locale_cookie:
            response.set_cookie(
                LOCALE_COOKIE, self._locale_cookie, max_age=365 * 86400, path="/", samesite="lax", secure=secure
            )
        if self._anon_nonce and self.auth is None:
            csrf.set_anonymous_cookie(self.request, response, self._anon_nonce)
        key = self.request.app.state.settings.secret_key
        if self._new_flashes:
            pending = self._new_flashes if self._flashes_shown else [*self._flashes, *self._new_flashes]
            response.set_cookie(
                FLASH_COOKIE, _sign_flashes(key, pending), path="/", httponly=True, samesite="lax", secure=secure
            )
        elif self._flashes and self._flashes_shown:
            response.delete_cookie(FLASH_COOKIE, path="/", httponly=True, samesite="lax", secure=secure)
        return response


def _sign_flashes(key: str, flashes: list[dict[str, str]]) -> str:
    payload = base64.urlsafe_b64encode(json.dumps(flashes[:5]).encode()).decode()
    signature = hmac.new(key.encode(), f"flash:{payload}".encode(), hashlib.sha256).hexdigest()[:32]
    return f"{payload}.{signature}"


def _read_flashes(request: Request) -> list[dict[str, str]]:
    raw = request.cookies.get(FLASH_COOKIE) or ""
    payload, _, signature = raw.partition(".")
    if not payload:
        return []
    key = request.app.state.settings.secret_key
    expected = hmac.new(key.encode(), f"flash:{payload}".encode(), hashlib.sha256).hexdigest()[:32]
    if not hmac.compare_digest(signature, expected):
        return []
    try:
        flashes = json.loads(base64.urlsafe_b64decode(payload.encode()))
    except ValueError:
        return []
    return [f for f in flashes if isinstance(f, dict) and {"kind", "text"} <= f.keys()]

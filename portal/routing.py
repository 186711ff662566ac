"""Declaring portal pages: ``@page(path)`` registers a handler that receives a :class:`Visit`.

Around every handler: the visit is built (session, locale), CSRF is checked on every request
that changes state and on every HTMX request (403 without a valid token), signed-out visitors
are sent to log in when the page needs a member, and the visit's cookies are applied.
Modules in ``portal/pages/`` are imported by :func:`collect`, so adding a page module needs no
edit elsewhere.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
import unicodedata
from collections.abc import Awaitable, Callable, Sequence
from urllib.parse import quote

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from portal.graphql import OperationFailed
from portal.visit import Visit

log = logging.getLogger("patron.portal")

Handler = Callable[[Visit], Awaitable[Response]]
_REGISTRY: list[Route] = []
SAFE_METHODS = ("GET", "HEAD")


def page(
    path: str,
    *,
    methods: Sequence[str] = ("GET",),
    member: bool = False,
    role: str | None = None,
    name: str | None = None,
    csrf: bool = True,
):
    """Register ``handler`` at ``path``. ``member=True``: signed-in members only.

    ``csrf=False`` only for a POST whose authority is a signed token in the request itself (RFC
    8058 one-click unsubscribe, which mail clients send without cookies or a form token).

    ``role="reader"`` admits staff and analysts, ``role="staff"`` staff only (the console's
    pages, see ``portal.staff``); anyone else signed in gets 403, and every answer is
    ``no-store``. The services check roles again, so this guard is for a clear answer, not the
    only line of defence.
    """
    if role not in (None, "reader", "staff"):
        raise ValueError(f"unknown role {role!r}")
    member = member or role is not None

    def decorate(handler: Handler) -> Handler:
        async def endpoint(request: Request) -> Response:
            refuse_unsafe_url(request)
            visit = await Visit.begin(request)
            needs_token = csrf and (request.method not in SAFE_METHODS or visit.htmx)
            if needs_token and not await visit.csrf_ok():
                response = await visit.error_page(
                    403, visit._("Session expired"), visit._("This form has expired. Reload the page and try again.")
                )
                return visit.finish(response)
            if member and visit.member is None:
                target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                return visit.finish(visit.redirect(f"/login?next={quote(target, safe='')}"))
            if role is not None and not visit.has_role(role):
                return _no_store(visit.finish(await visit.forbidden()))
            try:
                response = await handler(visit)
            except OperationFailed as failure:
                status = 500 if failure.unexpected else 400
                message = (
                    visit._("Something went wrong on our side. Please try again in a moment.")
                    if failure.unexpected
                    else visit._("That request didn't look right. Please go back and try again.")
                )
                response = await _safe_error(visit, status, message)
            except HTTPException:
                raise
            except Exception:  # a bug must still answer the portal's own page, never a bare "Internal Server Error"
                log.exception("portal page %s failed", request.url.path)
                message = visit._("Something went wrong on our side. Please try again in a moment.")
                response = await _safe_error(visit, 500, message)
            response = visit.finish(response)
            return _no_store(response) if role is not None else response

        endpoint.__name__ = handler.__name__
        _REGISTRY.append(Route(path, endpoint, methods=list(methods), name=name or handler.__name__))
        return handler

    return decorate


def _no_store(response: Response) -> Response:
    """Back-office pages (and their refusals) are never kept by a browser or proxy cache."""
    response.headers["cache-control"] = "no-store"
    return response


async def _safe_error(visit: Visit, status: int, message: str) -> Response:
    try:
        return await visit.error_page(status, visit._("Sorry"), message)
    except OperationFailed:
        visit.member = None  # the layout query failed too: render the page without it
        return await visit.error_page(status, visit._("Sorry"), message)


def refuse_unsafe_url(request: Request) -> None:
    """404 for a URL whose path or query carries a control character (such as ``%00``).

    No page has such a URL, and echoing one into the HTML (a NUL byte in a link or a form field)
    is what a hostile link wants. :func:`portal.routes.http_error` renders the 404 without it.
    """
    values = [request.url.path, *(part for item in request.query_params.multi_items() for part in item)]
    if any(unicodedata.category(ch) == "Cc" for value in values for ch in value):
        raise HTTPException(404)


def collect() -> list[BaseRoute]:
    """Import every module in ``portal/pages`` and ``portal/staff/pages`` (registering their pages)."""
    import portal.pages
    import portal.staff.pages

    for package in (portal.pages, portal.staff.pages):
        for module in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
            importlib.import_module(f"{package.__name__}.{module.name}")
    return list(_REGISTRY)

"""The portal's routes: every page module in ``portal/pages`` plus a friendly 404, and its HTTP errors."""

from __future__ import annotations

from urllib.parse import quote

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from portal.routing import collect, refuse_unsafe_url
from portal.visit import Visit

# Paths that are not portal pages: their HTTP errors stay short plain text.
NOT_PORTAL = ("/graphql", "/static/")


async def not_found(request: Request) -> Response:
    refuse_unsafe_url(request)
    visit = await Visit.begin(request)
    response = await visit.error_page(
        404, visit._("Page not found"), visit._("We couldn't find that page. It may have moved.")
    )
    return visit.finish(response)


async def console_not_found(request: Request) -> Response:
    """Any other URL under /staff: 403 unless the visitor belongs to the loyalty team, then 404."""
    refuse_unsafe_url(request)
    visit = await Visit.begin(request)
    if visit.member is None:
        response = visit.redirect(f"/login?next={quote(request.url.path, safe='')}")
    elif not visit.has_role("reader"):
        response = await visit.forbidden()
    else:
        response = await visit.error_page(
            404, visit._("Page not found"), visit._("We couldn't find that page. It may have moved.")
        )
    response.headers["cache-control"] = "no-store"
    return visit.finish(response)


ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]


async def http_error(request: Request, exc: Exception) -> Response:
    """Starlette's HTTP errors on portal paths as the portal's own translated page.

    A form the parser refuses (more than 1,000 fields, a malformed multipart body), a method a
    page does not take, or a URL with a control character would otherwise answer bare text.
    The page is rendered for a neutral URL, so nothing from the refused one is echoed into it.
    """
    assert isinstance(exc, HTTPException)
    if request.url.path.startswith(NOT_PORTAL):
        return PlainTextResponse(exc.detail, status_code=exc.status_code, headers=exc.headers)
    neutral = Request({**request.scope, "path": "/", "raw_path": b"/", "query_string": b""}, request.receive)
    visit = await Visit.begin(neutral)
    if exc.status_code == 404:
        title, message = visit._("Page not found"), visit._("We couldn't find that page. It may have moved.")
    else:
        title, message = visit._("Sorry"), visit._("That request didn't look right. Please go back and try again.")
    response = await visit.error_page(exc.status_code, title, message)
    for name, value in (exc.headers or {}).items():
        response.headers[name] = value
    if request.url.path.startswith("/staff"):
        response.headers["cache-control"] = "no-store"  # as every console answer
    return visit.finish(response)


def portal_routes() -> list[BaseRoute]:
    return [
        *collect(),
        Route("/staff", console_not_found, methods=ALL_METHODS),
        Route("/staff/{path:path}", console_not_found, methods=ALL_METHODS),
        Route("/{path:path}", not_found, methods=["GET", "HEAD"]),
    ]

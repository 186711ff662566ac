"""The portal's routes: every page module in ``portal/pages`` plus a friendly 404."""

from __future__ import annotations

from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from portal.routing import collect
from portal.visit import Visit


async def not_found(request: Request) -> Response:
    visit = await Visit.begin(request)
    response = await visit.error_page(
        404, visit._("Page not found"), visit._("We couldn't find that page. It may have moved.")
    )
    return visit.finish(response)


async def console_not_found(request: Request) -> Response:
    """Any other URL under /staff: 403 unless the visitor belongs to the loyalty team, then 404."""
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


def portal_routes() -> list[BaseRoute]:
    return [
        *collect(),
        Route("/staff", console_not_found, methods=ALL_METHODS),
        Route("/staff/{path:path}", console_not_found, methods=ALL_METHODS),
        Route("/{path:path}", not_found, methods=["GET", "HEAD"]),
    ]

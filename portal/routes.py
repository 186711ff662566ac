"""The portal's routes: every page module in ``portal/pages`` plus a friendly 404."""

from __future__ import annotations

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


def portal_routes() -> list[BaseRoute]:
    return [*collect(), Route("/{path:path}", not_found, methods=["GET", "HEAD"])]

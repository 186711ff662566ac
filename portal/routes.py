"""Portal routes (the full portal is built by the portal work)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import BaseRoute, Route


async def home(request: Request) -> HTMLResponse:
    return HTMLResponse("<!doctype html><title>Patron</title><h1>Patron</h1><p>The API is at /graphql.</p>")


def portal_routes() -> list[BaseRoute]:
    return [Route("/", home)]

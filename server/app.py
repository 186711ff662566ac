"""The application factory: the GraphQL API at /graphql and the member portal at /."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from server.config import Settings, get_settings
from server.database import close_db, init_db
from server.http import BodyLimitMiddleware, SecurityHeadersMiddleware

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"


class CachedStatic(StaticFiles):
    """Static files with a cache lifetime: they are versioned by query string in templates."""

    def file_response(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        response = super().file_response(*args, **kwargs)
        response.headers["cache-control"] = "public, max-age=86400"
        return response


def create_app(settings: Settings | None = None, *, manage_db: bool = True) -> Starlette:
    """Build the ASGI app. ``manage_db=False`` lets tests own the database connections."""
    from portal.routes import portal_routes
    from schema.api import get_schema
    from schema.endpoint import PatronGraphQL

    settings = settings or get_settings()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    graphql = PatronGraphQL(
        get_schema(production=settings.production),
        graphql_ide=None if settings.production else "graphiql",
    )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if manage_db:
            await init_db(settings.database_url)
        try:
            yield
        finally:
            if manage_db:
                await close_db()

    routes = [
        Route("/graphql", graphql, methods=["GET", "POST"]),
        Mount("/static", CachedStatic(directory=STATIC_DIR), name="static"),
        *portal_routes(),
    ]
    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        middleware=[Middleware(SecurityHeadersMiddleware), Middleware(BodyLimitMiddleware)],
    )
    app.state.settings = settings
    return app


def app_factory() -> Starlette:
    """Entry point for ``uvicorn --factory`` (one app per worker process)."""
    return create_app()

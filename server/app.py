"""The application factory: the GraphQL API at /graphql and the member portal at /."""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import ctypes.util
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from server.core import clock
from server.core.config import Settings, get_settings
from server.core.database import close_db, init_db
from server.http import BodyLimitMiddleware, PatronApp, SecurityHeadersMiddleware, server_error
from server.jobs import registered
from server.jobs.scheduler import schedule_forever
from server.messages import outbox
from server.ops import logs
from server.points.program import get_program
from server.probes import probe_routes

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
M_MMAP_THRESHOLD = -3  # mallopt parameter, from glibc's malloc.h
SHUTDOWN_GRACE = 8.0  # seconds background work gets to reach a batch boundary (uvicorn allows 10)


class CachedStatic(StaticFiles):
    """Static files with a cache lifetime: they are versioned by query string in templates."""

    def file_response(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        response = super().file_response(*args, **kwargs)
        response.headers["cache-control"] = "public, max-age=86400"
        return response


def create_app(settings: Settings | None = None, *, manage_db: bool = True) -> Starlette:
    """Build the ASGI app. ``manage_db=False`` lets tests own the database connections."""
    from portal.routes import http_error, portal_routes
    from schema.api import get_schema
    from schema.endpoint import PatronGraphQL

    settings = settings or get_settings()
    clock.shift(settings.clock_offset)
    get_program()  # a bad PATRON_PROGRAM stops each worker at start-up, not at its first request
    graphiql = settings.env == "development"
    logs.configure(json_lines=settings.json_logs)
    graphql = PatronGraphQL(
        get_schema(production=settings.production),
        graphql_ide="graphiql" if graphiql else None,
        own_hosts=(urlsplit(settings.base_url).netloc,),
    )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if manage_db:
            await init_db(settings.database_url)
        stop = asyncio.Event()
        background = []
        if manage_db:
            registered()  # loads every domain's jobs and outbox channels
            if settings.jobs_interval:
                background.append(asyncio.create_task(schedule_forever(settings.jobs_interval, stop)))
            if settings.outbox_interval:
                background.append(asyncio.create_task(outbox.send_forever(stop, settings.outbox_interval)))
        try:
            yield
        finally:
            # Jobs stop at their next batch boundary; whatever is still running after that is cancelled.
            stop.set()
            if background:
                _, pending = await asyncio.wait(background, timeout=SHUTDOWN_GRACE)
                for task in pending:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
            if manage_db:
                await close_db()

    routes = [
        Route("/graphql", graphql, methods=["GET", "POST"]),
        *probe_routes(),
        Mount("/static", CachedStatic(directory=STATIC_DIR), name="static"),
        *portal_routes(),
    ]
    app = PatronApp(
        routes=routes,
        lifespan=lifespan,
        outermost=Middleware(SecurityHeadersMiddleware, graphiql=graphiql, hsts=settings.production),
        middleware=[Middleware(BodyLimitMiddleware)],
        exception_handlers={Exception: server_error, HTTPException: http_error},
    )
    app.state.settings = settings
    return app


def release_large_allocations(threshold: int = 1024 * 1024) -> bool:
    """Serve blocks of ``threshold`` bytes or more from mmap, so freeing them returns the memory.

    Each argon2 hash allocates 19 MiB in a worker thread. glibc's adaptive threshold soon
    keeps blocks that size in per-thread arenas, and a worker's RSS then stays about 110 MiB
    higher after a burst of logins (measured with bench/api_bench.py). A fixed threshold turns
    the adaptation off. This is a no-op when the C library is not glibc.
    """
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return bool(libc.mallopt(M_MMAP_THRESHOLD, threshold))
    except (OSError, AttributeError):
        return False


def app_factory() -> Starlette:
    """Entry point for ``uvicorn --factory`` (one app per worker process)."""
    from server.core.config import require_for_serving

    release_large_allocations()
    require_for_serving(get_settings())  # a production worker without mail settings stops here
    return create_app()

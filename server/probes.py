"""The operators' URLs on the main port: /healthz, /readyz and /metrics.

``/healthz`` answers 200 while the process runs (liveness: restart me if I stop answering).
``/readyz`` answers 200 when the database answers and every migration is applied, else 503
with the reason (readiness: send me no traffic yet). ``/metrics`` is Prometheus' text format:
open outside production; in production only to ``Authorization: Bearer $PATRON_METRICS_TOKEN``,
and without a token configured it does not exist (404), so a forgotten setting never
publishes it.
"""

from __future__ import annotations

import hmac

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from server.core.config import Settings
from server.messages import outbox
from server.ops import health, metrics

NO_STORE = {"cache-control": "no-store"}


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"}, headers=NO_STORE)


async def readyz(request: Request) -> Response:
    reason = await health.readiness()
    if reason is not None:
        return JSONResponse({"status": "unavailable", "reason": reason}, status_code=503, headers=NO_STORE)
    return JSONResponse({"status": "ready"}, headers=NO_STORE)


def metrics_refusal(settings: Settings, authorization: str | None) -> Response | None:
    """None when this caller may read /metrics, else the answer it gets."""
    if not settings.production:
        return None
    if not settings.metrics_token:
        return PlainTextResponse("Not Found", status_code=404, headers=NO_STORE)
    scheme, _, given = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), settings.metrics_token.encode()):
        return PlainTextResponse(
            "Forbidden", status_code=403, headers={**NO_STORE, "www-authenticate": 'Bearer realm="metrics"'}
        )
    return None


async def metrics_endpoint(request: Request) -> Response:
    refusal = metrics_refusal(request.app.state.settings, request.headers.get("authorization"))
    if refusal is not None:
        return refusal
    try:
        backlog = await outbox.backlog()
    except Exception:  # the database is down: still show the process's own metrics
        backlog = {}
    return Response(metrics.exposition(backlog), media_type=metrics.CONTENT_TYPE, headers=NO_STORE)


def probe_routes() -> list[Route]:
    return [
        Route("/healthz", healthz, methods=["GET", "HEAD"]),
        Route("/readyz", readyz, methods=["GET", "HEAD"]),
        Route("/metrics", metrics_endpoint, methods=["GET"]),
    ]

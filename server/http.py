"""ASGI middleware shared by the API and the portal: body limits, request ids, security headers.

The order matters: :class:`SecurityHeadersMiddleware` is the outermost layer of the app (see
:class:`PatronApp`), outside even Starlette's ``ServerErrorMiddleware``, so every response the
app produces -- 400, 413, 415 and 500 from any layer included -- carries the security headers
and ``X-Request-ID``, and no exception ever reaches the server (which would close the
connection and drop the client's next keep-alive request).
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.ops import logs, metrics

MAX_BODY = 1024 * 1024  # 1 MiB
log = logging.getLogger("patron.http")
access = logging.getLogger("patron.access")
# An id the load balancer or caller sent is kept (so one id follows a request across services).
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
# Probes and assets are logged at DEBUG: a load balancer asking every few seconds would drown the rest.
_QUIET = ("/healthz", "/readyz", "/metrics", "/static/")


class BodyTooLarge(Exception):
    pass


class BodyLimitMiddleware:
    """Answer 413 for request bodies over ``limit`` bytes, declared or streamed."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = self.limit + 1
                if declared > self.limit:
                    await _plain(send, 413, b"Request body larger than 1 MiB")
                    return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await _plain(send, 413, b"Request body larger than 1 MiB")


class SecurityHeadersMiddleware:
    """Headers every response carries; the CSP allows no inline script.

    Being outermost, it also sees every request from start to end: it opens the request's log
    context (:mod:`server.ops.logs`), writes the access line and counts the request in metrics.
    """

    HEADERS = [
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"strict-origin-when-cross-origin"),
        (b"x-frame-options", b"DENY"),
        (
            b"content-security-policy",
            b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            b"object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
        ),
    ]
    # GraphiQL (development only) loads its own inline bundle; it gets a looser policy.
    IDE_CSP = (
        b"default-src 'self' 'unsafe-inline' 'unsafe-eval' https: data:; frame-ancestors 'none'"
    )

    HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")
    # A page may ask for a stricter value than the default (a reset page: no-referrer); the rest are fixed.
    OVERRIDABLE = {b"referrer-policy"}

    def __init__(self, app: ASGIApp, *, graphiql: bool = False, hsts: bool = False) -> None:
        self.app = app
        self.graphiql = graphiql
        self.extra = [self.HSTS] if hsts else []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _incoming_request_id(scope) or uuid.uuid4().hex[:16]
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        started = False
        status = 500
        began = time.perf_counter()
        info = logs.RequestInfo(request_id)
        context = logs.CURRENT.set(info)

        async def with_headers(message: Message) -> None:
            nonlocal started
            nonlocal status
            if message["type"] == "http.response.start":
                started = True
                status = message["status"]
                own = {k.lower() for k, _ in message.get("headers", [])} & self.OVERRIDABLE
                ours = [h for h in self.HEADERS + self.extra if h[0] not in own]
                headers = [h for h in message.get("headers", []) if h[0].lower() not in {k for k, _ in ours}]
                is_ide = (
                    self.graphiql
                    and scope.get("path") == "/graphql"
                    and scope.get("method") == "GET"
                    and any(k == b"content-type" and v.startswith(b"text/html") for k, v in headers)
                )
                for key, value in ours:
                    if key == b"content-security-policy" and is_ide:
                        value = self.IDE_CSP
                    headers.append((key, value))
                headers.append((b"x-request-id", request_id.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, with_headers)
        except Exception:
            # The last resort: Starlette has answered 500 (through ``server_error``) and re-raised.
            if not state.get("error_logged"):
                log.exception("request %s failed", request_id)
            if not started:
                await _plain(with_headers, 500, f"Unexpected error (request {request_id}).".encode())
        finally:
            _finished(scope, status, time.perf_counter() - began, info)
            logs.CURRENT.reset(context)


def _incoming_request_id(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"x-request-id":
            text = value.decode("latin-1")
            return text if _REQUEST_ID.match(text) else None
    return None


def _finished(scope: Scope, status: int, seconds: float, info: logs.RequestInfo) -> None:
    """The access line and the request metrics (route template, never the raw path: bounded labels)."""
    route = scope.get("route")
    template = getattr(route, "path", None) or "unmatched"
    path = scope.get("path", "")
    method = scope.get("method", "")
    try:
        metrics.observe_request(method, template, info.operation, status, seconds)
    except Exception:  # metrics must never break a request
        log.exception("recording request metrics failed")
    level = logging.DEBUG if path.startswith(_QUIET) else logging.INFO
    if access.isEnabledFor(level):
        access.log(
            level,
            "%s %s %s",
            method,
            path,
            status,
            extra={
                "method": method,
                "path": path,  # never the query string: reset and unsubscribe links carry tokens there
                "route": template,
                "status": status,
                "duration_ms": round(seconds * 1000, 1),
            },
        )


async def server_error(request: Request, exc: Exception) -> Response:
    """Starlette's 500 handler: log with the request id, answer it without internals."""
    request_id = request.scope.get("state", {}).get("request_id", "-")
    log.error("request %s failed", request_id, exc_info=exc)
    request.scope.setdefault("state", {})["error_logged"] = True
    return PlainTextResponse(f"Unexpected error (request {request_id}).", status_code=500)


class PatronApp(Starlette):
    """Starlette with ``outermost`` wrapped around its whole stack, ``ServerErrorMiddleware`` included."""

    def __init__(self, *args: object, outermost: Middleware, **kwargs: object) -> None:
        self.outermost = outermost
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    def build_middleware_stack(self) -> ASGIApp:
        cls, args, kwargs = self.outermost
        return cls(super().build_middleware_stack(), *args, **kwargs)  # type: ignore[misc]


async def _plain(send: Send, status: int, body: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})

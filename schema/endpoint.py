"""The HTTP GraphQL endpoint: strawberry's ASGI view with Patron's context and rules."""

from __future__ import annotations

import json
from typing import Any

from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from strawberry.asgi import GraphQL

from schema.context import SECURE_SESSION_COOKIE, SESSION_COOKIE, Context, context_for


class PatronGraphQL(GraphQL):
    """Bearer tokens, partner keys or the portal's session cookie identify the caller."""

    async def get_context(self, request: Any, response: Any) -> Context:
        auth = request.headers.get("authorization", "")
        bearer = auth[7:].strip() if auth.lower().startswith("bearer ") else None
        session = request.cookies.get(SECURE_SESSION_COOKIE) or request.cookies.get(SESSION_COOKIE)
        context = await context_for(
            bearer=bearer,
            session=None if bearer else session,
            partner_key=request.headers.get("x-partner-key"),
            accept_language=request.headers.get("accept-language"),
            request=request,
            response=response,
        )
        request_id = request.scope.get("state", {}).get("request_id")
        if request_id:
            context.request_id = request_id
        return context

    def parse_json(self, data: str | bytes) -> Any:
        """Only a JSON object (or a list, which batching then refuses) is a request; all else is a 400."""
        try:
            parsed = json.loads(data)
        except ValueError as exc:  # includes bodies that are not UTF-8
            raise HTTPException(400, "Unable to parse request body as JSON") from exc
        if not isinstance(parsed, dict | list):
            raise HTTPException(400, "The request body must be a JSON object.")
        return parsed

    async def run(self, request: Request, **kwargs: Any) -> Response:  # type: ignore[override]
        if request.method == "POST":
            content_type = request.headers.get("content-type", "")
            if "application/json" not in content_type:
                return PlainTextResponse("Send GraphQL requests as application/json.", status_code=415)
        return await super().run(request, **kwargs)

"""The HTTP GraphQL endpoint: strawberry's ASGI view with Patron's context and rules.

GraphQL over HTTP as the spec (and graphql-http's audit) reads it:

- a POST body must be ``application/json`` (or ``application/graphql-response+json``), parsed
  as a media type, else 415; it must be a JSON object with a string ``query``, else 400;
- the answer is in the media type the client's ``Accept`` prefers (see
  :func:`schema.transport.response_media_type`);
- a request error (the document does not parse or validate, or variables do not coerce) has no
  ``data`` entry, and is a 400 under ``application/graphql-response+json`` (200 under the legacy
  ``application/json``, as the spec asks);
- a mutation over GET is a 405; HTTP-level refusals answer a JSON ``errors`` list too;
- a mutation signed in by the portal's session cookie alone must pass
  :func:`schema.transport.session_csrf_refusal` (403 otherwise).
"""

from __future__ import annotations

import json
import re
from typing import Any

from cross_web import HTTPException, StarletteRequestAdapter
from graphql import parse
from starlette.requests import Request
from starlette.responses import Response
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData, process_result
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType
from strawberry.utils.operation import get_operation_type

from schema import transport
from schema.context import SECURE_SESSION_COOKIE, SESSION_COOKIE, Context, context_for
from server.ops import logs

ERROR_CODES = {400: "BAD_REQUEST", 403: "FORBIDDEN", 405: "METHOD_NOT_ALLOWED", 415: "UNSUPPORTED_MEDIA_TYPE"}


class JsonBodyAdapter(StarletteRequestAdapter):
    """Strawberry reads the body as JSON when its content type *contains* "application/json".

    :meth:`PatronGraphQL.run` has already accepted the media type properly (any case, with
    parameters, or application/graphql-response+json), so a POST body here is JSON.
    """

    @property
    def content_type(self) -> str | None:
        return transport.JSON if self.method == "POST" else super().content_type


class PatronGraphQL(GraphQL):
    """Bearer tokens, partner keys or the portal's session cookie identify the caller."""

    request_adapter_class = JsonBodyAdapter

    def __init__(self, *args: Any, own_hosts: tuple[str, ...] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.own_hosts = own_hosts  # host[:port] of PATRON_BASE_URL: an Origin naming it is this site

    async def get_context(self, request: Any, response: Any) -> Context:
        auth = request.headers.get("authorization", "")
        bearer = auth[7:].strip() if auth.lower().startswith("bearer ") else None
        session = request.cookies.get(SECURE_SESSION_COOKIE) or request.cookies.get(SESSION_COOKIE)
        partner_key = request.headers.get("x-partner-key")
        context = await context_for(
            bearer=bearer,
            session=None if bearer else session,
            partner_key=partner_key,
            accept_language=request.headers.get("accept-language"),
            request=request,
            response=response,
        )
        request_id = request.scope.get("state", {}).get("request_id")
        if request_id:
            context.request_id = request_id
        if context.member is not None and bearer is None and partner_key is None:
            # The session cookie is the only credential: decide now whether it may carry a mutation.
            hosts = (*self.own_hosts, request.headers.get("host", ""))
            token = context.auth.csrf_token if context.auth is not None else None
            context.extra["session_refusal"] = transport.session_csrf_refusal(request.headers, token, hosts)
        return context

    def parse_json(self, data: str | bytes) -> Any:
        """Only a JSON object (or a list, which batching then refuses) is a request; all else is a 400."""
        try:
            parsed = json.loads(data)
        except ValueError as exc:  # includes bodies that are not UTF-8
            raise HTTPException(400, "Unable to parse request body as JSON") from exc
        except RecursionError:
            raise HTTPException(400, "The request body is nested too deeply.") from None
        if not isinstance(parsed, dict | list):
            raise HTTPException(400, "The request body must be a JSON object.")
        return parsed

    async def parse_http_body(self, request: Any) -> GraphQLRequestData | list[GraphQLRequestData]:
        data = await super().parse_http_body(request)
        if isinstance(data, GraphQLRequestData) and not isinstance(data.operation_name, str | None):
            raise HTTPException(400, "The GraphQL operation's `operationName` must be a string or null, if provided.")
        return data

    async def execute_single(
        self,
        request: Any,
        request_adapter: Any,
        sub_response: Any,
        context: Context,
        root_value: Any,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        """Refuse a mutation over GET (405) or one the session cookie may not carry (403) before it runs."""
        logs.annotate(operation=request_data.operation_name or _operation_name(request_data.query))
        refusal = context.extra.get("session_refusal") if isinstance(context, Context) else None
        if refusal or request_adapter.method == "GET":
            operation = _operation_type(request_data)
            if operation is OperationType.MUTATION and request_adapter.method == "GET":
                raise HTTPException(405, "Mutations are not allowed over GET; send them as POST.")
            if operation is OperationType.MUTATION and refusal:
                raise HTTPException(403, refusal)
        return await super().execute_single(request, request_adapter, sub_response, context, root_value, request_data)

    async def process_result(self, request: Request, result: ExecutionResult) -> GraphQLHTTPResponse:
        response = process_result(result)
        if _is_request_error(result):
            # The operation never ran: the spec's "request error" has no data entry at all.
            response.pop("data", None)
            request.state.graphql_request_error = True
        return response

    async def run(self, request: Request, **kwargs: Any) -> Response:  # type: ignore[override]
        media_type = transport.response_media_type(request.headers.get("accept"))
        if request.method == "POST":
            refusal = transport.request_media_refusal(request.headers.get("content-type"))
            if refusal:
                return _error_response(415, refusal, media_type)
        try:
            response = await super().run(request, **kwargs)
        except HTTPException as error:
            return _error_response(error.status_code, error.reason, media_type)
        if response.media_type == "application/json" or response.headers.get("content-type") == "application/json":
            response.headers["content-type"] = f"{media_type}; charset=utf-8"
            if media_type == transport.GRAPHQL_RESPONSE and getattr(request.state, "graphql_request_error", False):
                response.status_code = 400
        return response


_NAMED_OPERATION = re.compile(r"^\s*(?:query|mutation|subscription)\s+([A-Za-z_]\w*)")


def _operation_name(query: str | None) -> str | None:
    """The name of a document's first operation, read without parsing (for logs and metrics)."""
    match = _NAMED_OPERATION.match(query or "")
    return match.group(1) if match else None


def _operation_type(request_data: GraphQLRequestData) -> OperationType | None:
    """The operation's type, or None when the document does not parse (execution then says why)."""
    from schema.api import MAX_TOKENS

    try:
        document = parse(request_data.query or "", max_tokens=MAX_TOKENS)
        return get_operation_type(document, request_data.operation_name)
    except Exception:  # a syntax error, too many tokens, an unknown operationName: execution answers it
        return None


def _is_request_error(result: ExecutionResult) -> bool:
    """Parse, validation and variable-coercion failures: no data and no error tied to a field."""
    return result.data is None and bool(result.errors) and all(error.path is None for error in result.errors)


def _error_response(status: int, message: str, media_type: str) -> Response:
    body = {"errors": [{"message": message, "extensions": {"code": ERROR_CODES.get(status, "BAD_REQUEST")}}]}
    headers = {"allow": "POST"} if status == 405 else None
    return Response(
        json.dumps(body), status_code=status, media_type=f"{media_type}; charset=utf-8", headers=headers
    )

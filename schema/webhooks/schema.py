"""Partner webhooks: a key with the webhooks:manage scope lists, subscribes and deletes its endpoints."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from schema.errors import attempt
from schema.points.schema import decode_id
from schema.webhooks.types import WebhookEndpoint, WebhookEndpointPayload, WebhookEvent, endpoint_type
from server import webhooks


@strawberry.type
class WebhookQuery:
    @strawberry.field(description="Partner key with the webhooks:manage scope: its own endpoints.")
    async def webhook_endpoints(self, info: Info) -> list[WebhookEndpoint]:
        return [endpoint_type(row) for row in await webhooks.endpoints_of(info.context.partner)]


def _failed(errors) -> WebhookEndpointPayload:  # type: ignore[no-untyped-def]
    return WebhookEndpointPayload(endpoint=None, user_errors=errors)


@strawberry.type
class WebhookMutation:
    @strawberry.mutation(
        description="Partner key with the webhooks:manage scope: subscribe an https URL to events (http only to "
        "localhost, 127.0.0.1 or ::1 outside production; INVALID_INPUT on url otherwise). The signing secret is "
        "returned once, here. Subscribing a URL the partner already has updates its events and re-enables it."
    )
    async def create_webhook_endpoint(
        self,
        info: Info,
        url: Annotated[str, strawberry.argument(description="Where to POST events.")],
        events: Annotated[list[WebhookEvent], strawberry.argument(description="The events to receive; at least one.")],  # type: ignore[valid-type]
    ) -> WebhookEndpointPayload:
        async def action() -> WebhookEndpointPayload:
            row, secret = await webhooks.create_endpoint(info.context.partner, url, list(events))
            return WebhookEndpointPayload(endpoint=endpoint_type(row), secret=secret)

        return await attempt(action, _failed, info.context.locale)

    @strawberry.mutation(
        description="Partner key with the webhooks:manage scope: delete an endpoint; it gets no more deliveries. "
        "Another partner's endpoint answers NOT_FOUND."
    )
    async def delete_webhook_endpoint(
        self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="The endpoint's id.")]
    ) -> WebhookEndpointPayload:
        async def action() -> WebhookEndpointPayload:
            row = await webhooks.delete_endpoint(info.context.partner, decode_id(id, "WebhookEndpoint", "id"))
            return WebhookEndpointPayload(endpoint=endpoint_type(row))

        return await attempt(action, _failed, info.context.locale)

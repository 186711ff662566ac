"""GraphQL types of partner webhooks: endpoints, their delivery log, the events partners subscribe to."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry import relay
from strawberry.types import Info

from schema.enums import described_enum
from schema.errors import USER_ERRORS, UserError
from schema.pagination import (
    CURSOR,
    EDGES,
    NODE,
    PAGE_INFO,
    TOTAL_COUNT,
    After,
    First,
    PageInfo,
    connection,
    newest_first,
)
from server import webhooks
from server.models import OutboxStatus, WebhookEventType
from server.models import WebhookDelivery as DeliveryRow
from server.models import WebhookEndpoint as EndpointRow

WebhookEvent = described_enum(
    WebhookEventType,
    name="WebhookEvent",
    description="What a webhook endpoint can be told about; every payload carries the member's id (memberId).",
    values={
        "POINTS_EARNED": "A ledger credit (payload: kind, points, balance, entryId, reference).",
        "POINTS_SPENT": "A ledger debit, expiry included (payload: kind, points, balance, entryId, reference).",
        "TIER_CHANGED": "The member's tier moved (payload: fromTier, toTier, direction UP or DOWN).",
        "REDEMPTION_ISSUED": "A voucher was issued (payload: redemptionId, benefitId, quantity, pointsSpent).",
        "REFERRAL_REWARDED": "A referral was rewarded, about the referrer "
        "(payload: referralId, refereeId, referrerPoints, refereePoints).",
        "REVIEW_PUBLISHED": "A review was published (payload: reviewId, subject, rating, points).",
        "TICKET_ANSWERED": "Staff answered a care ticket (payload: ticketId, category, status, firstResponse).",
    },
)


@strawberry.type(description="One event sent to one endpoint: its attempts so far.")
class WebhookDelivery:
    row: strawberry.Private[DeliveryRow]

    @strawberry.field(description="Same for every attempt of one event: receivers de-duplicate on it.")
    def event_id(self) -> str:
        return self.row.event.event_id

    @strawberry.field(description="Which event it is.")
    def event(self) -> WebhookEvent:  # type: ignore[valid-type]
        return self.row.event.type

    @strawberry.field(description="HTTP requests made so far.")
    def attempts(self) -> int:
        return self.row.message.attempts if self.row.message else 0

    @strawberry.field(description="HTTP status of the last attempt; null when it never connected.")
    def last_status(self) -> int | None:
        return self.row.message.last_status if self.row.message else None

    @strawberry.field(description="When the receiver accepted it (a 2xx answer); null until then.")
    def delivered_at(self) -> datetime | None:
        return self.row.message.sent_at if self.row.message else None

    @strawberry.field(description="When it will be tried next; null once delivered, given up or cancelled.")
    def next_attempt_at(self) -> datetime | None:
        message = self.row.message
        return message.next_attempt_at if message and message.status is OutboxStatus.PENDING else None


@strawberry.type(description="A delivery in a page of an endpoint's delivery log.")
class WebhookDeliveryEdge:
    cursor: str = strawberry.field(description=CURSOR)
    node: WebhookDelivery = strawberry.field(description=NODE)


@strawberry.type(description="A page of an endpoint's deliveries, newest first.")
class WebhookDeliveryConnection:
    edges: list[WebhookDeliveryEdge] = strawberry.field(description=EDGES)
    page_info: PageInfo = strawberry.field(description=PAGE_INFO)
    total_count: int = strawberry.field(description=TOTAL_COUNT)


@strawberry.type(description="A partner's URL that receives signed events.")
class WebhookEndpoint(relay.Node):
    row_id: relay.NodeID[int]
    row: strawberry.Private[EndpointRow]

    @strawberry.field(description="Where events are POSTed.")
    def url(self) -> str:
        return self.row.url

    @strawberry.field(description="The events it receives.")
    def events(self) -> list[WebhookEvent]:  # type: ignore[valid-type]
        return [WebhookEventType(event) for event in self.row.events]

    @strawberry.field(
        description="False once repeated failures disabled it (nothing is sent); subscribing the URL again "
        "re-enables it."
    )
    def active(self) -> bool:
        return self.row.active

    @strawberry.field(description="When it was subscribed.")
    def created_at(self) -> datetime:
        return self.row.created_at

    @strawberry.field(description="Deliveries, newest first.")
    async def deliveries(self, first: First = 20, after: After = None) -> WebhookDeliveryConnection:
        page = await newest_first(webhooks.deliveries(self.row.id), first, after)
        return connection(page, WebhookDeliveryConnection, WebhookDeliveryEdge, lambda row: WebhookDelivery(row=row))

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids, required: bool = False):  # type: ignore[override]
        # Only the calling partner's own endpoints; anyone else's answer null, like missing ones.
        own = {row.id: row for row in await webhooks.endpoints_of(info.context.partner)}
        return [endpoint_type(own[int(i)]) if int(i) in own else None for i in node_ids]


def endpoint_type(row: EndpointRow) -> WebhookEndpoint:
    return WebhookEndpoint(row_id=row.id, row=row)


@strawberry.type(description="The answer to createWebhookEndpoint and deleteWebhookEndpoint.")
class WebhookEndpointPayload:
    endpoint: WebhookEndpoint | None = strawberry.field(description="The endpoint; null on failure.")
    secret: str | None = strawberry.field(
        default=None, description="The signing secret, only in the answer to createWebhookEndpoint."
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list, description=USER_ERRORS)

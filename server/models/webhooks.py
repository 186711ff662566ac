"""Partner webhooks: endpoints, the events they hear of, and one delivery row per event sent to an endpoint."""

from __future__ import annotations

import enum

from tortoise import fields
from tortoise.models import Model


class WebhookEventType(str, enum.Enum):
    POINTS_EARNED = "POINTS_EARNED"
    POINTS_SPENT = "POINTS_SPENT"
    TIER_CHANGED = "TIER_CHANGED"
    REDEMPTION_ISSUED = "REDEMPTION_ISSUED"
    REFERRAL_REWARDED = "REFERRAL_REWARDED"
    REVIEW_PUBLISHED = "REVIEW_PUBLISHED"
    TICKET_ANSWERED = "TICKET_ANSWERED"


class WebhookEndpoint(Model):
    """A partner's URL subscribed to some events.

    The signing secret is kept as issued (a webhook is signed with it, so it cannot be a hash);
    the API returns it once, when the endpoint is created. ``failure_count`` counts failed
    attempts since the last success; an endpoint failing long enough is disabled (``active``
    false) and stays listed until the partner deletes it or subscribes the URL again.
    """

    id = fields.IntField(primary_key=True)
    partner: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Partner", related_name="webhook_endpoints", on_delete=fields.CASCADE
    )
    url = fields.CharField(max_length=2000)
    events = fields.JSONField(default=list)
    secret = fields.CharField(max_length=80)
    active = fields.BooleanField(default=True)
    failure_count = fields.IntField(default=0)
    failing_since = fields.DatetimeField(null=True)
    disabled_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField()
    deleted_at = fields.DatetimeField(null=True)

    class Meta:
        table = "webhook_endpoint"
        indexes = (("partner_id", "deleted_at"),)


class WebhookEvent(Model):
    """Something that happened to a member, as partners hear of it, written with the change itself.

    Stored only while some endpoint subscribes to its type, so ``patron webhooks replay`` can send
    it again. ``event_id`` is what receivers de-duplicate on: the same for every attempt and replay.
    """

    id = fields.BigIntField(primary_key=True)
    event_id = fields.CharField(max_length=40, unique=True)
    type = fields.CharEnumField(WebhookEventType, max_length=32)
    # A plain id, not a foreign key: erasing a member does not rewrite what partners were told.
    member_id = fields.IntField(null=True)
    payload = fields.JSONField(default=dict)
    occurred_at = fields.DatetimeField()

    class Meta:
        table = "webhook_event"
        indexes = (("occurred_at",),)


class WebhookDelivery(Model):
    """One event sent (or being sent) to one endpoint: the partner's delivery log.

    Its attempts, last status and times are those of the outbox row that carries it (``message``),
    so there is one record of what was tried; a replay is a new delivery of the same event.
    """

    id = fields.BigIntField(primary_key=True)
    endpoint: fields.ForeignKeyRelation[WebhookEndpoint] = fields.ForeignKeyField(
        "models.WebhookEndpoint", related_name="deliveries", on_delete=fields.CASCADE
    )
    event: fields.ForeignKeyRelation[WebhookEvent] = fields.ForeignKeyField(
        "models.WebhookEvent", related_name="deliveries", on_delete=fields.CASCADE
    )
    message: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.OutboxMessage", related_name="webhook_deliveries", null=True, on_delete=fields.SET_NULL
    )
    replay = fields.BooleanField(default=False)
    created_at = fields.DatetimeField()

    class Meta:
        table = "webhook_delivery"
        indexes = (("endpoint_id", "id"),)

"""The one outbox: messages (e-mail, partner webhooks) committed with the change they describe."""

from __future__ import annotations

import enum

from tortoise import fields
from tortoise.models import Model


class OutboxStatus(str, enum.Enum):
    PENDING = "PENDING"  # waiting for its next attempt
    SENT = "SENT"
    FAILED = "FAILED"  # given up after the channel's retries, or refused for good
    CANCELLED = "CANCELLED"  # no longer wanted (endpoint deleted, address undeliverable, account erased)


class OutboxMessage(Model):
    """One message to deliver on one channel.

    Written in the same transaction as the change it describes, so nothing is sent for a
    rolled-back change and nothing committed is lost. ``dedupe_key`` (unique per channel) makes
    enqueueing idempotent: job catch-up and retried requests cannot queue a message twice.
    """

    id = fields.BigIntField(primary_key=True)
    channel = fields.CharField(max_length=16)
    dedupe_key = fields.CharField(max_length=191, null=True)
    member: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Member", related_name="outbox_messages", null=True, on_delete=fields.SET_NULL
    )
    payload = fields.JSONField(default=dict)
    status = fields.CharEnumField(OutboxStatus, max_length=16, default=OutboxStatus.PENDING)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField()
    claimed_until = fields.DatetimeField(null=True)
    claim_token = fields.CharField(max_length=32, null=True)
    last_status = fields.IntField(null=True, description="Protocol status of the last attempt (HTTP or SMTP code)")
    last_error = fields.CharField(max_length=500, default="")
    created_at = fields.DatetimeField()
    sent_at = fields.DatetimeField(null=True)

    class Meta:
        table = "outbox_message"
        unique_together = (("channel", "dedupe_key"),)
        indexes = (("status", "next_attempt_at"), ("member_id", "channel"))

"""Birthday and membership-anniversary rewards: one row per member, kind and year.

The row is the idempotency key of the yearly reward: the unique (member, kind, year) means a
job that catches up, re-runs or races another runner can never reward one birthday twice.
"""

from __future__ import annotations

import enum

from tortoise import fields
from tortoise.models import Model


class CelebrationKind(str, enum.Enum):
    BIRTHDAY = "BIRTHDAY"
    ANNIVERSARY = "ANNIVERSARY"


class CelebrationReward(Model):
    id = fields.BigIntField(primary_key=True)
    member: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Member", related_name="celebrations", on_delete=fields.CASCADE
    )
    kind = fields.CharEnumField(CelebrationKind, max_length=16)
    year = fields.IntField(description="The year of the birthday or anniversary rewarded")
    occurred_on = fields.DateField(description="The day it fell on, in the member's time zone")
    points = fields.IntField(default=0, description="0 when the member's tier has no reward (greeted only)")
    created_at = fields.DatetimeField()

    class Meta:
        table = "celebration_reward"
        unique_together = (("member", "kind", "year"),)
        indexes = (("member_id", "kind", "occurred_on"),)

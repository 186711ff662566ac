"""Daily check-ins; the unique (member, day) pair is what makes "once a day" hold under races."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class CheckIn(Model):
    id = fields.BigIntField(primary_key=True)
    member: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Member", related_name="check_ins", on_delete=fields.CASCADE
    )
    day = fields.DateField(description="Calendar day in the member's time zone")
    streak = fields.IntField()
    points = fields.IntField()
    created_at = fields.DatetimeField()

    class Meta:
        table = "check_in"
        unique_together = (("member", "day"),)
        indexes = (("created_at", "member_id"),)  # covers the KPI report's active-member pass

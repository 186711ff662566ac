"""The audit trail of staff actions: who did what to which object, before → after, and why."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class AuditEntry(Model):
    """One staff action, written in the same transaction as the change it records.

    ``actor_email`` keeps the actor readable after their account is gone; ``member`` is the
    member the action concerns (if any), so a member's page can show its own trail.
    """

    id = fields.BigIntField(primary_key=True)
    actor: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Member", related_name="audit_actions", null=True, on_delete=fields.SET_NULL
    )
    actor_email = fields.CharField(max_length=254)
    action = fields.CharField(max_length=48, description="Dotted verb such as points.adjust or benefit.update")
    target_type = fields.CharField(max_length=32)
    target_id = fields.CharField(max_length=64)
    member: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Member", related_name="audit_entries", null=True, on_delete=fields.SET_NULL
    )
    before = fields.JSONField(null=True)
    after = fields.JSONField(null=True)
    reason = fields.TextField(default="")
    created_at = fields.DatetimeField()

    class Meta:
        table = "audit_entry"
        indexes = (("created_at",), ("actor_id", "created_at"), ("action", "created_at"), ("member_id", "created_at"))


class StaffAdjustmentDay(Model):
    """Points one staff member adjusted on one programme day (absolute values), for the daily cap.

    Raised in the same transaction as each adjustment by a conditional UPDATE, so the cap holds
    however many adjustments one staff member sends at once.
    """

    id = fields.BigIntField(primary_key=True)
    staff: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Member", related_name="adjustment_days", on_delete=fields.CASCADE
    )
    day = fields.DateField(description="The programme day (Program.time_zone)")
    points = fields.IntField(default=0)

    class Meta:
        table = "staff_adjustment_day"
        unique_together = (("staff_id", "day"),)

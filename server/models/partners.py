"""Partners (shops, POS, apps) and the purchases they report."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class Partner(Model):
    """A partner system. Its API key is stored only as a SHA-256 hash."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=80, unique=True)
    key_hash = fields.CharField(max_length=64, unique=True)
    key_prefix = fields.CharField(max_length=16)
    scopes = fields.JSONField(default=list)
    created_at = fields.DatetimeField()
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "partner"


class Purchase(Model):
    """A purchase reported by a partner, unique per (partner, order id)."""

    id = fields.BigIntField(primary_key=True)
    partner: fields.ForeignKeyRelation[Partner] = fields.ForeignKeyField(
        "models.Partner", related_name="purchases", on_delete=fields.RESTRICT
    )
    order_id = fields.CharField(max_length=128)
    member: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Member", related_name="purchases", on_delete=fields.CASCADE
    )
    amount = fields.DecimalField(max_digits=14, decimal_places=2)
    refunded_amount = fields.DecimalField(max_digits=14, decimal_places=2, default=0)
    points_earned = fields.IntField()
    points_refunded = fields.IntField(default=0)
    subjects = fields.JSONField(default=list)
    occurred_at = fields.DatetimeField()
    created_at = fields.DatetimeField()

    class Meta:
        table = "purchase"
        unique_together = (("partner", "order_id"),)
        # The second covers the KPI report's pass over a period, dated by occurredAt (server.insight.kpis).
        indexes = (("member_id", "occurred_at"), ("occurred_at", "member_id", "amount", "refunded_amount"))


class PurchaseSubject(Model):
    """A subject (product or store reference) a member bought: marks reviews as verified."""

    id = fields.BigIntField(primary_key=True)
    member: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Member", related_name="purchase_subjects", on_delete=fields.CASCADE
    )
    purchase: fields.ForeignKeyRelation[Purchase] = fields.ForeignKeyField(
        "models.Purchase", related_name="subject_rows", on_delete=fields.CASCADE
    )
    subject = fields.CharField(max_length=200)

    class Meta:
        table = "purchase_subject"
        indexes = (("member_id", "subject"),)

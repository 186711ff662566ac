"""Benefits members can redeem points for, and the redemptions (vouchers) they hold."""

from __future__ import annotations

import enum

from tortoise import fields
from tortoise.models import Model


class RedemptionStatus(str, enum.Enum):
    ISSUED = "ISSUED"
    USED = "USED"
    CANCELLED = "CANCELLED"


class Benefit(Model):
    """A catalog item. ``issued`` counts units issued and not cancelled (remaining = stock - issued)."""

    id = fields.IntField(primary_key=True)
    slug = fields.CharField(max_length=64, unique=True)
    title = fields.CharField(max_length=120)
    title_zh = fields.CharField(max_length=120, null=True)
    description = fields.TextField(default="")
    description_zh = fields.TextField(null=True)
    category = fields.CharField(max_length=40)
    points_cost = fields.IntField()
    min_tier_code = fields.CharField(max_length=32, null=True)
    stock = fields.IntField(null=True)
    issued = fields.IntField(default=0)
    per_member_limit = fields.IntField(null=True)
    available_from = fields.DatetimeField(null=True)
    available_until = fields.DatetimeField(null=True)
    active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    class Meta:
        table = "benefit"


class Redemption(Model):
    id = fields.BigIntField(primary_key=True)
    member: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Member", related_name="redemptions", on_delete=fields.CASCADE
    )
    benefit: fields.ForeignKeyRelation[Benefit] = fields.ForeignKeyField(
        "models.Benefit", related_name="redemptions", on_delete=fields.RESTRICT
    )
    quantity = fields.IntField()
    points_spent = fields.IntField()
    status = fields.CharEnumField(RedemptionStatus, max_length=16, default=RedemptionStatus.ISSUED)
    voucher_code = fields.CharField(max_length=32, unique=True)
    idempotency_key = fields.CharField(max_length=128)
    debit_entry_id = fields.BigIntField(null=True)
    created_at = fields.DatetimeField()
    cancelled_at = fields.DatetimeField(null=True)
    used_at = fields.DatetimeField(null=True)
    used_by_partner_id = fields.IntField(null=True)

    class Meta:
        table = "redemption"
        unique_together = (("member", "idempotency_key"),)

"""The points ledger: one row per balance change, credit lots and what each debit consumed."""

from __future__ import annotations

import enum

from tortoise import fields
from tortoise.models import Model


class LedgerKind(str, enum.Enum):
    PURCHASE = "PURCHASE"
    PURCHASE_REFUND = "PURCHASE_REFUND"
    CHECK_IN = "CHECK_IN"
    STREAK_BONUS = "STREAK_BONUS"
    REVIEW = "REVIEW"
    REFERRAL = "REFERRAL"
    REDEMPTION = "REDEMPTION"
    REDEMPTION_REFUND = "REDEMPTION_REFUND"
    EXPIRY = "EXPIRY"
    ADJUSTMENT = "ADJUSTMENT"
    BONUS = "BONUS"
    BIRTHDAY = "BIRTHDAY"
    ANNIVERSARY = "ANNIVERSARY"
    CAMPAIGN = "CAMPAIGN"


class LedgerEntry(Model):
    """One change of a member's balance.

    A credit is also a *lot*: ``remaining`` is how much of it is still unspent and
    ``expires_at`` when that remainder lapses. Debits consume lots oldest-expiry first.
    """

    id = fields.BigIntField(primary_key=True)
    member: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Member", related_name="ledger_entries", on_delete=fields.CASCADE
    )
    kind = fields.CharEnumField(LedgerKind, max_length=24)
    delta = fields.IntField()
    balance_after = fields.IntField()
    description = fields.CharField(max_length=255, default="")
    created_at = fields.DatetimeField()
    expires_at = fields.DatetimeField(null=True)
    remaining = fields.IntField(default=0)
    reference = fields.CharField(max_length=64, null=True)
    params = fields.JSONField(null=True, description="Message key and values: the description in any language")

    class Meta:
        table = "ledger_entry"
        # (created_at, kind, delta) covers the KPI report's pass over a period (server.insight.kpis).
        indexes = (("member_id", "expires_at"), ("created_at", "kind", "delta"))


class PointsAllocation(Model):
    """How many points of which lot a debit consumed: lets a refund restore the original expiry."""

    id = fields.BigIntField(primary_key=True)
    debit: fields.ForeignKeyRelation[LedgerEntry] = fields.ForeignKeyField(
        "models.LedgerEntry", related_name="allocations", on_delete=fields.CASCADE
    )
    lot: fields.ForeignKeyRelation[LedgerEntry] = fields.ForeignKeyField(
        "models.LedgerEntry", related_name="consumptions", on_delete=fields.CASCADE
    )
    points = fields.IntField()

    class Meta:
        table = "points_allocation"


class IdempotencyRecord(Model):
    """The first outcome of a keyed request, so that a retry returns it instead of acting again."""

    id = fields.BigIntField(primary_key=True)
    scope = fields.CharField(max_length=32)
    owner_id = fields.IntField()
    key = fields.CharField(max_length=128)
    fingerprint = fields.CharField(max_length=64)
    result_id = fields.BigIntField(null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "idempotency_record"
        unique_together = (("scope", "owner_id", "key"),)

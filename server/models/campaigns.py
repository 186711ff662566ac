"""Campaigns (member days, double points, bonuses, gifts) and every award they made."""

from __future__ import annotations

import enum

from tortoise import fields
from tortoise.models import Model


class CampaignTrigger(str, enum.Enum):
    PURCHASE = "PURCHASE"
    CHECK_IN = "CHECK_IN"
    GRANT = "GRANT"


class CampaignStatus(str, enum.Enum):
    DRAFT = "DRAFT"
    ACTIVE = "ACTIVE"
    PAUSED = "PAUSED"
    ENDED = "ENDED"


class Campaign(Model):
    """A campaign and its running totals.

    ``points_given`` is what the budget has paid out (gross: refunds take points back from the
    member but do not refill the budget), changed only under the row's lock or by a conditional
    UPDATE, so a budget is never overspent. ``points_awarded`` is the net sum of the awards.
    """

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=120)
    trigger = fields.CharEnumField(CampaignTrigger, max_length=16)
    status = fields.CharEnumField(CampaignStatus, max_length=16, default=CampaignStatus.DRAFT)
    recurrence = fields.CharField(max_length=500, null=True)
    starts_at = fields.DatetimeField()
    ends_at = fields.DatetimeField(null=True)
    multiplier = fields.DecimalField(max_digits=6, decimal_places=2, null=True)
    bonus_points = fields.IntField(null=True)
    tier_codes = fields.JSONField(default=list)
    segments = fields.JSONField(default=list)
    stages = fields.JSONField(default=list)
    min_amount = fields.DecimalField(max_digits=14, decimal_places=2, null=True)
    per_member_cap = fields.IntField(null=True)
    budget_points = fields.IntField(null=True)
    holdout_percent = fields.SmallIntField(default=0)
    points_given = fields.IntField(default=0)
    points_awarded = fields.IntField(default=0)
    activated_at = fields.DatetimeField(null=True, description="First activation: earlier events earn nothing")
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    class Meta:
        table = "campaign"
        indexes = (("status", "trigger"),)


class CampaignAward(Model):
    """One award (points > 0) or take-back after a refund (points < 0) of a campaign to a member.

    ``reference`` says what earned it (``purchase:<id>``, ``check_in:<id>``, ``grant``) or what
    took it back (``refund:<ledger entry id>``); unique per campaign and member, so a GRANT job
    that runs twice gives once.
    """

    id = fields.BigIntField(primary_key=True)
    campaign: fields.ForeignKeyRelation[Campaign] = fields.ForeignKeyField(
        "models.Campaign", related_name="awards", on_delete=fields.CASCADE
    )
    member: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Member", related_name="campaign_awards", on_delete=fields.CASCADE
    )
    ledger_entry_id = fields.BigIntField(null=True)
    points = fields.IntField()
    purchase_id = fields.BigIntField(null=True)
    reference = fields.CharField(max_length=64)
    created_at = fields.DatetimeField()

    class Meta:
        table = "campaign_award"
        unique_together = (("campaign", "member", "reference"),)
        indexes = (("campaign_id", "purchase_id"), ("member_id", "campaign_id"))

"""Member insight: each member's latest RFM scores, segment and lifecycle stage.

Filled by the insight snapshot job (``server.insight``); read by the console's member lists,
campaign audiences and exports. One row per member, replaced by each snapshot.
"""

from __future__ import annotations

import enum

from tortoise import fields
from tortoise.models import Model


class RfmSegment(str, enum.Enum):
    CHAMPIONS = "CHAMPIONS"
    LOYAL = "LOYAL"
    POTENTIAL_LOYALISTS = "POTENTIAL_LOYALISTS"
    NEW_CUSTOMERS = "NEW_CUSTOMERS"
    PROMISING = "PROMISING"
    NEED_ATTENTION = "NEED_ATTENTION"
    ABOUT_TO_SLEEP = "ABOUT_TO_SLEEP"
    AT_RISK = "AT_RISK"
    CANNOT_LOSE = "CANNOT_LOSE"
    HIBERNATING = "HIBERNATING"
    NO_PURCHASES = "NO_PURCHASES"


class LifecycleStage(str, enum.Enum):
    NEW = "NEW"
    ACTIVE = "ACTIVE"
    SLEEPING = "SLEEPING"
    AT_RISK = "AT_RISK"
    CHURNED = "CHURNED"


class MemberInsight(Model):
    id = fields.BigIntField(primary_key=True)
    member: fields.OneToOneRelation = fields.OneToOneField(
        "models.Member", related_name="insight", on_delete=fields.CASCADE
    )
    recency_days = fields.IntField(null=True)
    frequency = fields.IntField(default=0)
    monetary = fields.DecimalField(max_digits=16, decimal_places=2, default=0)
    recency_score = fields.SmallIntField(null=True)
    frequency_score = fields.SmallIntField(null=True)
    monetary_score = fields.SmallIntField(null=True)
    segment = fields.CharEnumField(RfmSegment, max_length=24, default=RfmSegment.NO_PURCHASES)
    stage = fields.CharEnumField(LifecycleStage, max_length=16, default=LifecycleStage.NEW)
    high_value = fields.BooleanField(default=False)
    churn_risk = fields.FloatField(default=0)
    lifetime_value = fields.DecimalField(max_digits=16, decimal_places=2, default=0)
    computed_at = fields.DatetimeField()

    class Meta:
        table = "member_insight"
        indexes = (("segment",), ("stage",), ("high_value",))

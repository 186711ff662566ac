"""Member insight: each member's latest RFM scores, segment and lifecycle stage.

Filled by the insight snapshot job (``server.insight``); read by the console's member lists,
campaign audiences and exports. One row per member, replaced by each snapshot. Each run is an
``InsightSnapshot``; a member's moves between snapshots are ``SegmentChange`` rows (the history);
``InsightWork`` is the running snapshot's scratch table.
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


class InsightSnapshot(Model):
    """One run of the snapshot: when, for which programme day, and what it found."""

    id = fields.BigIntField(primary_key=True)
    taken_at = fields.DatetimeField(description="The moment the figures describe (the run's clock)")
    day = fields.DateField(description="The programme day (programme time zone) of taken_at")
    members = fields.IntField(default=0)
    purchasers = fields.IntField(default=0, description="Members with a purchase in the trailing 365 days")
    median_gap_days = fields.FloatField(
        default=0, description="Programme median purchase gap (one-purchase members' rhythm)"
    )
    changes = fields.IntField(default=0, description="Members whose segment or stage moved")
    seconds = fields.FloatField(default=0)
    trigger = fields.CharField(max_length=16, default="job", description="job (nightly), cli or demo")

    class Meta:
        table = "insight_snapshot"
        indexes = (("day",),)


class SegmentChange(Model):
    """A ``segment_changed`` record: a member's segment or stage moved at a snapshot (from → to)."""

    id = fields.BigIntField(primary_key=True)
    snapshot: fields.ForeignKeyRelation[InsightSnapshot] = fields.ForeignKeyField(
        "models.InsightSnapshot", related_name="segment_changes", on_delete=fields.CASCADE
    )
    member: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Member", related_name="segment_changes", on_delete=fields.CASCADE
    )
    from_segment = fields.CharEnumField(RfmSegment, max_length=24)
    to_segment = fields.CharEnumField(RfmSegment, max_length=24)
    from_stage = fields.CharEnumField(LifecycleStage, max_length=16)
    to_stage = fields.CharEnumField(LifecycleStage, max_length=16)
    high_value = fields.BooleanField(default=False)
    changed_at = fields.DatetimeField()

    class Meta:
        table = "segment_change"
        indexes = (("snapshot_id", "to_stage"), ("member_id", "changed_at"))


class InsightWork(Model):
    """Scratch rows of the snapshot being computed (emptied at the start of each run).

    Purchase figures are kept in whole seconds and cents so that both databases compute the
    scores with exact integer arithmetic.
    """

    member_id = fields.IntField(primary_key=True)  # always written explicitly: the member's id
    frequency = fields.IntField(default=0)
    monetary_cents = fields.BigIntField(default=0)
    recency_days = fields.IntField(null=True)
    first_s = fields.BigIntField(null=True, description="First purchase in the window, Unix seconds")
    last_s = fields.BigIntField(null=True, description="Last purchase in the window, Unix seconds")
    lifetime_cents = fields.BigIntField(default=0)
    stage = fields.CharField(max_length=16)
    segment = fields.CharField(max_length=24, default="NO_PURCHASES")
    recency_score = fields.SmallIntField(null=True)
    frequency_score = fields.SmallIntField(null=True)
    monetary_score = fields.SmallIntField(null=True)
    high_value = fields.BooleanField(default=False)
    churn_risk = fields.FloatField(default=1)

    class Meta:
        table = "insight_work"

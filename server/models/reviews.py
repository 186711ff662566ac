"""Member reviews of subjects, and helpful votes on them."""

from __future__ import annotations

import enum

from tortoise import fields
from tortoise.models import Model


class ReviewStatus(str, enum.Enum):
    PENDING = "PENDING"
    PUBLISHED = "PUBLISHED"
    REJECTED = "REJECTED"


class Review(Model):
    id = fields.BigIntField(primary_key=True)
    member: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Member", related_name="reviews", on_delete=fields.CASCADE
    )
    subject = fields.CharField(max_length=200)
    rating = fields.SmallIntField()
    title = fields.CharField(max_length=120)
    body = fields.TextField()
    verified_purchase = fields.BooleanField(default=False)
    status = fields.CharEnumField(ReviewStatus, max_length=16, default=ReviewStatus.PENDING)
    helpful_count = fields.IntField(default=0)
    points_granted = fields.BooleanField(default=False)
    created_at = fields.DatetimeField()
    moderated_at = fields.DatetimeField(null=True)

    class Meta:
        table = "review"
        unique_together = (("member", "subject"),)
        indexes = (("subject", "status"),)


class ReviewVote(Model):
    id = fields.BigIntField(primary_key=True)
    review: fields.ForeignKeyRelation[Review] = fields.ForeignKeyField(
        "models.Review", related_name="votes", on_delete=fields.CASCADE
    )
    member: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Member", related_name="review_votes", on_delete=fields.CASCADE
    )
    created_at = fields.DatetimeField()

    class Meta:
        table = "review_vote"
        unique_together = (("review", "member"),)

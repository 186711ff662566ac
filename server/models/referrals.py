"""Referrals between members, and invite codes partners hand out."""

from __future__ import annotations

import enum

from tortoise import fields
from tortoise.models import Model


class ReferralStatus(str, enum.Enum):
    PENDING = "PENDING"
    REWARDED = "REWARDED"
    REJECTED = "REJECTED"


class ReferralInvite(Model):
    id = fields.IntField(primary_key=True)
    partner: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Partner", related_name="invites", on_delete=fields.CASCADE
    )
    code = fields.CharField(max_length=32, unique=True)
    campaign = fields.CharField(max_length=80, null=True)
    max_uses = fields.IntField(null=True)
    uses = fields.IntField(default=0)
    expires_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "referral_invite"


class Referral(Model):
    """One sign-up through a code: a member's share code (``referrer``) or a partner ``invite``."""

    id = fields.BigIntField(primary_key=True)
    referrer: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Member", related_name="referrals_made", null=True, on_delete=fields.CASCADE
    )
    invite: fields.ForeignKeyNullableRelation[ReferralInvite] = fields.ForeignKeyField(
        "models.ReferralInvite", related_name="referrals", null=True, on_delete=fields.SET_NULL
    )
    referee: fields.OneToOneRelation = fields.OneToOneField(
        "models.Member", related_name="referred_by", on_delete=fields.CASCADE
    )
    status = fields.CharEnumField(ReferralStatus, max_length=16, default=ReferralStatus.PENDING)
    reason = fields.CharField(max_length=200, null=True)
    created_at = fields.DatetimeField()
    rewarded_at = fields.DatetimeField(null=True)

    class Meta:
        table = "referral"

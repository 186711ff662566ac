"""E-mail on the account side: one-time links (password reset, address confirmation) and consent history."""

from __future__ import annotations

import enum

from tortoise import fields
from tortoise.models import Model


class LinkPurpose(str, enum.Enum):
    RESET = "RESET"  # set a new password (30 minutes)
    CONFIRM = "CONFIRM"  # confirm the member's current address (7 days)
    CHANGE = "CHANGE"  # move the account to a new address once it is confirmed (7 days)


class AccountLink(Model):
    """A one-time link e-mailed to a member. Only the SHA-256 of its token is stored.

    ``email`` is the address the link was sent to: a reset link stops working once the account
    has moved to another address, and a CHANGE link carries the address it confirms.
    """

    id = fields.BigIntField(primary_key=True)
    member: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Member", related_name="account_links", on_delete=fields.CASCADE
    )
    purpose = fields.CharEnumField(LinkPurpose, max_length=16)
    email = fields.CharField(max_length=254)
    token_hash = fields.CharField(max_length=64, unique=True)
    created_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "account_link"
        indexes = (("member_id", "purpose", "created_at"),)


class MessageConsent(Model):
    """One change of a member's e-mail choices: what, on or off, when, and through which door.

    The member row holds the current choice; this history answers "when did they agree?".
    """

    id = fields.BigIntField(primary_key=True)
    member: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Member", related_name="message_consents", on_delete=fields.CASCADE
    )
    category = fields.CharField(max_length=16, description="service or marketing")
    granted = fields.BooleanField()
    source = fields.CharField(max_length=24, description="sign-up, portal, api or unsubscribe-link")
    created_at = fields.DatetimeField()

    class Meta:
        table = "message_consent"
        indexes = (("member_id", "created_at"),)

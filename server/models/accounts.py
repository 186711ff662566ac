"""Members, their credentials and the log-in throttle."""

from __future__ import annotations

import enum

from tortoise import fields
from tortoise.models import Model


class Role(str, enum.Enum):
    MEMBER = "MEMBER"
    STAFF = "STAFF"
    ANALYST = "ANALYST"  # read-only staff: sees everything staff see, changes nothing


class Member(Model):
    """A programme member. The balance columns are written only by ``server.ledger``."""

    id = fields.IntField(primary_key=True)
    email = fields.CharField(max_length=254, unique=True, description="Lower-cased")
    password_hash = fields.CharField(max_length=255)
    display_name = fields.CharField(max_length=80)
    role = fields.CharEnumField(Role, max_length=16, default=Role.MEMBER)
    joined_at = fields.DatetimeField()
    birthday = fields.DateField(null=True)
    birthday_set_at = fields.DatetimeField(null=True, description="When the birthday was last set or corrected")
    timezone = fields.CharField(max_length=64, default="Asia/Shanghai")
    locale = fields.CharField(max_length=10, default="en")
    tier_code = fields.CharField(max_length=32)
    tier_reached_at = fields.DatetimeField()
    tier_override_until = fields.DateField(null=True, description="A staff override holds the tier until this day")
    tier_review_on = fields.DateField(
        null=True, description="The next regular tier review (a UTC day, null at the lowest tier or not yet set)"
    )
    share_code = fields.CharField(max_length=16, unique=True)
    balance = fields.IntField(default=0)
    lifetime_earned = fields.IntField(default=0)
    lifetime_spent = fields.IntField(default=0)
    # E-mail (messages): whether the address is confirmed and reachable, and what the member agreed to receive.
    email_confirmed_at = fields.DatetimeField(null=True, description="When the current address was confirmed")
    email_undeliverable_at = fields.DatetimeField(
        null=True, description="When the mail server refused the current address for good (5xx)"
    )
    service_emails = fields.BooleanField(default=True, description="Service e-mails: on until turned off")
    marketing_emails = fields.BooleanField(default=False, description="Marketing e-mails: only with consent")
    marketing_consent_at = fields.DatetimeField(null=True, description="When the standing marketing consent was given")
    erased_at = fields.DatetimeField(
        null=True, description="When the member deleted the account: personal data erased, totals kept"
    )

    class Meta:
        table = "member"
        # tier_review_on: the nightly tier review; role: KPIs leave the few staff and analyst accounts out of
        # member counts by a lookup on it; (tier_code, id): the console's member list filters by tier and pages
        # by id (server.accounts.directory).
        indexes = (("tier_review_on",), ("role",), ("tier_code", "id"))

    def __str__(self) -> str:
        return self.email


class AuthToken(Model):
    """A bearer token (``kind='api'``) or a portal session (``kind='session'``).

    Only the SHA-256 of the secret is stored, so a leaked table grants nothing.
    """

    id = fields.BigIntField(primary_key=True)
    token_hash = fields.CharField(max_length=64, unique=True)
    member: fields.ForeignKeyRelation[Member] = fields.ForeignKeyField(
        "models.Member", related_name="tokens", on_delete=fields.CASCADE
    )
    kind = fields.CharField(max_length=16, default="api")
    csrf_token = fields.CharField(max_length=64, null=True)
    created_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "auth_token"


class LoginThrottle(Model):
    """Consecutive failed log-ins for one e-mail, driving an exponential back-off."""

    email = fields.CharField(max_length=254, primary_key=True)
    failures = fields.IntField(default=0)
    blocked_until = fields.DatetimeField(null=True)
    last_failure_at = fields.DatetimeField(null=True)

    class Meta:
        table = "login_throttle"

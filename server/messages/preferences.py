"""A member's choice of e-mail: service on until turned off, marketing only with recorded consent.

Every change is written to ``message_consent`` (what, on or off, when, through which door), so the
programme can show when a member agreed. One-click unsubscribe links (RFC 8058) carry a signed,
member-bound token naming one category: holding it turns that category off, and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.transactions import in_transaction

from server.core import clock, signing
from server.core.errors import DomainError, ErrorCode
from server.messages.emails import MARKETING, SERVICE
from server.models import Member, MessageConsent

SOURCES = ("sign-up", "portal", "api", "unsubscribe-link")
_UNSUBSCRIBE = "unsubscribe"
_CODES = {SERVICE: "s", MARKETING: "m"}


@dataclass(frozen=True)
class PreferenceChange:
    """A null field stays as it is."""

    service_emails: bool | None = None
    marketing_emails: bool | None = None


async def update(member_id: int, change: PreferenceChange, source: str) -> Member:
    """Apply ``change`` to the member's choices and record each real change with its time and source."""
    if source not in SOURCES:
        raise ValueError(f"unknown consent source {source!r}")
    now = clock.now()
    async with in_transaction():
        member = await Member.select_for_update().get(id=member_id)
        fields: list[str] = []
        if change.service_emails is not None and change.service_emails != member.service_emails:
            member.service_emails = change.service_emails
            fields.append("service_emails")
            await MessageConsent.create(
                member_id=member.id, category=SERVICE, granted=change.service_emails, source=source, created_at=now
            )
        if change.marketing_emails is not None and change.marketing_emails != member.marketing_emails:
            member.marketing_emails = change.marketing_emails
            member.marketing_consent_at = now if change.marketing_emails else None
            fields += ["marketing_emails", "marketing_consent_at"]
            await MessageConsent.create(
                member_id=member.id, category=MARKETING, granted=change.marketing_emails, source=source, created_at=now
            )
        if fields:
            await member.save(update_fields=fields)
    return member


async def record_sign_up_consent(member: Member, marketing: bool) -> None:
    """At sign-up (inside its transaction): marketing consent given on the form is recorded like any other."""
    if marketing:
        now = clock.now()
        member.marketing_emails, member.marketing_consent_at = True, now
        await Member.filter(id=member.id).update(marketing_emails=True, marketing_consent_at=now)
        await MessageConsent.create(
            member_id=member.id, category=MARKETING, granted=True, source="sign-up", created_at=now
        )


def unsubscribe_token(member_id: int, category: str) -> str:
    """The token of the one-click unsubscribe link for ``category`` in e-mails to this member."""
    return signing.sign(_UNSUBSCRIBE, f"{member_id}-{_CODES[category]}")


def read_unsubscribe_token(token: str) -> tuple[int, str]:
    """The member id and category a token stands for; INVALID_TOKEN when it was not made here."""
    value = signing.unsign(_UNSUBSCRIBE, token.strip()) if token else None
    member, _, code = (value or "").partition("-")
    category = next((name for name, short in _CODES.items() if short == code), None)
    if not member.isdigit() or category is None:
        raise DomainError(ErrorCode.INVALID_TOKEN, "This unsubscribe link is not valid.", "token")
    return int(member), category


async def unsubscribe(token: str) -> tuple[Member, str]:
    """Turn off the category a link's token names (no log-in: the signed token is the authority).

    Idempotent: a second click changes nothing and still answers which category is off.
    """
    member_id, category = read_unsubscribe_token(token)
    if not await Member.exists(id=member_id):  # an erased account: nothing left to turn off
        raise DomainError(ErrorCode.INVALID_TOKEN, "This unsubscribe link is not valid.", "token")
    change = PreferenceChange(**{f"{category}_emails": False})
    return await update(member_id, change, "unsubscribe-link"), category

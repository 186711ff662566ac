"""The account's part of a member's data: the profile and sign-in data; erasing it anonymises the row."""

from __future__ import annotations

from typing import Any

from server.accounts import sessions, tokens
from server.accounts.data_rights import data_part
from server.accounts.public_names import FORMER_MEMBER
from server.core import clock
from server.models import AccountLink, AuthToken, LoginThrottle, Member, Role
from server.models.audit import AuditEntry

ERASED_DOMAIN = "erased.invalid"  # RFC 2606: never deliverable, never anyone's address
UNUSABLE_PASSWORD = "!erased"  # not an argon2 hash: no password verifies against it


@data_part("profile", order=0)
class Profile:
    @staticmethod
    async def export(member: Member) -> dict[str, Any]:
        sessions_open = await AuthToken.filter(
            member_id=member.id, revoked_at__isnull=True, expires_at__gt=clock.now()
        ).count()
        return {
            "memberId": member.id,
            "email": member.email,
            "emailConfirmedAt": member.email_confirmed_at,
            "displayName": member.display_name,
            "birthday": member.birthday,
            "timezone": member.timezone,
            "locale": member.locale,
            "role": member.role,
            "joinedAt": member.joined_at,
            "tier": member.tier_code,
            "tierReachedAt": member.tier_reached_at,
            "shareCode": member.share_code,
            "points": {
                "balance": member.balance,
                "lifetimeEarned": member.lifetime_earned,
                "lifetimeSpent": member.lifetime_spent,
            },
            "signedInSessions": sessions_open,  # how many; never the tokens themselves
        }

    @staticmethod
    async def erase(member: Member) -> None:
        """Anonymise the row (totals stay), end every token and session, free the address."""
        old_email = member.email
        now = clock.now()
        await AuthToken.filter(member_id=member.id, revoked_at__isnull=True).update(revoked_at=now)
        await AccountLink.filter(member_id=member.id).delete()
        await LoginThrottle.filter(email=old_email).delete()
        anonymous = f"member-{member.id}-{tokens.new_secret()[:12].lower()}@{ERASED_DOMAIN}"
        await AuditEntry.filter(actor_id=member.id).update(actor_email=anonymous)
        await Member.filter(id=member.id).update(
            email=anonymous,
            password_hash=UNUSABLE_PASSWORD,
            display_name=FORMER_MEMBER,
            role=Role.MEMBER,
            birthday=None,
            birthday_set_at=None,
            share_code=await tokens.unused_code(Member, "share_code", 8),
            email_confirmed_at=None,
            email_undeliverable_at=now,
            service_emails=False,
            marketing_emails=False,
            marketing_consent_at=None,
            erased_at=now,
        )
        await member.refresh_from_db()
        sessions.forget(member_id=member.id)

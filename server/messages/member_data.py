"""The messages part of a member's data: e-mail choices and their history, and the inbox.

Erasing drops every e-mail still queued for the member (so nothing more goes to the address),
blanks the copies of e-mails already sent (they held the address and the text), and deletes
the inbox. The consent history stays, tied to the anonymised account, as the record of what was
agreed when.
"""

from __future__ import annotations

from typing import Any

from server.accounts.data_rights import data_part
from server.messages import emails, outbox
from server.models import Member, MessageConsent, Notification, OutboxMessage


@data_part("messagePreferences", order=50)
class MessagePreferences:
    @staticmethod
    async def export(member: Member) -> dict[str, Any]:
        history = await MessageConsent.filter(member_id=member.id).order_by("id")
        return {
            "serviceEmails": member.service_emails,
            "marketingEmails": member.marketing_emails,
            "marketingConsentAt": member.marketing_consent_at,
            "history": [
                {"category": row.category, "granted": row.granted, "source": row.source, "at": row.created_at}
                for row in history
            ],
        }

    @staticmethod
    async def erase(member: Member) -> None:
        # E-mail only: partner webhook deliveries about the member's points still go (they carry
        # no personal data, and the address they may add is read at sending: the anonymous one).
        await outbox.cancel_for_member(member.id, emails.CHANNEL)
        await OutboxMessage.filter(member_id=member.id, channel=emails.CHANNEL).update(payload={"erased": True})


@data_part("notifications", order=51)
class Notifications:
    @staticmethod
    async def export(member: Member) -> list[dict[str, Any]]:
        rows = await Notification.filter(member_id=member.id).order_by("id")
        return [{"kind": row.kind, "details": row.params, "at": row.created_at, "readAt": row.read_at} for row in rows]

    @staticmethod
    async def erase(member: Member) -> None:
        await Notification.filter(member_id=member.id).delete()

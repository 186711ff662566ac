"""The messages domain's part of a member's data export and erasure (for the account-deletion and
export features): their e-mail choices, consent history and the e-mails sent to them.

Erasure cancels whatever e-mail still waits and blanks the addresses and parameters kept in the
outbox, so no copy of the address outlives the account there.
"""

from __future__ import annotations

from typing import Any

from server.messages.emails import CHANNEL
from server.models import Member, MessageConsent, OutboxMessage, OutboxStatus


async def export_member(member_id: int) -> dict[str, Any]:
    """What the messages domain holds about a member, as plain JSON-ready data."""
    member = await Member.get(id=member_id)
    consents = await MessageConsent.filter(member_id=member_id).order_by("id")
    sent = await OutboxMessage.filter(member_id=member_id, channel=CHANNEL).order_by("id")
    return {
        "email_confirmed_at": _iso(member.email_confirmed_at),
        "email_undeliverable_at": _iso(member.email_undeliverable_at),
        "service_emails": member.service_emails,
        "marketing_emails": member.marketing_emails,
        "marketing_consent_at": _iso(member.marketing_consent_at),
        "consent_history": [
            {"category": c.category, "granted": c.granted, "source": c.source, "at": _iso(c.created_at)}
            for c in consents
        ],
        "emails": [
            {
                "template": row.payload.get("template"),
                "kind": (row.payload.get("params") or {}).get("kind"),
                "category": row.payload.get("category"),
                "status": row.status.value,
                "queued_at": _iso(row.created_at),
                "sent_at": _iso(row.sent_at),
            }
            for row in sent
        ],
    }


async def erase_member(member_id: int) -> int:
    """Cancel the member's waiting e-mail and blank what the outbox keeps about them; returns rows touched."""
    rows = await OutboxMessage.filter(member_id=member_id, channel=CHANNEL)
    for row in rows:
        if row.status is OutboxStatus.PENDING:
            row.status = OutboxStatus.CANCELLED
            row.last_error = "the member's account was erased"
        row.payload = {"template": row.payload.get("template"), "category": row.payload.get("category")}
        await row.save(update_fields=["status", "last_error", "payload"])
    return len(rows)


def _iso(moment: Any) -> str | None:
    return moment.isoformat() if moment is not None else None

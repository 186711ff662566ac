"""Writing and reading the audit trail.

:func:`record` must be called inside the transaction of the change it describes, so the trail
never shows a change that was rolled back and never misses one that committed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC
from typing import Any

from tortoise.queryset import QuerySet

from server.accounts import roles
from server.core import clock
from server.core.errors import invalid
from server.core.plain import plain
from server.models import Member
from server.models.audit import AuditEntry

# Known kinds of staff action, for the console's filter. Domains add theirs here as they grow.
ACTIONS: dict[str, str] = {
    "points.adjust": "Points adjusted",
    "benefit.create": "Benefit created",
    "benefit.update": "Benefit changed",
    "benefit.deactivate": "Benefit deactivated",
    "benefit.activate": "Benefit reactivated",
    "redemption.cancel": "Redemption cancelled for a member",
    "review.publish": "Review published",
    "review.reject": "Review rejected",
    "member.tier_override": "Tier overridden",
    "member.birthday_correct": "Birthday corrected",
    "role.grant": "Role changed",
    "ticket.reply": "Ticket answered",
    "ticket.resolve": "Ticket resolved",
    "campaign.create": "Campaign created",
    "campaign.update": "Campaign changed",
    "campaign.status": "Campaign status changed",
    "account.delete": "Account deleted by the member",
}


async def record(
    actor: Member | None,
    action: str,
    *,
    target_type: str,
    target_id: int | str,
    member_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
) -> AuditEntry:
    """Append one entry. ``actor`` None means the system or the CLI (shown as "system")."""
    return await AuditEntry.create(
        actor_id=actor.id if actor else None,
        actor_email=actor.email if actor else "system",
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        member_id=member_id,
        before=plain(before) if before is not None else None,
        after=plain(after) if after is not None else None,
        reason=reason,
        created_at=clock.now(),
    )


@dataclass(frozen=True)
class AuditFilter:
    actor_id: int | None = None
    action: str | None = None
    member_id: int | None = None
    target_type: str | None = None
    target_id: str | None = None


def entries(where: AuditFilter | None = None) -> QuerySet[AuditEntry]:
    """Entries matching ``where``, newest first (callers page it)."""
    query = AuditEntry.all()
    if where is not None:
        if where.actor_id is not None:
            query = query.filter(actor_id=where.actor_id)
        if where.action:
            query = query.filter(action=where.action)
        if where.member_id is not None:
            query = query.filter(member_id=where.member_id)
        if where.target_type:
            query = query.filter(target_type=where.target_type)
        if where.target_id is not None:
            query = query.filter(target_id=where.target_id)
    return query.order_by("-created_at", "-id")


@dataclass(frozen=True)
class Actor:
    """Someone who appears in the trail: a member id (None for the system) and the e-mail recorded."""

    member_id: int | None
    email: str


async def read_log(viewer: Member | None, where: AuditFilter | None = None) -> QuerySet[AuditEntry]:
    """The trail for the back office (staff and analysts), newest first; FORBIDDEN for anyone else."""
    roles.require_reader(viewer)
    if where is not None and where.action and len(where.action) > 48:
        raise invalid("action", "Use a kind of action such as benefit.update.")
    return entries(where)


async def actors(viewer: Member | None) -> list[Actor]:
    """Everyone who has an entry in the trail, by e-mail: the choices of the console's staff filter."""
    roles.require_reader(viewer)
    rows = await AuditEntry.all().distinct().order_by("actor_email").values("actor_id", "actor_email")
    seen: dict[tuple[int | None, str], Actor] = {}
    for row in rows:
        seen.setdefault((row["actor_id"], row["actor_email"]), Actor(row["actor_id"], row["actor_email"]))
    return list(seen.values())


def changes(entry: AuditEntry) -> list[tuple[str, Any, Any]]:
    """(field, before, after) for every field either side names, by field name (PostgreSQL's JSON keeps no order)."""
    before, after = entry.before or {}, entry.after or {}
    names = sorted({*before.keys(), *after.keys()})
    return [(name, before.get(name), after.get(name)) for name in names]


def describe(entry: AuditEntry) -> str:
    """One line of the trail for a terminal: when, who, what, on which object, before → after, why."""
    parts = [
        entry.created_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
        entry.actor_email,
        entry.action,
        f"{entry.target_type}:{entry.target_id}",
    ]
    shown = "; ".join(f"{name}: {_text(old)} → {_text(new)}" for name, old, new in changes(entry))
    if shown:
        parts.append(shown)
    if entry.reason:
        parts.append(f"reason: {entry.reason}")
    return "  ".join(parts)


def _text(value: Any) -> str:
    return "—" if value is None else str(value)

"""Audit entries as GraphQL types: who did what to which object, before → after, and why."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from schema.dataloaders import batch
from schema.pagination import CURSOR, EDGES, NODE, PAGE_INFO, TOTAL_COUNT, PageInfo
from server import audit
from server.models import AuditEntry as AuditEntryRow
from server.models import Member as MemberRow

if TYPE_CHECKING:
    from schema.accounts.types import Member

MemberType = Annotated["Member", strawberry.lazy("schema.accounts.types")]


@batch("audit.member")
async def load_members(member_ids: Sequence[int]) -> list[MemberRow | None]:
    rows = {row.id: row for row in await MemberRow.filter(id__in=list(set(member_ids)))}
    return [rows.get(member_id) for member_id in member_ids]


async def _member(info: Info, member_id: int | None) -> Member | None:
    from schema.accounts.types import member_type

    if member_id is None:
        return None
    row = await info.context.loaders.load("audit.member", member_id)
    return member_type(row) if row else None


def _shown(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


@strawberry.type(description="One field an audited action changed.")
class AuditChange:
    field: str = strawberry.field(description="The field, as the service names it (such as points_cost or status).")
    before: str | None = strawberry.field(
        description="Its value before, as text (JSON for numbers, lists and objects); null when it had none."
    )
    after: str | None = strawberry.field(description="Its value after, written the same way; null when removed.")


@strawberry.type(description="One staff action in the audit trail, written in the same transaction as the change.")
class AuditEntry:
    row: strawberry.Private[AuditEntryRow]

    @strawberry.field(description="Opaque id of the entry.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(relay.to_base64("AuditEntry", self.row.id))

    @strawberry.field(description="When the action was taken.")
    def created_at(self) -> datetime:
        return self.row.created_at

    @strawberry.field(description="Who acted: the staff member's e-mail at the time, or 'system' for the CLI and jobs.")
    def actor_email(self) -> str:
        return self.row.actor_email

    @strawberry.field(description="The staff member who acted; null for the system or a deleted account.")
    async def actor(self, info: Info) -> MemberType | None:
        return await _member(info, self.row.actor_id)

    @strawberry.field(
        description="The kind of action, a dotted verb such as benefit.update, review.publish or points.adjust "
        "(auditActions lists the known kinds)."
    )
    def action(self) -> str:
        return self.row.action

    @strawberry.field(description="The kind of action in words (English), such as 'Benefit changed'.")
    def action_label(self) -> str:
        return audit.ACTIONS.get(self.row.action, self.row.action)

    @strawberry.field(description="What was acted on: benefit, review, ticket, member, redemption…")
    def target_type(self) -> str:
        return self.row.target_type

    @strawberry.field(description="Which one: a benefit's slug, or the row id of the others.")
    def target_id(self) -> str:
        return self.row.target_id

    @strawberry.field(description="The member the action concerns, if any (the review's author, the ticket's member).")
    async def member(self, info: Info) -> MemberType | None:
        return await _member(info, self.row.member_id)

    @strawberry.field(description="The reason staff gave; empty when the action takes none.")
    def reason(self) -> str:
        return self.row.reason

    @strawberry.field(description="Each field the action changed, before → after.")
    def changes(self) -> list[AuditChange]:
        return [
            AuditChange(field=name, before=_shown(old), after=_shown(new))
            for name, old, new in audit.changes(self.row)
        ]


def audit_entry_type(row: AuditEntryRow) -> AuditEntry:
    return AuditEntry(row=row)


@strawberry.type(description="An audit entry in a page of the trail.")
class AuditEntryEdge:
    cursor: str = strawberry.field(description=CURSOR)
    node: AuditEntry = strawberry.field(description=NODE)


@strawberry.type(description="A page of the audit trail, newest first.")
class AuditEntryConnection:
    edges: list[AuditEntryEdge] = strawberry.field(description=EDGES)
    page_info: PageInfo = strawberry.field(description=PAGE_INFO)
    total_count: int = strawberry.field(description=TOTAL_COUNT)


@strawberry.type(description="A kind of staff action the trail records.")
class AuditAction:
    action: str = strawberry.field(description="The dotted verb, such as benefit.update: auditLog's `action` filter.")
    label: str = strawberry.field(description="The same in words (English).")


@strawberry.type(description="Someone with entries in the audit trail.")
class AuditActor:
    email: str = strawberry.field(description="The e-mail recorded with their entries ('system' for the system).")
    member_id: strawberry.ID | None = strawberry.field(
        description="Their Member id, auditLog's `actorId` filter; null for the system or a deleted account."
    )

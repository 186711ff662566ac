"""The audit trail for staff and analysts: the log with its filters, and the filters' choices."""

from __future__ import annotations

from typing import Annotated

import strawberry
from graphql import GraphQLError
from strawberry import relay
from strawberry.types import Info

from schema.audit.types import (
    AuditAction,
    AuditActor,
    AuditEntryConnection,
    AuditEntryEdge,
    audit_entry_type,
)
from schema.pagination import After, First, connection, empty, newest_first
from schema.permissions import is_reader
from schema.points.schema import decode_id
from server import audit
from server.core.errors import DomainError


def _query_error(error: DomainError) -> GraphQLError:
    return GraphQLError(error.message, extensions={"code": error.code.value, "field": error.field})


@strawberry.type
class AuditQuery:
    @strawberry.field(
        description="Staff and analysts: the audit trail of staff actions, newest first, optionally only one "
        "staff member's or one kind of action. Empty for anyone else."
    )
    async def audit_log(
        self,
        info: Info,
        first: First = 20,
        after: After = None,
        actor_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Only actions by this Member (a staff member).")
        ] = None,
        action: Annotated[
            str | None,
            strawberry.argument(description="Only this kind of action, such as benefit.update (see auditActions)."),
        ] = None,
    ) -> AuditEntryConnection:
        if not is_reader(info):
            return empty(AuditEntryConnection)
        try:
            actor = decode_id(actor_id, "Member", "actorId") if actor_id is not None else None
            query = await audit.read_log(
                info.context.member, audit.AuditFilter(actor_id=actor, action=(action or "").strip() or None)
            )
        except DomainError as error:
            raise _query_error(error) from None
        page = await newest_first(query, first, after)
        return connection(page, AuditEntryConnection, AuditEntryEdge, audit_entry_type)

    @strawberry.field(description="Staff and analysts: the kinds of action the trail records; empty for anyone else.")
    def audit_actions(self, info: Info) -> list[AuditAction]:
        if not is_reader(info):
            return []
        return [AuditAction(action=code, label=label) for code, label in audit.ACTIONS.items()]

    @strawberry.field(
        description="Staff and analysts: everyone with entries in the trail, by e-mail; empty for anyone else."
    )
    async def audit_actors(self, info: Info) -> list[AuditActor]:
        if not is_reader(info):
            return []
        found = await audit.actors(info.context.member)
        return [
            AuditActor(
                email=actor.email,
                member_id=strawberry.ID(relay.to_base64("Member", actor.member_id)) if actor.member_id else None,
            )
            for actor in found
        ]

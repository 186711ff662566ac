"""Notification mutations: the viewer marks their own notifications read."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from schema.errors import USER_ERRORS, UserError, attempt
from schema.permissions import require_member
from schema.points.schema import decode_id
from server.messages import notifications


@strawberry.type(description="The answer to markNotificationsRead.")
class MarkNotificationsReadPayload:
    marked_count: int = strawberry.field(description="How many unread notifications this call marked read.")
    unread_count: int = strawberry.field(description="The viewer's unread notifications left.")
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)


@strawberry.type
class NotificationMutation:
    @strawberry.mutation(
        description="Mark the viewer's notifications read: the given ids, or all of them when ids is null. "
        "Ids of other members' notifications are ignored."
    )
    async def mark_notifications_read(
        self,
        info: Info,
        ids: Annotated[
            list[strawberry.ID] | None,
            strawberry.argument(description="Notification ids to mark read (at most 1000); null marks all."),
        ] = None,
    ) -> MarkNotificationsReadPayload:
        async def action() -> MarkNotificationsReadPayload:
            member = require_member(info)
            row_ids = None if ids is None else [decode_id(i, "Notification", "ids") for i in ids]
            marked = await notifications.mark_read(member.id, row_ids)
            left = await notifications.unread_count(member.id)
            return MarkNotificationsReadPayload(marked_count=marked, unread_count=left, user_errors=[])

        return await attempt(
            action,
            lambda e: MarkNotificationsReadPayload(marked_count=0, unread_count=0, user_errors=e),
            info.context.locale,
        )

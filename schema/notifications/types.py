"""Notifications as GraphQL types, rendered in the reader's locale."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry import relay
from strawberry.types import Info

from schema.pagination import CURSOR, EDGES, NODE, PAGE_INFO, TOTAL_COUNT, PageInfo, connection, empty, newest_first
from server.messages import notifications
from server.models import Member as MemberRow
from server.models import Notification as NotificationRow


@strawberry.type(description="A message to the member about their account, in the reader's language.")
class Notification(relay.Node):
    row_id: relay.NodeID[int]
    row: strawberry.Private[NotificationRow]
    locale: strawberry.Private[str]

    @strawberry.field(
        description="What it is about, such as TIER_UPGRADE, REDEMPTION_ISSUED or POINTS_EXPIRING; "
        "new kinds may appear, so treat unknown ones as general messages."
    )
    def kind(self) -> str:
        return self.row.kind

    @strawberry.field(description="One-line summary, in the reader's language.")
    def title(self) -> str:
        return notifications.render(self.row.kind, self.row.params, self.locale)[0]

    @strawberry.field(description="The message, in the reader's language.")
    def body(self) -> str:
        return notifications.render(self.row.kind, self.row.params, self.locale)[1]

    @strawberry.field(description="Whether the member has marked it read.")
    def read(self) -> bool:
        return self.row.read_at is not None

    @strawberry.field(description="When it was sent.")
    def created_at(self) -> datetime:
        return self.row.created_at

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids, required: bool = False):  # type: ignore[override]
        member = info.context.member
        if member is None:
            return [None for _ in node_ids]
        rows = {r.id: r for r in await NotificationRow.filter(id__in=[int(i) for i in node_ids], member_id=member.id)}
        return [notification_type(rows[int(i)], info) if int(i) in rows else None for i in node_ids]


def notification_type(row: NotificationRow, info: Info) -> Notification:
    return Notification(row_id=row.id, row=row, locale=info.context.locale)


@strawberry.type(description="A notification in a page of a member's notifications.")
class NotificationEdge:
    cursor: str = strawberry.field(description=CURSOR)
    node: Notification = strawberry.field(description=NODE)


@strawberry.type(description="A page of a member's notifications, newest first.")
class NotificationConnection:
    edges: list[NotificationEdge] = strawberry.field(description=EDGES)
    page_info: PageInfo = strawberry.field(description=PAGE_INFO)
    total_count: int = strawberry.field(description=TOTAL_COUNT)
    member_id: strawberry.Private[int] = 0

    @strawberry.field(description="The member's unread notifications, whatever the filter: the badge count.")
    async def unread_count(self) -> int:
        return await notifications.unread_count(self.member_id)


async def member_notifications(
    member: MemberRow, info: Info, first: int | None, after: str | None, unread_only: bool
) -> NotificationConnection:
    if first == 0 and after is None and unread_only:
        # The header's badge (``notifications(first: 0, unreadOnly: true) { totalCount }``) on every page.
        result = empty(NotificationConnection)
        result.total_count = await notifications.unread_count(member.id)
        result.member_id = member.id
        return result
    query = NotificationRow.filter(member_id=member.id)
    if unread_only:
        query = query.filter(read_at__isnull=True)
    page = await newest_first(query, first, after)
    result = connection(page, NotificationConnection, NotificationEdge, lambda row: notification_type(row, info))
    result.member_id = member.id
    return result

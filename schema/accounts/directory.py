"""Query.members: the member directory for staff and analysts (``server.accounts.directory``)."""

from __future__ import annotations

from typing import Annotated

import strawberry
from graphql import GraphQLError
from strawberry.types import Info

from schema.accounts.types import Member, member_type
from schema.insight.enums import LifecycleStage, RfmSegment
from schema.pagination import (
    BAD_CURSOR,
    CURSOR,
    EDGES,
    NODE,
    PAGE_INFO,
    TOTAL_COUNT,
    After,
    First,
    PageInfo,
    decode_cursor,
    encode_cursor,
    page_size,
    paging_error,
)
from schema.permissions import is_reader
from server.accounts import directory
from server.core.errors import DomainError, ErrorCode

CURSOR_KIND = "member"


@strawberry.input(description="Which members to list; every given part must hold, an empty or null part matches all.")
class MemberFilter:
    search: str | None = strawberry.field(
        default=None,
        description=f"Substring of e-mail or display name, case-insensitive; up to {directory.MAX_SEARCH} characters.",
    )
    tier_codes: list[str] | None = strawberry.field(default=None, description="Members holding one of these tiers.")
    segments: list[RfmSegment] | None = strawberry.field(
        default=None,
        description="Members in one of these RFM segments of the latest insight snapshot; a member the snapshot "
        "has not seen yet counts as NO_PURCHASES.",
    )
    stages: list[LifecycleStage] | None = strawberry.field(
        default=None,
        description="Members in one of these lifecycle stages; a member the snapshot has not seen yet counts as "
        "NEW while they joined 30 days ago or less, CHURNED after that.",
    )
    high_value: bool | None = strawberry.field(
        default=None,
        description="Only members with (true) or without (false) a monetary score of 5; a member the snapshot "
        "has not seen yet is not high-value.",
    )


@strawberry.type(description="One member in a list, with its cursor.")
class MemberEdge:
    cursor: str = strawberry.field(description=CURSOR)
    node: Member = strawberry.field(description=NODE)


@strawberry.type(description="A page of members, newest first.")
class MemberConnection:
    edges: list[MemberEdge] = strawberry.field(description=EDGES)
    page_info: PageInfo = strawberry.field(description=PAGE_INFO)
    total_count: int = strawberry.field(description=TOTAL_COUNT)


def domain_filter(value: MemberFilter | None) -> directory.MemberFilter:
    if value is None:
        return directory.MemberFilter()
    return directory.MemberFilter(
        search=value.search,
        tier_codes=tuple(value.tier_codes or ()),
        segments=tuple(value.segments or ()),
        stages=tuple(value.stages or ()),
        high_value=value.high_value,
    )


def _refusal(error: DomainError) -> GraphQLError:
    return GraphQLError(error.message, extensions={"code": error.code.value, "field": error.field})


@strawberry.type
class DirectoryQuery:
    @strawberry.field(
        description="Staff and analysts: members matching a filter, newest first, for lists, exports and campaign "
        "audiences. Paging continues from a cursor (never an offset), so every page costs the same. "
        "Anyone else gets a GraphQL error with extensions.code FORBIDDEN (NOT_AUTHENTICATED when signed out). "
        "With `last`, the page is the `last` members just before `before` (the console's previous page)."
    )
    async def members(
        self,
        info: Info,
        first: First = 20,
        after: After = None,
        filter: Annotated[
            MemberFilter | None, strawberry.argument(description="Which members; null lists everyone.")
        ] = None,
        last: Annotated[
            int | None,
            strawberry.argument(description="Page backwards: this many members before `before` (`first` is ignored)."),
        ] = None,
        before: Annotated[
            str | None, strawberry.argument(description="With `last`: end the page just before this cursor.")
        ] = None,
    ) -> MemberConnection:
        if not is_reader(info):
            signed_in = info.context.member is not None or info.context.partner is not None
            code = ErrorCode.FORBIDDEN if signed_in else ErrorCode.NOT_AUTHENTICATED
            raise GraphQLError("Only staff and analysts can list members.", extensions={"code": code.value})
        if last is not None:
            if not 0 <= last <= directory.MAX_PAGE:
                raise paging_error("last", f"`last` must be between 0 and {directory.MAX_PAGE}.")
            try:
                before_id = decode_cursor(CURSOR_KIND, before)
            except GraphQLError:
                raise paging_error("before", BAD_CURSOR) from None
            size, after_id = last, None
        else:
            size, after_id, before_id = page_size(first), decode_cursor(CURSOR_KIND, after), None
        try:
            page = await directory.member_page(
                domain_filter(filter), size, after_id, last=size if last is not None else None, before=before_id
            )
        except DomainError as error:
            raise _refusal(error) from None
        cursors = [encode_cursor(CURSOR_KIND, row.id) for row in page.members]
        return MemberConnection(
            edges=[MemberEdge(cursor=c, node=member_type(row)) for row, c in zip(page.members, cursors, strict=True)],
            page_info=PageInfo(
                has_next_page=page.has_next,
                has_previous_page=page.has_previous,
                start_cursor=cursors[0] if cursors else None,
                end_cursor=cursors[-1] if cursors else None,
            ),
            total_count=page.total,
        )

"""Relay connections over Tortoise querysets.

Lists that grow while a client pages through them (the ledger, notifications) use keyset
cursors on the id, newest first, so "load more" never repeats or skips an entry. Short,
differently ordered lists (the catalog) use offset cursors.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

import strawberry
from graphql import GraphQLError
from strawberry.relay import PageInfo

MAX_PAGE = 100
MAX_CURSOR = 2**62
T = TypeVar("T")

# The paging arguments every connection field takes, described once. A bad value is a GraphQL
# error (not a userError: queries have no payload) whose extensions carry the code and argument.
First = Annotated[
    int | None,
    strawberry.argument(
        description=f"How many to return, 0 to {MAX_PAGE} (0 answers only totalCount and pageInfo). "
        "Outside that range the answer is a GraphQL error with extensions.code INVALID_INPUT and "
        'extensions.field "first".'
    ),
]
After = Annotated[
    str | None,
    strawberry.argument(
        description="Continue after this cursor: an edge's cursor or pageInfo.endCursor from this same "
        "connection. Any other text is a GraphQL error with extensions.code INVALID_INPUT and "
        'extensions.field "after".'
    ),
]

FIRST_RANGE = f"`first` must be between 0 and {MAX_PAGE}."
BAD_CURSOR = "Invalid cursor: pass an endCursor this API returned."

# What every connection and edge type says about its fields.
EDGES = "This page's items, each with its cursor."
PAGE_INFO = "Where this page sits: pass endCursor as `after` for the next page."
TOTAL_COUNT = "How many items the whole list holds, across all pages."
CURSOR = "Opaque position of this item: pass it as `after` to continue after it."
NODE = "The item."


@dataclass
class Page(Generic[T]):
    items: list[T]
    cursors: list[str]
    page_info: PageInfo
    total_count: int


def encode_cursor(kind: str, value: int) -> str:
    return base64.urlsafe_b64encode(f"{kind}:{value}".encode()).decode()


def decode_cursor(kind: str, cursor: str | None) -> int | None:
    if cursor is None:
        return None
    try:
        prefix, value = base64.urlsafe_b64decode(cursor.encode()).decode().split(":", 1)
        # Digits only, within BIGINT: a sign or a larger number would make the database fail the query.
        if prefix != kind or not (value.isascii() and value.isdigit()) or int(value) > MAX_CURSOR:
            raise ValueError(prefix)
        return int(value)
    except (ValueError, UnicodeDecodeError):
        raise paging_error("after", BAD_CURSOR) from None


def page_size(first: int | None) -> int:
    if first is None:
        return 20
    if not 0 <= first <= MAX_PAGE:
        raise paging_error("first", FIRST_RANGE)
    return first


def paging_error(argument: str, message: str) -> GraphQLError:
    """A refused paging argument: a GraphQL error with the code and argument in its extensions."""
    return GraphQLError(message, extensions={"code": "INVALID_INPUT", "field": argument})


async def newest_first(queryset: Any, first: int | None, after: str | None) -> Page:
    """Keyset page over ``queryset`` ordered by id descending."""
    return await _by_id(queryset, first, after, newest=True)


async def oldest_first(queryset: Any, first: int | None, after: str | None) -> Page:
    """Keyset page over ``queryset`` ordered by id ascending (queues: the longest waiting first)."""
    return await _by_id(queryset, first, after, newest=False)


async def _by_id(queryset: Any, first: int | None, after: str | None, *, newest: bool) -> Page:
    size = page_size(first)
    after_id = decode_cursor("id", after)
    total = await queryset.count()
    page_query = queryset.order_by("-id" if newest else "id")
    if after_id is not None:
        page_query = page_query.filter(id__lt=after_id) if newest else page_query.filter(id__gt=after_id)
    rows = await page_query.limit(size + 1) if size else []
    items = list(rows[:size])
    cursors = [encode_cursor("id", row.id) for row in items]
    return Page(
        items=items,
        cursors=cursors,
        page_info=PageInfo(
            has_next_page=len(rows) > size,
            has_previous_page=after_id is not None,
            start_cursor=cursors[0] if cursors else None,
            end_cursor=cursors[-1] if cursors else None,
        ),
        total_count=total,
    )


async def by_offset(queryset: Any, first: int | None, after: str | None, ordering: Sequence[str]) -> Page:
    """Offset page over ``queryset`` in ``ordering``."""
    size = page_size(first)
    start = decode_cursor("offset", after)
    start = 0 if start is None else start + 1
    total = await queryset.count()
    rows = await queryset.order_by(*ordering).offset(start).limit(size + 1) if size else []
    items = list(rows[:size])
    cursors = [encode_cursor("offset", start + i) for i in range(len(items))]
    return Page(
        items=items,
        cursors=cursors,
        page_info=PageInfo(
            has_next_page=len(rows) > size,
            has_previous_page=start > 0,
            start_cursor=cursors[0] if cursors else None,
            end_cursor=cursors[-1] if cursors else None,
        ),
        total_count=total,
    )


def connection(page: Page, conn_cls: Any, edge_cls: Any, to_node: Callable[[Any], Any]) -> Any:
    """Build the contract's named ``XConnection`` from a page."""
    return conn_cls(
        edges=[edge_cls(cursor=c, node=to_node(item)) for item, c in zip(page.items, page.cursors, strict=True)],
        page_info=page.page_info,
        total_count=page.total_count,
    )


def empty(conn_cls: Any) -> Any:
    return conn_cls(
        edges=[],
        page_info=PageInfo(has_next_page=False, has_previous_page=False, start_cursor=None, end_cursor=None),
        total_count=0,
    )


__all__ = [
    "After",
    "First",
    "PageInfo",
    "Page",
    "connection",
    "newest_first",
    "oldest_first",
    "by_offset",
    "empty",
    "strawberry",
]

"""Batch loaders for review lists: author names, authors and their histories without an N+1."""

from __future__ import annotations

from collections.abc import Sequence

from schema.dataloaders import batch
from server.accounts.public_names import ANONYMOUS, FORMER_MEMBER, masked_name
from server.models import Member
from server.social import moderation


@batch("reviews.author_name")
async def load_author_names(member_ids: Sequence[int]) -> list[str]:
    rows = await Member.filter(id__in=list(set(member_ids))).values("id", "display_name", "erased_at")
    names = {row["id"]: FORMER_MEMBER if row["erased_at"] else masked_name(row["display_name"]) for row in rows}
    return [names.get(member_id, ANONYMOUS) for member_id in member_ids]


@batch("reviews.author")
async def load_authors(member_ids: Sequence[int]) -> list[Member | None]:
    rows = {row.id: row for row in await Member.filter(id__in=list(set(member_ids)))}
    return [rows.get(member_id) for member_id in member_ids]


@batch("reviews.history")
async def load_histories(member_ids: Sequence[int]) -> list[moderation.AuthorHistory]:
    found = await moderation.author_histories(member_ids)
    return [found[member_id] for member_id in member_ids]

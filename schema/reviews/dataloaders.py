"""Batch loaders for review lists: author names without an N+1."""

from __future__ import annotations

from collections.abc import Sequence

from schema.dataloaders import batch
from server.accounts.public_names import ANONYMOUS, masked_name
from server.models import Member


@batch("reviews.author_name")
async def load_author_names(member_ids: Sequence[int]) -> list[str]:
    rows = await Member.filter(id__in=list(set(member_ids))).values("id", "display_name")
    names = {row["id"]: masked_name(row["display_name"]) for row in rows}
    return [names.get(member_id, ANONYMOUS) for member_id in member_ids]

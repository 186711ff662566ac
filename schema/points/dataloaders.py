"""Batch loaders for points data shown beside a member."""

from __future__ import annotations

from collections.abc import Sequence

from schema.dataloaders import batch
from server.points import ledger


@batch("points.expiring")
async def load_expiring(member_ids: Sequence[int]) -> list[list[ledger.Expiry]]:
    grouped = await ledger.expiring(list(member_ids))
    return [grouped[member_id] for member_id in member_ids]

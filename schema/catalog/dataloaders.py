"""Batch loaders for the catalog: a whole list's benefits and eligibility in a fixed number of queries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from schema.dataloaders import batch
from server import catalog
from server.models import Benefit


@batch("catalog.benefit")
async def load_benefits(ids: Sequence[int]) -> list[Benefit]:
    rows = {row.id: row for row in await Benefit.filter(id__in=list(ids))}
    return [rows[i] for i in ids]


@batch("catalog.eligibility")
async def load_eligibility(keys: Sequence[tuple[int, int]]) -> list[catalog.Eligibility | None]:
    """Keys are (member id, benefit id); a request has one viewer, so this is one batch per member."""
    by_member: dict[int, list[int]] = defaultdict(list)
    for member_id, benefit_id in keys:
        by_member[member_id].append(benefit_id)
    answers: dict[tuple[int, int], catalog.Eligibility] = {}
    for member_id, benefit_ids in by_member.items():
        for benefit_id, answer in (await catalog.eligibility_for(member_id, benefit_ids)).items():
            answers[(member_id, benefit_id)] = answer
    return [answers.get(key) for key in keys]

"""The demo benefit catalog (filled in by the catalog work)."""

from __future__ import annotations


async def load_catalog() -> list[str]:
    return []

"""Per-request DataLoaders: related data for a whole list is fetched in one query.

``Loaders`` is created fresh for every request (on the context), so nothing cached leaks
between callers. Domain modules register batch functions with :func:`batch`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from strawberry.dataloader import DataLoader

BatchFn = Callable[[Sequence[Any]], Awaitable[list[Any]]]
_REGISTRY: dict[str, BatchFn] = {}


def batch(name: str) -> Callable[[BatchFn], BatchFn]:
    """Register a batch function under ``name``; it gets keys and returns values in key order."""

    def register(fn: BatchFn) -> BatchFn:
        _REGISTRY[name] = fn
        return fn

    return register


class Loaders:
    def __init__(self) -> None:
        self._loaders: dict[str, DataLoader] = {}

    def __getitem__(self, name: str) -> DataLoader:
        loader = self._loaders.get(name)
        if loader is None:
            loader = self._loaders[name] = DataLoader(load_fn=_REGISTRY[name])
        return loader

    async def load(self, name: str, key: Any) -> Any:
        return await self[name].load(key)

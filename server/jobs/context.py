"""What a running job sees: the time of the run, progress reporting and a polite stop."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

ProgressCallback = Callable[[str, int, int | None], None]


class JobStopped(Exception):
    """Raised by :meth:`JobContext.checkpoint` when the process is shutting down."""


@dataclass
class JobContext:
    """Handed to every job run.

    ``at`` is the moment the run treats as "now" (the clock at start, so one run is consistent
    with itself). Jobs working through many members call :meth:`checkpoint` between batches:
    it renews the lease and stops the job cleanly at a batch boundary when the server shuts down.
    """

    name: str
    at: datetime
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    on_progress: ProgressCallback | None = None
    renew: Callable[[], object] | None = None

    def progress(self, done: int, total: int | None = None, label: str = "") -> None:
        """Report progress (the CLI draws a bar; the server ignores it)."""
        if self.on_progress is not None:
            self.on_progress(label or self.name, done, total)

    async def checkpoint(self) -> None:
        """Between batches: keep the lease alive, and stop here if shutdown was requested."""
        if self.stop.is_set():
            raise JobStopped(self.name)
        if self.renew is not None:
            result = self.renew()
            if asyncio.iscoroutine(result):
                await result

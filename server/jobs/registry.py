"""The registry of timed jobs: each domain declares its jobs with :func:`job` in its ``jobs`` module.

A job is an async function taking a :class:`JobContext` and returning a one-line summary. It
must be idempotent and catch up by itself: it is given the time of the run (``ctx.at``) and
does everything due by then that was not done before (a birthday missed while the server was
down is still rewarded, once). The scheduler may run it often; running it twice does nothing
more than running it once.

Modules named ``server.<domain>.jobs`` are imported by :func:`registered`, so adding a job
needs no edit here.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from server.jobs.context import JobContext

JobFunction = Callable[["JobContext"], Awaitable[str]]


@dataclass(frozen=True)
class Job:
    name: str
    run: JobFunction
    every: timedelta
    description: str
    lease: timedelta
    order: int


_JOBS: dict[str, Job] = {}


def job(
    name: str,
    *,
    every: timedelta,
    description: str,
    lease: timedelta = timedelta(minutes=5),
    order: int = 100,
) -> Callable[[JobFunction], JobFunction]:
    """Register ``name`` to run about every ``every``.

    ``lease`` is how long one run may go without calling ``ctx.checkpoint()`` before another
    process may assume it died and take over; ``order`` sorts jobs within a scheduler pass
    (lower first: expiry runs before the tier review that reads balances).
    """

    def register(function: JobFunction) -> JobFunction:
        if name in _JOBS and _JOBS[name].run is not function:
            raise ValueError(f"two jobs are named {name!r}")
        _JOBS[name] = Job(name, function, every, description, lease, order)
        return function

    return register


def registered() -> list[Job]:
    """Every job of every domain, in run order (imports ``server.<domain>.jobs`` modules once)."""
    import server

    for module in pkgutil.iter_modules(server.__path__):
        if module.ispkg and module.name not in ("jobs", "models"):
            try:
                importlib.import_module(f"server.{module.name}.jobs")
            except ModuleNotFoundError as exc:
                if exc.name != f"server.{module.name}.jobs":
                    raise
    return sorted(_JOBS.values(), key=lambda j: (j.order, j.name))


def find(name: str) -> Job | None:
    return next((j for j in registered() if j.name == name), None)

"""Running jobs: one job under its lease, the due ones (the scheduler's pass), or a chosen set (the CLI)."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
from dataclasses import dataclass

from server.core import clock
from server.jobs import lease
from server.jobs.context import JobContext, JobStopped, ProgressCallback
from server.jobs.registry import Job, find, registered

log = logging.getLogger("patron.jobs")


def holder_name() -> str:
    """Who holds a lease: host and process, for operators reading job_state."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}"


@dataclass(frozen=True)
class JobOutcome:
    name: str
    status: str  # ok, failed, stopped, busy (another process holds the lease), skipped (not due)
    summary: str
    seconds: float


async def run_job(
    job: Job,
    *,
    holder: str | None = None,
    stop: asyncio.Event | None = None,
    on_progress: ProgressCallback | None = None,
) -> JobOutcome:
    """Run ``job`` once if its lease can be taken; a failure is logged and recorded, never raised."""
    holder = holder or holder_name()
    if not await lease.acquire(job.name, holder, job.lease):
        return JobOutcome(job.name, "busy", "another process is running it", 0.0)
    started = time.perf_counter()
    context = JobContext(
        name=job.name,
        at=clock.now(),
        stop=stop or asyncio.Event(),
        on_progress=on_progress,
        renew=lambda: lease.renew(job.name, holder, job.lease),
    )
    status, summary = "ok", ""
    try:
        summary = await job.run(context)
    except JobStopped:
        status, summary = "stopped", "stopped at a batch boundary for shutdown"
    except asyncio.CancelledError:
        status, summary = "stopped", "cancelled"
        raise
    except Exception as exc:
        log.exception("job %s failed", job.name)
        status, summary = "failed", f"{type(exc).__name__}: {exc}"
    finally:
        seconds = time.perf_counter() - started
        await asyncio.shield(
            lease.release(job.name, holder, status=status, summary=summary, duration_ms=int(seconds * 1000))
        )
        _observe(job.name, status, seconds)
    log.info("job %s %s in %.2f s: %s", job.name, status, seconds, summary)
    return JobOutcome(job.name, status, summary, seconds)


async def run_due(*, holder: str | None = None, stop: asyncio.Event | None = None) -> list[JobOutcome]:
    """The scheduler's pass: every job whose interval has passed since its last finished run."""
    outcomes = []
    now = clock.now()
    for job in registered():
        if stop is not None and stop.is_set():
            break
        finished = await lease.last_finished(job.name)
        if finished is not None and finished + job.every > now:
            continue
        outcomes.append(await run_job(job, holder=holder, stop=stop))
    return outcomes


async def run_jobs(
    only: list[str] | None = None, *, on_progress: ProgressCallback | None = None
) -> list[JobOutcome]:
    """Run every job (or the named ones) now, due or not: each does only what is due by the clock."""
    if only:
        unknown = [name for name in only if find(name) is None]
        if unknown:
            names = ", ".join(j.name for j in registered())
            raise ValueError(f"no job named {', '.join(unknown)} (jobs: {names})")
        chosen = [j for j in registered() if j.name in only]
    else:
        chosen = registered()
    return [await run_job(job, on_progress=on_progress) for job in chosen]


# Observers (metrics) hear of every run; the operations side registers one.
_OBSERVERS: list = []


def observe_runs(callback) -> None:  # type: ignore[no-untyped-def]
    """``callback(name, status, seconds)`` after every run in this process (for metrics)."""
    _OBSERVERS.append(callback)


def _observe(name: str, status: str, seconds: float) -> None:
    for callback in _OBSERVERS:
        try:
            callback(name, status, seconds)
        except Exception:  # a metrics bug must not break a job
            log.exception("job observer failed")

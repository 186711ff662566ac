"""The scheduler inside ``patron serve``: runs each due job, about every ``PATRON_JOBS_INTERVAL``.

Every worker runs the loop; the lease in the database makes each run happen once. A random
start delay keeps workers that start together from all asking at the same moment. On shutdown
the running job stops at its next batch boundary (``ctx.checkpoint()``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random

from server.jobs.runner import holder_name, run_due

log = logging.getLogger("patron.jobs")


async def schedule_forever(interval: float, stop: asyncio.Event) -> None:
    """Run due jobs every ``interval`` seconds until ``stop`` is set; a failed pass is logged and retried."""
    holder = holder_name()
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), random.uniform(1, min(10, interval)))
    while not stop.is_set():
        try:
            await run_due(holder=holder, stop=stop)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("scheduler pass failed; retrying in %s s", interval)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), interval)

"""The lifecycle sweep inside ``patron serve``: lapsed points expire without an external cron.

Every worker runs the sweep; that is safe because each member is handled under their own lock
and warnings are de-duplicated, and a random start offset keeps workers from sweeping at once.
"""

from __future__ import annotations

import asyncio
import logging
import random

from server.points.lifecycle import run_lifecycle

log = logging.getLogger("patron.lifecycle")


async def sweep_forever(interval: int) -> None:
    """Run the lifecycle every ``interval`` seconds until cancelled; a failed sweep is logged and retried."""
    await asyncio.sleep(random.uniform(1, min(60, interval)))
    while True:
        try:
            for line in await run_lifecycle():
                log.info("lifecycle: %s", line)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("lifecycle sweep failed; retrying in %s s", interval)
        await asyncio.sleep(interval)

"""The webhooks domain's timed work: the ``webhook`` outbox channel and the ``webhooks`` job.

Importing this module registers the channel (``patron serve`` imports every domain's jobs at
start-up, so its sender loop delivers webhooks within seconds of a commit), and ``patron jobs
run --only webhooks`` sends every delivery due by the clock it runs under, retries included.
"""

from __future__ import annotations

from datetime import timedelta

from server.jobs import JobContext, job
from server.messages import outbox
from server.webhooks.sending import CHANNEL_SPEC
from server.webhooks.subscribers import CHANNEL

outbox.register_channel(CHANNEL_SPEC)


@job(
    "webhooks",
    every=timedelta(minutes=1),
    order=91,
    description="Send every webhook delivery that is due (retries included).",
)
async def send_webhooks(ctx: JobContext) -> str:
    report = await outbox.deliver_due(CHANNEL, at=ctx.at)
    return f"Webhooks: {report}."

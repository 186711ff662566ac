"""The messages domain's timed work: the ``email`` outbox channel and the ``mail`` job.

Importing this module registers the channel (``patron serve`` imports every domain's jobs at
start-up, so its sender loop delivers e-mail), and ``patron jobs run --only mail`` sends every
e-mail due by the clock it runs under — for cron, or to catch up after downtime.
"""

from __future__ import annotations

from datetime import timedelta

from server.jobs import JobContext, job
from server.messages import outbox
from server.messages.delivery import CHANNEL_SPEC
from server.messages.emails import CHANNEL

outbox.register_channel(CHANNEL_SPEC)


@job("mail", every=timedelta(minutes=1), order=90, description="Send every e-mail that is due (retries included).")
async def send_mail(ctx: JobContext) -> str:
    report = await outbox.deliver_due(CHANNEL, at=ctx.at)
    return f"E-mail: {report}."

"""The state of each timed job: its lease (who runs it now) and how its last run went."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class JobState(Model):
    """One row per job name. ``lease_until`` in the future means a process is running the job.

    The lease is taken with a conditional UPDATE, so however many workers and cron processes
    start a job at once, exactly one runs it; a crashed runner's lease simply lapses.
    """

    name = fields.CharField(max_length=64, primary_key=True)
    holder = fields.CharField(max_length=64, null=True)
    lease_until = fields.DatetimeField(null=True)
    last_started_at = fields.DatetimeField(null=True)
    last_finished_at = fields.DatetimeField(null=True)
    last_status = fields.CharField(max_length=16, default="never")
    last_summary = fields.TextField(default="")
    last_duration_ms = fields.IntField(default=0)
    runs = fields.IntField(default=0)

    class Meta:
        table = "job_state"

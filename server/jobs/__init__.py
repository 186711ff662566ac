"""Timed work: one scheduler (in ``patron serve``, and ``patron jobs run`` for cron) for every domain's jobs.

Declare a job in ``server/<domain>/jobs.py`` with :func:`job`; see ``server.jobs.registry``.
"""

from server.jobs.context import JobContext, JobStopped  # noqa: F401
from server.jobs.registry import Job, job, registered  # noqa: F401
from server.jobs.runner import JobOutcome, observe_runs, run_due, run_job, run_jobs  # noqa: F401

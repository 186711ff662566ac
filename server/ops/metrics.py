"""Prometheus metrics: requests by route and GraphQL operation, jobs, the outbox backlog, points.

Counters and histograms live in this process (prometheus-client). With ``patron serve
--workers N`` (N > 1) each worker writes its samples to files under
``PROMETHEUS_MULTIPROC_DIR`` (``<var>/prometheus``, emptied when the server starts) and a
scrape, answered by whichever worker, adds them all up. The outbox backlog is read from the
database at scrape time, so it is the same whoever answers.

Labels stay bounded: a route is its template (``/rewards/{slug}``), never the raw path; an
operation name is kept only if it looks like one, and after :data:`MAX_OPERATIONS` distinct
names the rest count as ``other``.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4

from server.jobs import observe_runs
from server.points import ledger

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
MAX_OPERATIONS = 200
_OPERATION_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4  # what every Prometheus version reads; our names are plain ASCII

REQUESTS = Counter(
    "patron_http_requests",
    "HTTP requests answered, by method, route template, GraphQL operation name and status.",
    ["method", "route", "operation", "status"],
)
LATENCY = Histogram(
    "patron_http_request_duration_seconds",
    "Time to answer an HTTP request, by route template and GraphQL operation name.",
    ["route", "operation"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
JOB_RUNS = Counter("patron_job_runs", "Timed job runs in this server, by job and outcome.", ["job", "status"])
JOB_DURATION = Histogram(
    "patron_job_duration_seconds",
    "How long timed job runs took, by job.",
    ["job"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0),
)
POINTS_ISSUED = Counter("patron_points_issued", "Points credited to members, by ledger kind.", ["kind"])
POINTS_REDEEMED = Counter(
    "patron_points_redeemed", "Points debited from members (spent, expired, taken back), by ledger kind.", ["kind"]
)

_operations: set[str] = set()


def operation_label(name: str | None) -> str:
    """The GraphQL operation name as a label: ``-`` for none, ``other`` past the cap or if malformed."""
    if not name:
        return "-"
    if not _OPERATION_NAME.match(name):
        return "other"
    if name not in _operations:
        if len(_operations) >= MAX_OPERATIONS:
            return "other"
        _operations.add(name)
    return name


def observe_request(method: str, route: str, operation: str | None, status: int, seconds: float) -> None:
    label = operation_label(operation)
    REQUESTS.labels(method, route, label, str(status)).inc()
    LATENCY.labels(route, label).observe(seconds)


def _observe_job(name: str, status: str, seconds: float) -> None:
    JOB_RUNS.labels(name, status).inc()
    JOB_DURATION.labels(name).observe(seconds)


def _observe_entry(kind: str, delta: int) -> None:
    if delta > 0:
        POINTS_ISSUED.labels(kind).inc(delta)
    elif delta < 0:
        POINTS_REDEEMED.labels(kind).inc(-delta)


observe_runs(_observe_job)
ledger.observe_entries(_observe_entry)


def prepare_multiprocess(var_dir: Path, workers: int) -> Path | None:
    """For ``patron serve --workers N>1``: an empty samples directory, exported to the workers."""
    if workers <= 1:
        return None
    directory = Path(os.environ.get(MULTIPROC_ENV) or var_dir / "prometheus").resolve()
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True, exist_ok=True)
    os.environ[MULTIPROC_ENV] = str(directory)
    return directory


def exposition(backlog: dict[str, int]) -> bytes:
    """The text format for a scrape: every process's samples plus the outbox backlog per channel."""
    if os.environ.get(MULTIPROC_ENV):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        body = generate_latest(registry)
    else:
        from prometheus_client import REGISTRY

        body = generate_latest(REGISTRY)
    scrape = CollectorRegistry()
    scrape.register(_Backlog(backlog))
    return body + generate_latest(scrape)


class _Backlog:
    def __init__(self, backlog: dict[str, int]) -> None:
        self.backlog = backlog

    def collect(self):  # type: ignore[no-untyped-def]
        family = GaugeMetricFamily(
            "patron_outbox_backlog", "Outbox messages waiting to be sent, by channel.", labels=["channel"]
        )
        for channel, count in sorted(self.backlog.items()):
            family.add_metric([channel], count)
        yield family

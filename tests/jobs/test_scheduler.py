"""The scheduler: leases make each run happen once, runs are recorded, shutdown stops at a batch boundary."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from server.core import clock
from server.jobs import JobContext, job, registered, run_due, run_job, run_jobs
from server.jobs.registry import _JOBS
from server.models import JobState

CALLS: list[str] = []


@pytest.fixture
def counting_job():
    """A job that takes a moment and counts its runs; removed from the registry afterwards."""
    CALLS.clear()

    @job("test-counting", every=timedelta(hours=1), description="counts", order=999)
    async def counting(ctx: JobContext) -> str:
        CALLS.append(ctx.name)
        await asyncio.sleep(0.2)
        return f"ran at {ctx.at.isoformat()}"

    yield _JOBS["test-counting"]
    _JOBS.pop("test-counting", None)


async def test_runners_started_together_run_a_job_once(counting_job) -> None:
    # Given five runners (workers, cron) starting the same job at the same moment
    outcomes = await asyncio.gather(*(run_job(counting_job, holder=f"worker-{i}") for i in range(5)))

    # Then exactly one ran it; the others saw the lease and stepped aside
    assert sorted(o.status for o in outcomes) == ["busy"] * 4 + ["ok"]
    assert CALLS == ["test-counting"]
    state = await JobState.get(name="test-counting")
    assert state.runs == 1 and state.last_status == "ok" and state.holder is None
    assert state.last_summary.startswith("ran at ")


async def test_a_crashed_runners_lease_lapses_and_another_takes_over(counting_job) -> None:
    from server.jobs import lease

    # Given a runner that took the lease and died without giving it back
    assert await lease.acquire("test-counting", "dead-worker", timedelta(minutes=5))
    assert (await run_job(counting_job, holder="alive")).status == "busy"

    # When the lease has lapsed, the next runner runs the job
    with clock.travel(clock.now() + timedelta(minutes=6)):
        outcome = await run_job(counting_job, holder="alive")
    assert outcome.status == "ok"
    assert CALLS == ["test-counting"]


async def test_the_scheduler_runs_a_job_again_only_when_its_interval_has_passed(counting_job) -> None:
    await run_due(holder="w")
    await run_due(holder="w")
    assert CALLS.count("test-counting") == 1

    with clock.travel(clock.now() + timedelta(hours=1, minutes=1)):
        await run_due(holder="w")
    assert CALLS.count("test-counting") == 2


async def test_a_failing_job_is_recorded_and_does_not_stop_the_others() -> None:
    @job("test-broken", every=timedelta(hours=1), description="fails", order=998)
    async def broken(ctx: JobContext) -> str:
        raise RuntimeError("disk on fire")

    try:
        outcomes = {o.name: o for o in await run_jobs(["test-broken", "expiry"])}
    finally:
        _JOBS.pop("test-broken", None)

    assert outcomes["test-broken"].status == "failed"
    assert "disk on fire" in outcomes["test-broken"].summary
    assert outcomes["expiry"].status == "ok"
    assert (await JobState.get(name="test-broken")).last_status == "failed"


async def test_a_job_stops_at_its_next_batch_boundary_on_shutdown() -> None:
    batches: list[int] = []
    stop = asyncio.Event()

    @job("test-batches", every=timedelta(hours=1), description="batches", order=997)
    async def batched(ctx: JobContext) -> str:
        for number in range(100):
            await ctx.checkpoint()
            batches.append(number)
            if number == 2:
                stop.set()  # shutdown is requested while batch 2 runs
        return "done"

    try:
        outcome = await run_job(_JOBS["test-batches"], stop=stop)
    finally:
        _JOBS.pop("test-batches", None)

    assert outcome.status == "stopped"
    assert batches == [0, 1, 2]  # batch 2 finished; batch 3 never started
    assert (await JobState.get(name="test-batches")).holder is None


async def test_unknown_job_names_are_refused_with_the_list_of_jobs() -> None:
    with pytest.raises(ValueError, match="no job named nope .*expiry"):
        await run_jobs(["nope"])


def test_every_domain_job_is_registered_with_a_description() -> None:
    names = [j.name for j in registered()]
    assert {"expiry", "expiry-warnings", "tiers"} <= set(names)
    assert all(j.description for j in registered())

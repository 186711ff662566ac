"""Member.insight, segmentCounts and churnWatch over GraphQL; the nightly job; patron insight snapshot."""

from __future__ import annotations

from datetime import timedelta

from server.core import clock
from server.insight import take_snapshot
from server.jobs import registry, run_job
from server.models import InsightSnapshot, Member, Role
from tests.insight.support import NOW, history, member
from tests.points_support import member_of
from tests.test_cli import patron

MY_INSIGHT = """
query { viewer { insight { recencyDays frequency monetary recencyScore frequencyScore monetaryScore
  segment stage highValue churnRisk lifetimeValue computedAt } } }
"""
NODE_INSIGHT = """
query ($id: ID!) { node(id: $id) { ... on Member { email insight { segment stage } } } }
"""
COUNTS = """
query { segmentCounts { computedAt segments { segment members averageLifetimeValue }
  stages { stage members averageLifetimeValue } } }
"""
WATCH = """
query { churnWatch(first: 10) { totalCount warnings { member { email } fromStage toStage highValue } } }
"""


def member_gid(member_id: int) -> str:
    import base64

    return base64.b64encode(f"Member:{member_id}".encode()).decode()


async def test_a_member_reads_their_own_insight_null_before_the_first_snapshot(api) -> None:
    caller = await api.member()
    assert (await api.run(MY_INSIGHT, caller=caller))["viewer"]["insight"] is None
    now = clock.now()
    await history(await member_of(caller), (120, 10), (80, 40), now=now)
    await take_snapshot(now)
    insight = (await api.run(MY_INSIGHT, caller=caller))["viewer"]["insight"]
    assert insight["frequency"] == 2 and insight["monetary"] == "200.00"
    # the only buyer: every score is the middle one; joined today but bought 40 days ago: not NEW
    assert (insight["recencyScore"], insight["frequencyScore"], insight["monetaryScore"]) == (3, 3, 3)
    assert (insight["segment"], insight["stage"], insight["recencyDays"]) == ("NEED_ATTENTION", "ACTIVE", 10)
    assert insight["lifetimeValue"] == "1642.50"  # 200 over its 40 days: × 365/40 a year × 3 years × 0.30


async def test_staff_see_anyones_insight_other_members_do_not(api) -> None:
    someone = await api.member()
    other = await api.member()
    staff = await api.staff()
    await take_snapshot(clock.now())
    gid = member_gid((await member_of(someone)).id)
    assert (await api.run(NODE_INSIGHT, {"id": gid}, caller=staff))["node"]["insight"]["segment"] == "NO_PURCHASES"
    assert (await api.run(NODE_INSIGHT, {"id": gid}, caller=other))["node"] is None


async def test_segment_counts_for_staff_and_analysts_only(api) -> None:
    staff = await api.staff()
    plain = await api.member()
    assert (await api.run(COUNTS, caller=staff))["segmentCounts"] is None  # no snapshot yet
    await take_snapshot(clock.now())
    counts = (await api.run(COUNTS, caller=staff))["segmentCounts"]
    total = await Member.all().count()
    assert sum(s["members"] for s in counts["segments"]) == total == sum(s["members"] for s in counts["stages"])
    assert len(counts["segments"]) == 11 and len(counts["stages"]) == 5
    assert (await api.run(COUNTS, caller=plain))["segmentCounts"] is None
    assert (await api.run(WATCH, caller=plain))["churnWatch"] is None
    await Member.filter(email=staff.email).update(role=Role.ANALYST)
    assert (await api.run(COUNTS, caller=staff))["segmentCounts"] is not None
    assert (await api.run(WATCH, caller=staff))["churnWatch"]["totalCount"] == 0


async def test_the_nightly_job_runs_once_a_day_and_catches_up() -> None:
    job = registry.find("insight-snapshot")
    await history(await member(), (50, 10))
    with clock.travel(NOW):
        assert (await run_job(job)).status == "ok"
    with clock.travel(NOW + timedelta(hours=5)):
        outcome = await run_job(job)
        assert "Today's snapshot" in outcome.summary
    assert await InsightSnapshot.all().count() == 1
    await take_snapshot(NOW + timedelta(hours=6), trigger="cli")  # a snapshot by hand does not count
    with clock.travel(NOW + timedelta(days=3)):  # the server was down two nights: one snapshot on return
        assert "Snapshot of 1 member" in (await run_job(job)).summary
        assert "Today's snapshot" in (await run_job(job)).summary
    assert await InsightSnapshot.filter(trigger="job").count() == 2


async def test_the_cli_takes_a_snapshot(database_url: str) -> None:
    await member()
    done = await patron("insight", "snapshot")
    assert done.code == 0, done.err
    assert "Insight snapshot: 1 member(s)" in done.out
    assert await InsightSnapshot.filter(trigger="cli").count() == 1


async def test_patron_demo_takes_a_first_snapshot(database_url: str) -> None:
    done = await patron("demo", limit=300)
    assert done.code == 0, done.err
    assert "Insight snapshot:" in done.out
    snapshot = await InsightSnapshot.get(trigger="demo")
    assert snapshot.members == await Member.all().count() and snapshot.purchasers >= 1


async def test_the_members_data_download_holds_their_insight_and_moves() -> None:
    from server.accounts import data_rights

    who = await history(await member(), (60, 10))
    await take_snapshot(NOW)
    await take_snapshot(NOW + timedelta(days=100))  # ACTIVE → SLEEPING
    data = await data_rights.export_data(who)
    assert data["insight"]["latest"]["stage"] == "SLEEPING" and data["insight"]["latest"]["monetary"] == "60.00"
    assert [(m["fromStage"], m["toStage"]) for m in data["insight"]["moves"]] == [("ACTIVE", "SLEEPING")]
    data_rights.export_json(data)  # JSON-ready

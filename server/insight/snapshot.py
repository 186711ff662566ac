"""The insight snapshot: every account's RFM figures, segment, stage, churn risk and lifetime value.

Set-based: a handful of SQL statements whatever the number of members, no Python loop per member.

1. **Figures** (batches of member ids, so progress shows and SQLite's write lock is held briefly):
   per member, over purchases net of refunds (a fully refunded purchase is no purchase), dated by
   ``occurredAt``: frequency, spend and first/last purchase in the trailing 365 days, the first
   purchase ever (for NEW), the lifecycle stage and the lifetime value → ``insight_work``.
2. **Programme figures**: purchasers, distinct values per figure, the median purchase gap.
3. **Scores** (one UPDATE with window functions): R/F/M, segment, highValue and churn risk.
4. **Publish** (one transaction): a ``segment_change`` row for every member whose segment or stage
   moved since the last snapshot, then ``member_insight`` replaced by the new rows.

The rules themselves (quintiles and ties, the grid, stages, churn risk, lifetime value) are in
``server.insight.scoring``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from tortoise.transactions import in_transaction

from server.core.prepared import Statement, is_sqlite
from server.insight import scoring
from server.insight.scoring import DAY, WINDOW_DAYS, epoch
from server.models import InsightSnapshot
from server.points.program import get_program

BATCH = 50_000  # member ids per figures statement
Progress = Callable[[int, int | None, str], None]


@dataclass(frozen=True)
class SnapshotResult:
    snapshot: InsightSnapshot
    members: int
    purchasers: int
    changes: int


async def _run(sql: str, *args: object) -> int:
    return await Statement(sql).execute(*args)


async def _rows(sql: str, *args: object) -> list:
    return await Statement(sql).all(*args)


def _figures_sql(now_s: int, sqlite: bool) -> str:
    program = get_program()
    window_start = now_s - (WINDOW_DAYS + 1) * DAY  # "at most 365 whole days ago"
    in_window = f"p.s > {window_start}"
    stage = scoring.stage(now_s, "a.joined_s", "a.first_ever_s", "a.frequency", "a.last_s")
    lifetime = scoring.lifetime_cents(
        now_s, "a.cents", "a.joined_s", "a.first_s", program.expected_lifespan_years, program.gross_margin, sqlite
    )
    return f"""
        INSERT INTO insight_work (member_id, frequency, monetary_cents, recency_days, first_s, last_s,
                                  lifetime_cents, stage, segment, high_value, churn_risk)
        SELECT a.id, a.frequency, a.cents,
               CASE WHEN a.frequency > 0 THEN ({now_s} - a.last_s) / {DAY} END,
               a.first_s, a.last_s,
               CASE WHEN a.frequency > 0 THEN {lifetime} ELSE 0 END,
               {stage}, 'NO_PURCHASES', {'0' if sqlite else 'FALSE'}, 1.0
        FROM (
            SELECT m.id AS id, {epoch('m.joined_at', sqlite)} AS joined_s,
                   SUM(CASE WHEN {in_window} THEN 1 ELSE 0 END) AS frequency,
                   SUM(CASE WHEN {in_window} THEN p.cents ELSE 0 END) AS cents,
                   MIN(CASE WHEN {in_window} THEN p.s END) AS first_s,
                   MAX(CASE WHEN {in_window} THEN p.s END) AS last_s,
                   MIN(p.s) AS first_ever_s
            FROM member m
            LEFT JOIN (
                SELECT member_id, {epoch('occurred_at', sqlite)} AS s,
                       {scoring.cents('amount - refunded_amount')} AS cents
                FROM purchase
                WHERE member_id >= ? AND member_id < ? AND occurred_at <= ?
                  AND (amount - refunded_amount) > 0
            ) p ON p.member_id = m.id
            WHERE m.id >= ? AND m.id < ?
            GROUP BY m.id, m.joined_at
        ) a
    """


def _scores_sql(now_s: int, counts: tuple[int, int, int, int], median_gap_s: int, sqlite: bool) -> str:
    purchasers, r_distinct, f_distinct, m_distinct = counts
    r = scoring.score("rr", "rd", purchasers, r_distinct, sqlite)
    f = scoring.score("fr", "fd", purchasers, f_distinct, sqlite)
    m = scoring.score("mr", "md", purchasers, m_distinct, sqlite)
    return f"""
        UPDATE insight_work
        SET recency_score = s.r, frequency_score = s.f, monetary_score = s.m,
            high_value = (s.m = 5),
            segment = {scoring.segment("s.r", "(s.f + s.m)")},
            churn_risk = {scoring.churn_risk(now_s, median_gap_s, sqlite)}
        FROM (
            SELECT member_id, {r} AS r, {f} AS f, {m} AS m
            FROM (
                SELECT member_id,
                       RANK() OVER (ORDER BY recency_days DESC) AS rr,
                       DENSE_RANK() OVER (ORDER BY recency_days DESC) AS rd,
                       RANK() OVER (ORDER BY frequency) AS fr,
                       DENSE_RANK() OVER (ORDER BY frequency) AS fd,
                       RANK() OVER (ORDER BY monetary_cents) AS mr,
                       DENSE_RANK() OVER (ORDER BY monetary_cents) AS md
                FROM insight_work WHERE frequency > 0
            ) ranked
        ) s
        WHERE insight_work.member_id = s.member_id
    """


CHANGES_SQL = """
    INSERT INTO segment_change (snapshot_id, member_id, from_segment, to_segment, from_stage, to_stage,
                                high_value, changed_at)
    SELECT ?, w.member_id, o.segment, w.segment, o.stage, w.stage, w.high_value, ?
    FROM insight_work w JOIN member_insight o ON o.member_id = w.member_id
    WHERE o.segment <> w.segment OR o.stage <> w.stage
"""


def _publish_sql(sqlite: bool) -> str:
    return f"""
        INSERT INTO member_insight (member_id, recency_days, frequency, monetary, recency_score,
                                    frequency_score, monetary_score, segment, stage, high_value,
                                    churn_risk, lifetime_value, computed_at)
        SELECT w.member_id, w.recency_days, w.frequency, {scoring.decimal_of_cents('w.monetary_cents', sqlite)},
               w.recency_score, w.frequency_score, w.monetary_score, w.segment, w.stage, w.high_value,
               w.churn_risk, {scoring.decimal_of_cents('w.lifetime_cents', sqlite)}, ?
        FROM insight_work w JOIN member m ON m.id = w.member_id
    """


async def _median_gap_s(repeat_buyers: int) -> int:
    """The median of repeat buyers' mean gaps, in seconds (the rhythm of one-purchase members)."""
    if repeat_buyers == 0:
        return scoring.DEFAULT_GAP_DAYS * DAY
    middle = (repeat_buyers - 1) // 2
    take = 2 if repeat_buyers % 2 == 0 else 1
    rows = await _rows(
        "SELECT (last_s - first_s) / (frequency - 1) AS gap FROM insight_work WHERE frequency >= 2 "
        f"ORDER BY gap LIMIT {take} OFFSET {middle}"
    )
    return sum(int(row[0]) for row in rows) // len(rows)


async def take_snapshot(
    at: datetime, progress: Progress | None = None, checkpoint=None, trigger: str = "job"
) -> SnapshotResult:
    """Compute every account's insight as of ``at`` and publish it (see the module's steps).

    ``trigger`` records who asked (job, cli, demo): the nightly job runs once per day of its own.
    """
    started = time.perf_counter()
    report = progress or (lambda done, total, label: None)
    sqlite = is_sqlite()
    now_s = int(at.timestamp())
    program = get_program()
    await _run("DELETE FROM insight_work")
    low, high, total = (await _rows("SELECT MIN(id), MAX(id), COUNT(*) FROM member"))[0]
    total = int(total or 0)
    done = 0
    report(0, total, "members")
    figures = _figures_sql(now_s, sqlite)
    if total:
        for start in range(int(low), int(high) + 1, BATCH):
            await _run(figures, start, start + BATCH, at, start, start + BATCH)
            # Counted, not taken from the INSERT: asyncpg's driver reports an INSERT's OID there.
            done += (await _rows("SELECT COUNT(*) FROM member WHERE id >= ? AND id < ?", start, start + BATCH))[0][0]
            report(min(done, total), total, "members")
            if checkpoint is not None:
                await checkpoint()

    report(0, None, "scores")
    counts_row = (await _rows(
        "SELECT COUNT(*), COUNT(DISTINCT recency_days), COUNT(DISTINCT frequency), COUNT(DISTINCT monetary_cents), "
        "SUM(CASE WHEN frequency >= 2 THEN 1 ELSE 0 END) FROM insight_work WHERE frequency > 0"
    ))[0]
    counts = tuple(int(value or 0) for value in counts_row[:4])
    median_gap_s = await _median_gap_s(int(counts_row[4] or 0))
    if counts[0]:
        await _run(_scores_sql(now_s, counts, median_gap_s, sqlite))  # type: ignore[arg-type]
    if checkpoint is not None:
        await checkpoint()

    report(0, None, "publishing")
    async with in_transaction():
        snapshot = await InsightSnapshot.create(
            taken_at=at,
            day=at.astimezone(ZoneInfo(program.time_zone)).date(),
            members=done,
            purchasers=counts[0],
            median_gap_days=round(median_gap_s / DAY, 2),
            trigger=trigger,
        )
        await _run(CHANGES_SQL, snapshot.id, at)
        changes = (await _rows("SELECT COUNT(*) FROM segment_change WHERE snapshot_id = ?", snapshot.id))[0][0]
        await _run("DELETE FROM member_insight")
        await _run(_publish_sql(sqlite), at)
        snapshot.changes = changes
        snapshot.seconds = round(time.perf_counter() - started, 3)
        await snapshot.save(update_fields=["changes", "seconds"])
    await _run("DELETE FROM insight_work")
    report(done, total, "members")
    return SnapshotResult(snapshot, done, counts[0], changes)

"""Tier reviews in bulk: the ``tiers`` and ``tier-notices`` jobs, set-based and caught up exactly.

A tier above the lowest is reviewed on its review day (``tiers.review_on``), decided at the end
of that day on the window that ends with it: kept, or lowered one level at most. A review the
jobs missed is decided later *as of its own day* (the same window, the same outcome), and the
next one is a retention period after it, never after the late run.

Members due are found with the ``tier_review_on`` index (a first run fills the column for
members who reached their tier before it existed); each batch of up to a thousand is decided
in one transaction: lock the rows, re-read them, one grouped qualifying-points statement per
review day, one UPDATE per outcome, the notifications and e-mails in bulk.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from tortoise.transactions import in_transaction

from server.core import clock
from server.core.prepared import Columns, Statement
from server.jobs import JobContext
from server.messages import events
from server.messages.broadcast import Notice, notify_many
from server.models import JobState, Member
from server.points import tiers
from server.points.program import get_program

BATCH = 1000
NOTICE_DAYS = (30, 7)  # notices before a review that would lower the tier

_MEMBER = Columns(Member, "m")


def _marks(values: Sequence[object]) -> str:
    return ", ".join("?" * len(values))


async def _fill_review_days(ctx: JobContext | None) -> int:
    """Store ``tier_review_on`` for members above the base tier who have none (reached before it existed)."""
    base = get_program().base_tier.code
    filled = 0
    while True:
        rows = await Member.filter(tier_review_on__isnull=True).exclude(tier_code=base).limit(5000).values(
            "id", "tier_code", "tier_reached_at"
        )
        if not rows:
            return filled
        by_day: dict[date, list[int]] = defaultdict(list)
        retention = get_program().tier_retention_months
        for row in rows:
            by_day[clock.add_months(row["tier_reached_at"].astimezone(UTC).date(), retention)].append(row["id"])
        async with in_transaction():
            for day, ids in by_day.items():
                await Statement(
                    f"UPDATE member SET tier_review_on = ? WHERE tier_review_on IS NULL AND id IN ({_marks(ids)})"
                ).execute(day, *ids)
        filled += len(rows)
        if ctx is not None:
            ctx.progress(filled, None, "tier review days")
            await ctx.checkpoint()


async def _members(where: str, *args: object, lock: bool = False) -> list[Member]:
    rows = await Statement(
        f"SELECT {_MEMBER.sql} FROM member m WHERE {where} ORDER BY m.id", postgres_suffix="FOR UPDATE" if lock else ""
    ).all(*args)
    return [_MEMBER.load(row) for row in rows]


async def _qualifying_as_of(members: Sequence[Member], day_of: dict[int, date], at: datetime) -> dict[int, int]:
    """Qualifying points in the window ending with each member's review day (up to ``at`` at most)."""
    by_day: dict[date, list[int]] = defaultdict(list)
    for member in members:
        by_day[day_of[member.id]].append(member.id)
    totals = {member.id: 0 for member in members}
    for day, ids in by_day.items():
        start = tiers._midnight(tiers.window_start(day))
        end = min(tiers.review_end(day), at)
        rows = await Statement(
            "SELECT member_id, COALESCE(SUM(points_earned), 0) - COALESCE(SUM(points_refunded), 0) FROM purchase"
            f" WHERE member_id IN ({_marks(ids)}) AND occurred_at >= ? AND occurred_at < ? GROUP BY member_id"
        ).all(*ids, start, end)
        for member_id, total in rows:
            totals[int(member_id)] = int(total)
    return totals


@dataclass(frozen=True)
class Decision:
    member_id: int
    day: date
    before: str
    after: str
    next_review: date | None


async def _review_batch(member_ids: list[int], at: datetime) -> list[Decision]:
    """Decide every review due among ``member_ids`` (re-read under their locks); returns what changed."""
    program = get_program()
    today = at.astimezone(UTC).date()
    decisions: list[Decision] = []
    async with in_transaction():
        members = await _members(f"m.id IN ({_marks(member_ids)})", *member_ids, lock=True)
        due = {m.id: day for m in members if (day := tiers.review_on(m)) is not None and day < today}
        members = [m for m in members if m.id in due]
        if not members:
            return []
        qualifying = await _qualifying_as_of(members, due, at)
        kept: dict[date, list[int]] = defaultdict(list)
        lowered: dict[tuple[str, date], list[int]] = defaultdict(list)
        for member in members:
            day, current = due[member.id], program.tier(member.tier_code)
            after = tiers.outcome(current, qualifying[member.id])
            following = tiers.next_review(day) if after.rank > program.base_tier.rank else None
            decisions.append(Decision(member.id, day, current.code, after.code, following))
            if after.code == current.code:
                kept[following].append(member.id)  # type: ignore[index]
            else:
                lowered[(after.code, day)].append(member.id)
        for following, ids in kept.items():
            update = Statement(f"UPDATE member SET tier_review_on = ? WHERE id IN ({_marks(ids)})")
            await update.execute(following, *ids)
        for (code, day), ids in lowered.items():
            following = tiers.next_review(day) if code != program.base_tier.code else None
            await Statement(
                f"UPDATE member SET tier_code = ?, tier_reached_at = ?, tier_review_on = ? WHERE id IN ({_marks(ids)})"
            ).execute(code, tiers.review_end(day), following, *ids)
        await _tell(decisions, at)
        await events.publish_many(
            "TIER_CHANGED",
            [
                (d.member_id, tiers.change(d.before, d.after, tiers.review_end(d.day)))
                for d in decisions
                if d.before != d.after
            ],
        )
        await _lift_again(decisions, at)
    return decisions


async def _lift_again(decisions: list[Decision], at: datetime) -> None:
    """A review caught up late may lower a member whose window *today* earns more: upgrades are
    immediate, so they go straight back up (as a purchase would have lifted them)."""
    program = get_program()
    lowered = {d.member_id: program.tier(d.after) for d in decisions if d.before != d.after}
    if not lowered:
        return
    now = await tiers.qualifying_points_for(sorted(lowered), at)
    lifted: dict[str, list[int]] = defaultdict(list)
    for member_id, after in lowered.items():
        earned = program.tier_for(now[member_id])
        if earned.rank > after.rank:
            lifted[earned.code].append(member_id)
    following = tiers.next_review(at.astimezone(UTC).date())
    for code, ids in lifted.items():
        await Statement(
            f"UPDATE member SET tier_code = ?, tier_reached_at = ?, tier_review_on = ? WHERE id IN ({_marks(ids)})"
        ).execute(code, at, following, *ids)
        await events.publish_many(
            "TIER_CHANGED",
            [(i, tiers.change(lowered[i].code, code, at)) for i in ids],
        )
        key = f"tier-lift:{at.astimezone(UTC).date().isoformat()}"
        await notify_many(
            "TIER_UPGRADE", [Notice(i, tiers.tier_params(program.tier(code)), key) for i in ids], at=at
        )


async def _tell(decisions: list[Decision], at: datetime) -> None:
    program = get_program()
    kept = [
        Notice(
            d.member_id,
            {**tiers.tier_params(program.tier(d.after)), "date": d.day.isoformat(),
             "next_date": d.next_review.isoformat() if d.next_review else ""},
            f"tier-review:{d.day.isoformat()}",
        )
        for d in decisions
        if d.before == d.after
    ]
    lowered = [
        Notice(d.member_id, {**tiers.tier_params(program.tier(d.after)), "date": d.day.isoformat()},
               f"tier-review:{d.day.isoformat()}")
        for d in decisions
        if d.before != d.after
    ]
    await notify_many("TIER_KEPT", kept, at=at)
    await notify_many("TIER_DOWNGRADE", lowered, at=at)


THRESHOLDS = "tiers:thresholds"  # a job_state row remembering the thresholds the last sweep saw


async def _upgrade_sweep(at: datetime) -> int:
    """Lift members whose window now earns a higher tier, once after the programme's thresholds change.

    Upgrades happen at purchase time; only a programme file that lowers a threshold leaves
    members below the tier they earn. Then one grouped statement over the window's purchases
    finds them; on every other run the sweep costs one lookup.
    """
    program = get_program()
    if len(program.tiers) < 2:
        return 0
    seen = ",".join(f"{t.code}:{t.threshold}" for t in program.tiers)
    state = await JobState.get_or_none(name=THRESHOLDS)
    if state is not None and state.last_summary == seen:
        return 0
    start = tiers._midnight(tiers.window_start(at.astimezone(UTC).date()))
    rows = await Statement(
        "SELECT p.member_id, m.tier_code, SUM(p.points_earned) - SUM(p.points_refunded) FROM purchase p"
        " JOIN member m ON m.id = p.member_id WHERE p.occurred_at >= ? AND p.occurred_at <= ?"
        " GROUP BY p.member_id, m.tier_code HAVING SUM(p.points_earned) - SUM(p.points_refunded) >= ?"
    ).all(start, at, program.tiers[1].threshold)
    lifted = [
        int(member_id) for member_id, code, total in rows if program.tier_for(int(total)).rank > program.tier(code).rank
    ]
    from server.points import ledger

    for member_id in lifted:  # rare: only after a programme change, so one member at a time
        async with in_transaction():
            await tiers.apply_upgrade(await ledger.lock_member(member_id), at)
    await JobState.bulk_create([JobState(name=THRESHOLDS)], ignore_conflicts=True)
    await JobState.filter(name=THRESHOLDS).update(last_summary=seen, last_finished_at=at)
    return len(lifted)


async def review_due(at: datetime, ctx: JobContext | None = None) -> int:
    """Every review due by ``at`` (its day over), each decided as of its own day; returns tiers changed."""
    await _fill_review_days(ctx)
    today = at.astimezone(UTC).date()
    base = get_program().base_tier.code
    # By the index; a member whose override still runs is re-read and skipped (it postpones the review).
    ids = [
        row[0]
        for row in await Statement("SELECT id FROM member WHERE tier_code <> ? AND tier_review_on < ? ORDER BY id").all(
            base, today
        )
    ]
    changed = 0
    for start in range(0, len(ids), BATCH):
        if ctx is not None:
            ctx.progress(start, len(ids), "tier reviews")
            await ctx.checkpoint()
        decisions = await _review_batch([int(i) for i in ids[start : start + BATCH]], at)
        changed += sum(d.before != d.after for d in decisions)
    if ctx is not None:
        ctx.progress(len(ids), len(ids), "tier reviews")
    # After the reviews: a member lowered as of a past day who has the points today goes straight back up.
    return changed + await _upgrade_sweep(at)


async def send_notices(at: datetime, ctx: JobContext | None = None) -> int:
    """Notices 30 and 7 days before a review that would lower the tier, each once; returns how many were sent.

    A notice the jobs missed is still sent while its stage lasts (the 30-day one until 8 days
    before, the 7-day one until the review day); a stage that has passed is not sent late.
    """
    await _fill_review_days(ctx)
    today = at.astimezone(UTC).date()
    horizon = today + timedelta(days=max(NOTICE_DAYS))
    base = get_program().base_tier.code
    candidates = await _members(
        "m.tier_code <> ? AND ((m.tier_review_on >= ? AND m.tier_review_on <= ?)"
        " OR (m.tier_override_until >= ? AND m.tier_override_until <= ?))",
        base, today, horizon, today, horizon,
    )
    sent = 0
    for start in range(0, len(candidates), BATCH):
        if ctx is not None:
            ctx.progress(start, len(candidates), "tier notices")
            await ctx.checkpoint()
        sent += await _notice_batch(candidates[start : start + BATCH], at)
    return sent


async def _notice_batch(members: list[Member], at: datetime) -> int:
    program = get_program()
    today = at.astimezone(UTC).date()
    standing = await tiers.standing_for([(m.id, tiers.review_on(m)) for m in members], at)
    notices = []
    for member in members:
        day = tiers.review_on(member)
        if day is None or day < today:
            continue
        left = (day - today).days
        stage = next((n for n in sorted(NOTICE_DAYS) if left <= n), None)
        if stage is None:
            continue
        current = program.tier(member.tier_code)
        kept = standing[member.id][1]
        projected = tiers.outcome(current, kept)
        if projected.code == current.code:
            continue
        params = {
            **tiers.tier_params(current),
            "date": day.isoformat(),
            "points": current.threshold - kept,
            "days": stage,
            "projected_name": projected.name,
            "projected_name_zh": projected.name_zh or projected.name,
        }
        notices.append(Notice(member.id, params, f"tier-notice:{day.isoformat()}:{stage}"))
    if not notices:
        return 0
    async with in_transaction():
        return len(await notify_many("TIER_REVIEW_NOTICE", notices, at=at))


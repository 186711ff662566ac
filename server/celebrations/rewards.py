"""The yearly rewards: birthday points by tier, anniversary points, each with a greeting.

One reward per member and year (``celebration_reward``'s unique key), on the day in the
member's own time zone; a day missed while the jobs were down is caught up within
:data:`~server.celebrations.yearly.CATCH_UP`, never twice. The selection is one statement over
the member table (month and day against the few days the run covers), then each batch of a
thousand members is rewarded in one transaction: lock, re-check, ledger, reward rows,
notifications, e-mails.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from tortoise.transactions import in_transaction

from server.celebrations.yearly import CATCH_UP, latest_occurrence, local_day, month_days
from server.core.prepared import Statement, day, is_sqlite, moment
from server.jobs import JobContext
from server.messages.broadcast import Notice, notify_many
from server.models import CelebrationKind, CelebrationReward, LedgerKind, Role
from server.points import bulk
from server.points.ledger_text import Note
from server.points.program import get_program

BATCH = 1000
# A birthday set or corrected less than this long before it falls is not rewarded that year.
LOCK_IN = timedelta(days=30)


@dataclass(frozen=True)
class Due:
    member_id: int
    on: date  # the day it fell, in the member's zone
    years: int  # anniversaries: how many years a member


def _month_day(column: str) -> str:
    if is_sqlite():
        return f"substr({column}, 6, 5)"  # stored as ISO text: YYYY-MM-DD…, UTC for date-times
    if column == "m.joined_at":
        return "to_char(m.joined_at AT TIME ZONE 'UTC', 'MM-DD')"
    return f"to_char({column}, 'MM-DD')"


async def _candidates(kind: CelebrationKind, at: datetime) -> list[tuple]:
    """Members whose day may have come within the catch-up period and who have no reward for it yet."""
    today = at.astimezone(UTC).date()
    # Local days run from UTC-12 to UTC+14: one day either side (two for a joining instant) covers every zone.
    first, last = today - CATCH_UP - timedelta(days=2), today + timedelta(days=2)
    days = month_days(first, last)
    column = "m.birthday" if kind is CelebrationKind.BIRTHDAY else "m.joined_at"
    sql = (
        "SELECT m.id, m.birthday, m.birthday_set_at, m.joined_at, m.timezone FROM member m"
        f" WHERE m.role = ? AND {column} IS NOT NULL AND {_month_day(column)} IN ({', '.join('?' * len(days))})"
        " AND NOT EXISTS (SELECT 1 FROM celebration_reward r WHERE r.member_id = m.id AND r.kind = ?"
        " AND r.occurred_on >= ?) ORDER BY m.id"
    )
    return await Statement(sql).all(Role.MEMBER.value, *days, kind.value, first)


def _birthday_due(row: tuple, at: datetime) -> Due | None:
    member_id, born, set_at, joined_at, zone_name = row
    today = local_day(at, zone_name)
    on = latest_occurrence(day(born), today)
    if today - on > CATCH_UP:
        return None
    # Set at sign-up when the column predates the rule: joining counts as setting it.
    set_on = local_day(moment(set_at) or moment(joined_at), zone_name)
    if on - set_on < LOCK_IN:
        return None
    return Due(member_id, on, 0)


def _anniversary_due(row: tuple, at: datetime) -> Due | None:
    member_id, _, _, joined_at, zone_name = row
    today = local_day(at, zone_name)
    joined_on = local_day(moment(joined_at), zone_name)
    on = latest_occurrence(joined_on, today)
    years = on.year - joined_on.year
    if years < 1 or today - on > CATCH_UP:
        return None
    return Due(member_id, on, years)


async def _reward(kind: CelebrationKind, due: Sequence[Due], at: datetime) -> int:
    """Reward one batch in one transaction; returns how many members were rewarded."""
    program = get_program()
    async with in_transaction():
        held = await bulk.lock_members([d.member_id for d in due])
        done = set(
            await CelebrationReward.filter(
                member_id__in=list(held), kind=kind, year__in=sorted({d.on.year for d in due})
            ).values_list("member_id", "year")
        )
        fresh = [d for d in due if d.member_id in held and (d.member_id, d.on.year) not in done]
        if not fresh:
            return 0
        credits: dict[int, tuple[int, Note]] = {}
        for d in fresh:
            if kind is CelebrationKind.BIRTHDAY:
                points = program.birthday_points(held[d.member_id].tier_code)
                credits[d.member_id] = (points, Note("birthday", {"year": d.on.year}))
            else:
                credits[d.member_id] = (program.anniversary_points, Note("anniversary", {"years": d.years}))
        ledger_kind = LedgerKind.BIRTHDAY if kind is CelebrationKind.BIRTHDAY else LedgerKind.ANNIVERSARY
        credited = await bulk.credit_many(ledger_kind, credits, at, held)
        await CelebrationReward.bulk_create(
            [
                CelebrationReward(
                    member_id=d.member_id,
                    kind=kind,
                    year=d.on.year,
                    occurred_on=d.on,
                    points=credited.get(d.member_id, 0),
                    created_at=at,
                )
                for d in fresh
            ]
        )
        notices = [_greeting(kind, d, credited.get(d.member_id, 0)) for d in fresh]
        notification_kind = "BIRTHDAY_GREETING" if kind is CelebrationKind.BIRTHDAY else "MEMBERSHIP_ANNIVERSARY"
        await notify_many(notification_kind, notices, at=at)
    return len(fresh)


def _greeting(kind: CelebrationKind, due: Due, points: int) -> Notice:
    if kind is CelebrationKind.BIRTHDAY:
        params = {
            "points": points,
            "year": due.on.year,
            "points_text": f" {points:,} birthday points are in your account." if points else "",
            "points_text_zh": f"{points} 生日积分已到账。" if points else "",
        }
        return Notice(due.member_id, params, f"birthday:{due.on.year}")
    params = {
        "points": points,
        "years": due.years,
        "points_text": f" {points:,} anniversary points are in your account." if points else "",
        "points_text_zh": f"{points} 周年积分已到账。" if points else "",
    }
    return Notice(due.member_id, params, f"anniversary:{due.on.year}")


async def _run(
    kind: CelebrationKind, decide: Callable[[tuple, datetime], Due | None], at: datetime, ctx: JobContext | None
) -> int:
    due = [d for d in (decide(row, at) for row in await _candidates(kind, at)) if d is not None]
    rewarded = 0
    for start in range(0, len(due), BATCH):
        if ctx is not None:
            ctx.progress(start, len(due))
            await ctx.checkpoint()
        rewarded += await _reward(kind, due[start : start + BATCH], at)
    if ctx is not None:
        ctx.progress(len(due), len(due))
    return rewarded


async def reward_birthdays(at: datetime, ctx: JobContext | None = None) -> int:
    """Every birthday due by ``at`` (member's zone) and not rewarded yet; returns how many were rewarded."""
    return await _run(CelebrationKind.BIRTHDAY, _birthday_due, at, ctx)


async def reward_anniversaries(at: datetime, ctx: JobContext | None = None) -> int:
    """Every anniversary of joining due by ``at`` and not rewarded yet; returns how many were rewarded."""
    return await _run(CelebrationKind.ANNIVERSARY, _anniversary_due, at, ctx)

"""Daily check-in: once per calendar day in the member's time zone, with streak bonuses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from server.campaigns import earning as campaign_earning
from server.core import clock
from server.core.errors import DomainError, ErrorCode
from server.core.prepared import Statement, day, hydrate, moment
from server.models import CheckIn, LedgerKind, Member
from server.points import ledger
from server.points.ledger_text import Note
from server.points.program import get_program


@dataclass(frozen=True)
class CheckInStatus:
    today: date
    checked_in_today: bool
    streak: int
    today_points: int


@dataclass(frozen=True)
class CheckInResult:
    points_earned: int
    status: CheckInStatus
    member: Member


def local_today(member: Member, at: datetime | None = None) -> date:
    """The member's calendar day: a day is theirs, not the server's, so midnight is local midnight."""
    return (at or clock.now()).astimezone(ZoneInfo(member.timezone)).date()


def points_for_streak(streak: int) -> tuple[int, int]:
    """(base points, bonus points) for the day that makes a streak of ``streak`` days.

    Bonuses are milestones paid once per streak, on the exact day the streak reaches them
    (day 7: +20, day 30: +100 by default); a longer streak earns the daily points only, and a
    programme wanting more milestones lists them in ``streak_bonuses``.
    """
    program = get_program()
    bonus = sum(b.points for b in program.streak_bonuses if b.days == streak)
    return program.check_in_points, bonus


def status_from(member: Member, last: CheckIn | None, at: datetime | None = None) -> CheckInStatus:
    """Status given the member's most recent check-in (None when they never checked in)."""
    today = local_today(member, at)
    if last is not None and last.day >= today:
        # ``>=``: after a move west the last check-in can be "tomorrow"; today counts as done.
        return CheckInStatus(today, True, last.streak, last.points)
    alive = last is not None and last.day == today - timedelta(days=1)
    streak = last.streak if alive and last else 0
    base, bonus = points_for_streak(streak + 1)
    return CheckInStatus(today, False, streak, base + bonus)


LAST_CHECK_IN = Statement(
    "SELECT id, day, streak, points, created_at FROM check_in WHERE member_id = ? AND day >= ?"
    " ORDER BY day DESC LIMIT 1"
)


async def last_check_ins(member_ids: list[int]) -> dict[int, CheckIn]:
    """Most recent check-in per member, in one statement (prepared for the one-member case).

    Only the last few days matter for a status, so the scan stays small.
    """
    latest: dict[int, CheckIn] = {}
    if not member_ids:
        return latest
    horizon = clock.now().date() - timedelta(days=3)
    if len(member_ids) > 1:
        # ids ascend with time per member, so the last row per member wins.
        for row in await CheckIn.filter(member_id__in=member_ids, day__gte=horizon).order_by("member_id", "day"):
            latest[row.member_id] = row
        return latest
    row = await LAST_CHECK_IN.one(member_ids[0], horizon)
    if row is not None:
        latest[member_ids[0]] = hydrate(CheckIn, {
            "id": row[0], "member_id": member_ids[0], "day": day(row[1]), "streak": row[2], "points": row[3],
            "created_at": moment(row[4]),
        })
    return latest


CHECKED_IN_SINCE = Statement("SELECT 1 FROM check_in WHERE member_id = ? AND day >= ? LIMIT 1")
STREAK_ON = Statement("SELECT streak FROM check_in WHERE member_id = ? AND day = ?")


async def check_in(member: Member) -> CheckInResult:
    """Credit today's check-in once; a second try the same local day is ALREADY_CHECKED_IN."""
    now = clock.now()
    today = local_today(member, now)
    try:
        async with in_transaction():
            locked = await ledger.lock_member(member.id)
            # ``>=``: moving the time zone west must not reopen a day already checked in.
            if await CHECKED_IN_SINCE.one(member.id, today):
                raise _already()
            yesterday = await STREAK_ON.one(member.id, today - timedelta(days=1))
            streak = yesterday[0] + 1 if yesterday else 1
            base, bonus = points_for_streak(streak)
            # The unique (member, day) constraint is what finally guarantees once a day.
            row = await CheckIn.create(
                member_id=member.id, day=today, streak=streak, points=base + bonus, created_at=now
            )
            if base:
                # A programme may set check_in_points = 0 and reward only streaks.
                await ledger.credit(
                    locked, LedgerKind.CHECK_IN, base, Note("check_in", {"day": today.isoformat()}), at=now
                )
            if bonus:
                await ledger.credit(
                    locked, LedgerKind.STREAK_BONUS, bonus, Note("streak_bonus", {"days": streak}), at=now
                )
            extra = sum(line.points for line in await campaign_earning.award_check_in(locked, row.id, base, now))
            if extra:
                # The day's row says everything the day earned (the status shows it as today's points).
                await CheckIn.filter(id=row.id).update(points=base + bonus + extra)
    except IntegrityError:
        raise _already() from None
    earned = base + bonus + extra
    return CheckInResult(earned, CheckInStatus(today, True, streak, earned), locked)


def _already() -> DomainError:
    return DomainError(ErrorCode.ALREADY_CHECKED_IN, "You have already checked in today.", None)

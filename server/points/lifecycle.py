"""Daily lifecycle: expire lapsed points, warn about points expiring soon, re-evaluate tiers.

Members are handled in batches of up to a thousand, each batch in one short transaction under
their locks (a few statements per batch, never per member), so a sweep over a million members
stays fast, never holds up members' own requests for long, and can be re-run safely at any time. The scheduler
runs these as jobs (``server.points.jobs``); ``patron lifecycle`` runs all three at once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from tortoise.transactions import in_transaction

from server.core import clock
from server.core.prepared import Statement, moment
from server.jobs import JobContext
from server.messages.broadcast import Notice, email_many, notify_many
from server.points import bulk, ledger, reviews

WARN_WITHIN = timedelta(days=30)


BATCH = 1000  # members per transaction: a shutdown waits for at most one batch


async def expire_all(at: datetime, ctx: JobContext | None = None) -> int:
    """Expire every lapsed lot; returns the number of members touched.

    Set-based: the members with lapsed lots are found in one statement (the lots' index), then
    each batch of up to a thousand is booked in one transaction under their locks
    (:func:`server.points.bulk.expire_many`): a few statements per batch, not per member.
    """
    rows = await Statement(
        "SELECT DISTINCT member_id FROM ledger_entry WHERE remaining > 0 AND expires_at <= ? ORDER BY member_id"
    ).all(at)
    due = [int(row[0]) for row in rows]
    touched = 0
    for start in range(0, len(due), BATCH):
        if ctx is not None:
            ctx.progress(start, len(due), "expiry")
            await ctx.checkpoint()
        batch = due[start : start + BATCH]
        async with in_transaction():
            await bulk.lock_members(batch)
            touched += await bulk.expire_many(batch, at)
    if ctx is not None:
        ctx.progress(len(due), len(due), "expiry")
    return touched


async def warn_expiring(at: datetime, ctx: JobContext | None = None) -> int:
    """One POINTS_EXPIRING notification per member and expiry day, 30 days ahead; returns how many.

    The inbox gets one notice per expiry day; e-mail gets one digest per member and run listing
    every lot that lapses within 30 days, sent when at least one of them is news. Set-based:
    the members with news are found per lapse instant in one statement each, and each batch of
    a thousand is summed and notified in a few statements (:mod:`server.messages.broadcast`).
    """
    window = (at, at + WARN_WITHIN)
    # Lots lapse at a few instants (month starts): per instant, the members not yet told about
    # it, through the notifications' (member, key) index. A day with nothing new costs a few lookups.
    lapses = await Statement(
        "SELECT DISTINCT expires_at FROM ledger_entry WHERE remaining > 0 AND expires_at > ? AND expires_at <= ?"
    ).all(*window)
    news: set[int] = set()
    for (lapse,) in lapses:
        key = f"expiring:{ledger.expires_on(moment(lapse)).isoformat()}"
        rows = await Statement(
            "SELECT DISTINCT l.member_id FROM ledger_entry l WHERE l.remaining > 0 AND l.expires_at = ?"
            " AND (SELECT n.id FROM notification n WHERE n.member_id = l.member_id AND n.dedupe_key = ?"
            " LIMIT 1) IS NULL"
        ).all(lapse, key)  # the stored value itself: no re-encoding of the instant
        # A scalar subquery, not NOT EXISTS: it stays one probe of the notifications' (member, key)
        # index per member. PostgreSQL turns NOT EXISTS into an anti-join, and with stale statistics
        # (a table that grew by a month of notices since its last ANALYZE) into a nested loop over a
        # full scan of the notifications: minutes instead of milliseconds.
        news.update(int(row[0]) for row in rows)
    members = sorted(news)
    sent = 0
    for start in range(0, len(members), BATCH):
        if ctx is not None:
            ctx.progress(start, len(members), "expiry warnings")
            await ctx.checkpoint()
        batch = members[start : start + BATCH]
        rows = await Statement(
            "SELECT member_id, expires_at, SUM(remaining) FROM ledger_entry WHERE member_id IN"
            f" ({', '.join('?' * len(batch))}) AND remaining > 0 AND expires_at > ? AND expires_at <= ?"
            " GROUP BY member_id, expires_at"
        ).all(*batch, *window)
        by_member: dict[int, dict[str, int]] = {}
        for member_id, lapse, points in rows:
            days = by_member.setdefault(int(member_id), {})
            day = ledger.expires_on(moment(lapse)).isoformat()
            days[day] = days.get(day, 0) + int(points)
        notices = [
            Notice(member_id, {"points": points, "date": day}, f"expiring:{day}")
            for member_id in batch
            for day, points in sorted(by_member.get(member_id, {}).items())
        ]
        async with in_transaction():
            fresh = await notify_many("POINTS_EXPIRING", notices, at=at, email=False)
            first_news: dict[int, str] = {}
            for notice in fresh:
                first_news.setdefault(notice.member_id, notice.params["date"])
            digests = []
            for member_id, news in first_news.items():
                days = sorted(by_member[member_id].items())
                digest = {
                    "points": sum(points for _, points in days),
                    "date": days[0][0],
                    "lots": [{"date": day, "points": points} for day, points in days],
                }
                digests.append(Notice(member_id, digest, f"expiring:{news}"))
            await email_many("POINTS_EXPIRING", digests, at)
        sent += len(fresh)
    return sent


async def reevaluate_tiers(at: datetime, ctx: JobContext | None = None) -> int:
    """Tier reviews that are due, and upgrades a programme change made due; returns tiers changed.

    See :mod:`server.points.reviews` (set-based; each review decided as of its own day).
    """
    return await reviews.review_due(at, ctx)


async def run_lifecycle(at: datetime | None = None) -> list[str]:
    at = at or clock.now()
    expired = await expire_all(at)
    warned = await warn_expiring(at)
    changed = await reevaluate_tiers(at)
    return [
        f"Expired lapsed points for {expired} member(s).",
        f"Sent {warned} expiry warning(s).",
        f"Changed the tier of {changed} member(s).",
    ]

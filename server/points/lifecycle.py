"""Daily lifecycle: expire lapsed points, warn about points expiring soon, re-evaluate tiers.

Each member is handled in their own short transaction under their lock, so the sweep never
holds up members' own requests for long and can be re-run safely at any time. The scheduler
runs these as jobs (``server.points.jobs``); ``patron lifecycle`` runs all three at once.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from tortoise.transactions import in_transaction

from server.core import clock
from server.jobs import JobContext
from server.messages import notifications
from server.models import LedgerEntry, Member, Purchase
from server.points import ledger, tiers
from server.points.program import get_program

WARN_WITHIN = timedelta(days=30)


BATCH = 500  # members between checkpoints: a shutdown waits for at most one batch


async def _checkpoint(ctx: JobContext | None, done: int, total: int) -> None:
    if ctx is not None and done % BATCH == 0:
        ctx.progress(done, total)
        await ctx.checkpoint()


async def expire_all(at: datetime, ctx: JobContext | None = None) -> int:
    """Expire every lapsed lot; returns the number of members touched."""
    member_ids = (
        await LedgerEntry.filter(remaining__gt=0, expires_at__lte=at).distinct().values_list("member_id", flat=True)
    )
    due = sorted(set(member_ids))
    for done, member_id in enumerate(due):
        await _checkpoint(ctx, done, len(due))
        async with in_transaction():
            member = await ledger.lock_member(member_id)
            await ledger.expire_due(member, at)
    return len(due)


async def warn_expiring(at: datetime, ctx: JobContext | None = None) -> int:
    """One POINTS_EXPIRING notification per member and expiry day, 30 days ahead; returns how many.

    The inbox gets one notice per expiry day; e-mail gets one digest per member and run listing
    every lot that lapses within 30 days, sent when at least one of them is news.
    """
    lots = (
        await LedgerEntry.filter(remaining__gt=0, expires_at__gt=at, expires_at__lte=at + WARN_WITHIN)
        .values("member_id", "expires_at", "remaining")
    )
    by_member: dict[int, dict[str, int]] = {}
    for lot in lots:
        days = by_member.setdefault(lot["member_id"], {})
        day = ledger.expires_on(lot["expires_at"]).isoformat()
        days[day] = days.get(day, 0) + lot["remaining"]
    sent = 0
    for done, member_id in enumerate(sorted(by_member)):
        await _checkpoint(ctx, done, len(by_member))
        days = sorted(by_member[member_id].items())
        async with in_transaction():
            await ledger.lock_member(member_id)
            news = [
                day
                for day, points in days
                if await notifications.notify(
                    member_id, "POINTS_EXPIRING", {"points": points, "date": day}, dedupe_key=f"expiring:{day}",
                    email=False,
                )
            ]
            if news:
                digest = {
                    "points": sum(points for _, points in days),
                    "date": days[0][0],
                    "lots": [{"date": day, "points": points} for day, points in days],
                }
                await notifications.email_notice(member_id, "POINTS_EXPIRING", digest, key=f"expiring:{news[0]}")
            sent += len(news)
    return sent


async def reevaluate_tiers(at: datetime, ctx: JobContext | None = None) -> int:
    """Apply upgrades and, after retention, downgrades; returns how many members changed tier.

    Besides everyone above the base tier, members who bought within the window are checked:
    upgrades normally happen at purchase time, but a programme file that lowers a threshold
    must lift the members who now qualify too.
    """
    base = get_program().base_tier.code
    above_base = await Member.exclude(tier_code=base).values_list("id", flat=True)
    start = datetime.combine(tiers.window_start(at.astimezone(UTC).date()), time(0), tzinfo=UTC)
    buyers = await Purchase.filter(occurred_at__gte=start).distinct().values_list("member_id", flat=True)
    changed = 0
    candidates = sorted(set(above_base) | set(buyers))
    for done, member_id in enumerate(candidates):
        await _checkpoint(ctx, done, len(candidates))
        async with in_transaction():
            member = await ledger.lock_member(member_id)
            changed += (await tiers.reevaluate(member, at)) is not None
    return changed


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

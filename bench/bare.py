"""The bare endpoint: what Patron's hot requests cost with nothing but Starlette and the driver.

    DATABASE_URL=sqlite:///tmp/x.db .venv/bin/python bench/bare.py --port 8100

It answers the bench's dashboard query, checkIn and recordPurchase with hand-written SQL
(aiosqlite on SQLite, asyncpg on PostgreSQL): the same statements Patron sends, in the same
transactions and isolation (``BEGIN IMMEDIATE`` on SQLite, ``SELECT … FOR UPDATE`` on
PostgreSQL), and the identical JSON (``bench/ratio.py`` compares every member's answer before it
measures). Patron's programme rules (tiers, streaks, expiry) are read from its configuration; no
ORM, no GraphQL, no middleware. Patron's throughput divided by this one's is the honest ratio:
it does not depend on how fast the machine is.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import os
import sys
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_FLOOR, Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from starlette.applications import Starlette  # noqa: E402
from starlette.requests import Request  # noqa: E402
from starlette.responses import Response  # noqa: E402
from starlette.routing import Route  # noqa: E402

from server.accounts import partners, sessions  # noqa: E402
from server.core.clock import add_months  # noqa: E402
from server.core.prepared import Statement  # noqa: E402
from server.points import history, ledger, purchases, tiers  # noqa: E402
from server.points.program import get_program  # noqa: E402
from server.social import checkins, referrals  # noqa: E402

# Patron's own statements (its read path's, and the reads inside its write transactions): the
# bare endpoint sends exactly these. Inserts are written out here; Patron's ORM sends the same.
TOKEN_SQL = sessions.TOKEN_AND_MEMBER
QUALIFYING_SQL = tiers.QUALIFYING_ONE
STANDING_SQL = tiers.STANDING_ONE  # the dashboard's: the window's points and those kept on the review day
LEDGER_COUNT_SQL = history.COUNT
LEDGER_PAGE_SQL = history.FIRST_PAGE
EXPIRING_SQL = ledger.EXPIRING
CHECK_IN_SQL = checkins.LAST_CHECK_IN
MEMBER_LOCK_SQL = ledger.LOCK_MEMBER
CHECKED_IN_SQL = checkins.CHECKED_IN_SINCE
YESTERDAY_SQL = checkins.STREAK_ON
LAPSED_SQL = ledger.LAPSED_LOTS
CREDIT_SQL = ledger.MOVE_BALANCE
PARTNER_SQL = partners.PARTNER_BY_KEY
PURCHASE_SQL = purchases.ORDER_SEEN
MEMBER_BY_EMAIL_SQL = purchases.MEMBER_BY_EMAIL
PENDING_REFERRAL_SQL = referrals.PENDING_REFERRAL
_M = {name: i for i, name in enumerate(sessions.MEMBER.names)}
_P = {name: i for i, name in enumerate(partners._PARTNER.names)}
_TOKEN = 7  # token columns before the member's in TOKEN_AND_MEMBER


def viewer_row(row) -> tuple:
    """The token-and-member row as (id, name, tier, reached, balance, earned, spent, zone, locale, expires, revoked)."""
    m = [row[_TOKEN + _M[n]] for n in ("id", "display_name", "tier_code", "tier_reached_at", "balance",
                                       "lifetime_earned", "lifetime_spent", "timezone", "locale")]
    return (*m, row[4], row[5])


def locked_row(row) -> list:
    """The locked member row as [id, balance, lifetime_earned, lifetime_spent, tier_code]."""
    return [row[_M[n]] for n in ("id", "balance", "lifetime_earned", "lifetime_spent", "tier_code")]


INSERT_CHECK_IN_SQL = "INSERT INTO check_in (member_id, day, streak, points, created_at) VALUES (?, ?, ?, ?, ?)"
LAPSED_SQL = (
    "SELECT id, remaining, expires_at FROM ledger_entry WHERE member_id = ? AND remaining > 0 AND expires_at <= ?"
    " ORDER BY expires_at, id"
)
CREDIT_SQL = (
    "UPDATE member SET balance = balance + ?, lifetime_earned = lifetime_earned + ?,"
    " lifetime_spent = lifetime_spent + ? WHERE id = ?"
)
INSERT_ENTRY_SQL = (
    "INSERT INTO ledger_entry (member_id, kind, delta, balance_after, description, created_at, expires_at,"
    " remaining, reference, params) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id"
)
INSERT_PURCHASE_SQL = (
    "INSERT INTO purchase (partner_id, order_id, member_id, amount, refunded_amount, points_earned,"
    " points_refunded, subjects, occurred_at, created_at) VALUES (?, ?, ?, ?, ?, ?, 0, '[]', ?, ?) RETURNING id"
)


class Database:
    """One aiosqlite connection behind a lock (as Tortoise keeps it), or an asyncpg pool."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.sqlite = url.startswith("sqlite")
        self.lock = asyncio.Lock()
        self._numbered: dict[str, str] = {}

    async def open(self) -> None:
        if self.sqlite:
            import aiosqlite

            path = self.url.split("://", 1)[1]
            self.conn = await aiosqlite.connect(path, isolation_level=None, check_same_thread=False)
            for pragma in ("journal_mode=WAL", "synchronous=FULL", "busy_timeout=30000", "foreign_keys=ON"):
                await self.conn.execute(f"PRAGMA {pragma}")
        else:
            import asyncpg

            self.pool = await asyncpg.create_pool(self.url.replace("postgresql://", "postgres://"), min_size=1,
                                                  max_size=10)

    def sql(self, text: str | Statement) -> str:
        """``?`` placeholders for SQLite; ``$1, $2…`` for asyncpg (converted once per statement)."""
        if isinstance(text, Statement):
            return text.sqlite if self.sqlite else text.postgres
        if self.sqlite:
            return text
        numbered = self._numbered.get(text)
        if numbered is None:
            parts = text.split("?")
            numbered = parts[0] + "".join(f"${i}{part}" for i, part in enumerate(parts[1:], start=1))
            self._numbered[text] = numbered
        return numbered

    def when(self, value: datetime | date) -> object:
        """SQLite stores times as Tortoise writes them (ISO text with a space); asyncpg takes objects."""
        if not self.sqlite:
            return value
        return value.isoformat(" ") if isinstance(value, datetime) else value.isoformat()


def parse_dt(value: object) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)  # type: ignore[arg-type]


def parse_day(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)  # type: ignore[arg-type]


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def bearer(request: Request) -> str:
    auth = request.headers.get("authorization", "")
    return auth[7:].strip() if auth.lower().startswith("bearer ") else ""


def answer(payload: dict) -> Response:
    return Response(json.dumps(payload), media_type="application/json")


class Reads:
    """Statement runners bound to one connection (the pool's or the SQLite one)."""

    def __init__(self, db: Database, conn: object) -> None:
        self.db, self.conn = db, conn

    async def all(self, sql: str | Statement, *args: object) -> list:
        if self.db.sqlite:
            cursor = await self.conn.execute(self.db.sql(sql), args)  # type: ignore[attr-defined]
            return list(await cursor.fetchall())
        return await self.conn.fetch(self.db.sql(sql), *args)  # type: ignore[attr-defined]

    async def one(self, sql: str | Statement, *args: object):
        rows = await self.all(sql, *args)
        return rows[0] if rows else None


def dashboard_json(member, qualifying: int, count: int, page: list, lots: list, checks: list, now: datetime) -> dict:
    """The dashboard answer, computed as Patron's domain computes it."""
    program = get_program()
    tz = ZoneInfo(member[7])
    today_utc = now.date()
    current = program.tier(member[2])
    nxt = program.next_tier(current)
    if nxt is None:
        to_next, percent = 0, 100.0
    else:
        to_next = max(0, nxt.threshold - qualifying)
        span = nxt.threshold - current.threshold
        percent = round(min(100.0, max(0.0, (qualifying - current.threshold) * 100 / span)), 1)
    retained = None
    if current.rank != program.base_tier.rank:
        retained = add_months(parse_dt(member[3]).astimezone(UTC).date(), program.tier_retention_months).isoformat()
    expiring: dict[date, int] = {}
    for expires_at, remaining in lots:
        day = (parse_dt(expires_at).astimezone(UTC) - timedelta(microseconds=1)).date()
        expiring[day] = expiring.get(day, 0) + remaining
    today = now.astimezone(tz).date()
    last = (checks[0][1], checks[0][2], checks[0][3]) if checks else None
    if last is not None and parse_day(last[0]) >= today:
        check = {"today": today.isoformat(), "checkedInToday": True, "streak": last[1], "todayPoints": last[2]}
    else:
        alive = last is not None and parse_day(last[0]) == today - timedelta(days=1)
        streak = last[1] if alive else 0
        bonus = sum(b.points for b in program.streak_bonuses if b.days == streak + 1)
        check = {"today": today.isoformat(), "checkedInToday": False, "streak": streak,
                 "todayPoints": program.check_in_points + bonus}
    del today_utc
    return {"data": {"viewer": {
        "displayName": member[1],
        "tier": {"code": current.code, "name": current.name, "perks": list(current.perks)},
        "tierProgress": {"qualifyingPoints": qualifying, "pointsToNext": to_next, "percentToNext": percent,
                         "next": {"code": nxt.code} if nxt else None, "retainedUntil": retained},
        "points": {
            "balance": member[4],
            "lifetimeEarned": member[5],
            "expiring": [{"points": points, "expiresOn": day.isoformat()} for day, points in expiring.items()],
            "ledger": {"totalCount": count, "edges": [
                {"node": {"kind": kind, "delta": delta, "balanceAfter": after, "description": text,
                          "createdAt": parse_dt(created).isoformat()}}
                for _id, kind, delta, after, text, _params, created, _lapse in page
            ]},
        },
        "checkIn": check,
    }}}


def make_app(url: str) -> Starlette:
    db = Database(url)

    async def member_for(reads: Reads, request: Request):
        row = await reads.one(TOKEN_SQL, digest(bearer(request)), "api")
        member = viewer_row(row) if row is not None else None
        now = datetime.now(UTC)
        if member is None or member[10] is not None or parse_dt(member[9]) <= now:
            return None
        return member

    async def dashboard(request: Request) -> Response:
        json.loads(await request.body())
        async with db.lock if db.sqlite else db.pool.acquire() as held:
            reads = Reads(db, db.conn if db.sqlite else held)
            member = await member_for(reads, request)
            if member is None:
                return answer({"data": {"viewer": None}})
            now = datetime.now(UTC)
            start = datetime.combine(add_months(now.date(), -get_program().tier_window_months), time(0), tzinfo=UTC)
            count = (await reads.one(LEDGER_COUNT_SQL, member[0]))[0]
            # The bench's query does not ask for pointsToKeep: the review-day start is the window's own here.
            earned, refunded, _ = await reads.one(STANDING_SQL, db.when(start), member[0], db.when(start), db.when(now))
            checks = await reads.all(CHECK_IN_SQL, member[0], db.when(now.date() - timedelta(days=3)))
            lots = await reads.all(EXPIRING_SQL, member[0], db.when(now))
            page = await reads.all(LEDGER_PAGE_SQL, member[0], 21)
        return answer(dashboard_json(member, int(earned) - int(refunded), count, page[:20], lots, checks, now))

    async def credit(reads: Reads, locked: list, kind: str, points: int, text: str, params: dict,
                     now: datetime, reference: str | None = None) -> None:
        """Patron's ledger.credit: book lapsed lots first, then move the balance and write the entry."""
        lapsed = await reads.all(LAPSED_SQL, locked[0], db.when(now))
        if lapsed:
            raise RuntimeError("the bench's members have no lapsed lots")
        expires = datetime.combine(add_months(now.date().replace(day=1), get_program().points_expire_after_months + 1),
                                   time(0), tzinfo=UTC)
        await reads.all(CREDIT_SQL, points, points, 0, locked[0])
        locked[1] += points
        await reads.all(INSERT_ENTRY_SQL, locked[0], kind, points, locked[1], text, db.when(now), db.when(expires),
                        max(0, points - max(0, -(locked[1] - points))), reference,
                        json.dumps(params, separators=(",", ":")))

    async def transaction(body):
        """BEGIN IMMEDIATE … COMMIT on SQLite; a READ COMMITTED transaction on PostgreSQL."""
        if db.sqlite:
            async with db.lock:
                await db.conn.execute("BEGIN IMMEDIATE")
                try:
                    result = await body(Reads(db, db.conn))
                except BaseException:
                    await db.conn.execute("ROLLBACK")
                    raise
                await db.conn.execute("COMMIT")
                return result
        async with db.pool.acquire() as conn, conn.transaction():
            return await body(Reads(db, conn))

    async def check_in(request: Request) -> Response:
        json.loads(await request.body())
        if db.sqlite:
            async with db.lock:
                member = await member_for(Reads(db, db.conn), request)
        else:
            async with db.pool.acquire() as conn:
                member = await member_for(Reads(db, conn), request)
        if member is None:
            return answer({"data": {"checkIn": {"pointsEarned": 0, "userErrors": [{"code": "NOT_AUTHENTICATED"}]}}})
        now = datetime.now(UTC)
        today = now.astimezone(ZoneInfo(member[7])).date()
        async def body(reads: Reads) -> int | None:
            locked = locked_row(await reads.one(MEMBER_LOCK_SQL, member[0]))
            if await reads.one(CHECKED_IN_SQL, member[0], db.when(today)):
                return None
            yesterday = await reads.one(YESTERDAY_SQL, member[0], db.when(today - timedelta(days=1)))
            streak = yesterday[0] + 1 if yesterday else 1
            program = get_program()
            base = program.check_in_points
            bonus = sum(b.points for b in program.streak_bonuses if b.days == streak)
            await reads.all(INSERT_CHECK_IN_SQL, member[0], db.when(today), streak, base + bonus, db.when(now))
            day = today.isoformat()
            await credit(reads, locked, "CHECK_IN", base, f"Daily check-in ({day})", {"key": "check_in", "day": day},
                         now)
            if bonus:
                await credit(reads, locked, "STREAK_BONUS", bonus, f"{streak}-day streak bonus",
                             {"key": "streak_bonus", "days": streak}, now)
            return base + bonus

        earned = await transaction(body)
        if earned is None:
            return answer({"data": {"checkIn": {"pointsEarned": 0, "userErrors": [{"code": "ALREADY_CHECKED_IN"}]}}})
        return answer({"data": {"checkIn": {"pointsEarned": earned, "userErrors": []}}})

    async def purchase(request: Request) -> Response:
        payload = json.loads(await request.body())["variables"]["input"]
        key = request.headers.get("x-partner-key", "")
        order_id, email = payload["orderId"], payload["memberEmail"].strip().lower()
        amount = Decimal(payload["amount"]).quantize(Decimal("0.01"))
        now = datetime.now(UTC)

        async def outside(reads: Reads):
            row = await reads.one(PARTNER_SQL, digest(key))
            if row is None:
                return None, None, None
            partner = (row[_P["id"]], row[_P["name"]])
            existing = await reads.one(PURCHASE_SQL, partner[0], order_id)
            member = await reads.one(MEMBER_BY_EMAIL_SQL, email)
            return partner, existing, member

        if db.sqlite:
            async with db.lock:
                partner, existing, member = await outside(Reads(db, db.conn))
        else:
            async with db.pool.acquire() as conn:
                partner, existing, member = await outside(Reads(db, conn))
        if partner is None or member is None:
            return answer({"data": {"recordPurchase": {"pointsEarned": 0, "userErrors": [{"code": "NOT_FOUND"}]}}})
        if existing is not None:
            raise RuntimeError("the bench never repeats an order id")
        program = get_program()

        async def body(reads: Reads) -> int:
            locked = locked_row(await reads.one(MEMBER_LOCK_SQL, member[0]))
            if await reads.one(PURCHASE_SQL, partner[0], order_id):
                raise RuntimeError("the bench never repeats an order id")
            rule = program.tier(locked[4])
            points = int((amount * program.points_per_currency_unit * rule.earn_multiplier).to_integral_value(
                rounding=ROUND_FLOOR))
            purchase_id = (await reads.one(INSERT_PURCHASE_SQL, partner[0], order_id, member[0],
                                           str(amount) if db.sqlite else amount, "0.00" if db.sqlite else Decimal(0),
                                           points, db.when(now), db.when(now)))[0]
            if points:
                await credit(reads, locked, "PURCHASE", points, f"Purchase {order_id} at {partner[1]}",
                             {"key": "purchase", "order": order_id, "partner": partner[1]}, now,
                             reference=f"purchase:{purchase_id}")
            start = datetime.combine(add_months(now.date(), -program.tier_window_months), time(0), tzinfo=UTC)
            earned, refunded = await reads.one(QUALIFYING_SQL, member[0], db.when(start), db.when(now))
            if program.tier_for(int(earned) - int(refunded)).rank > rule.rank:
                raise RuntimeError("the bench's purchases go to members already at the top tier")
            await reads.all(PENDING_REFERRAL_SQL, member[0], "PENDING")
            return points

        points = await transaction(body)
        return answer({"data": {"recordPurchase": {"pointsEarned": points, "userErrors": []}}})

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):
        await db.open()
        yield

    return Starlette(
        routes=[Route("/dashboard", dashboard, methods=["POST"]), Route("/check-in", check_in, methods=["POST"]),
                Route("/purchase", purchase, methods=["POST"])],
        lifespan=lifespan,
    )


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=8100)
    args = parser.parse_args()
    # The same server settings as ``patron serve`` (uvloop, httptools, access log at info).
    uvicorn.run(make_app(os.environ["DATABASE_URL"]), host="127.0.0.1", port=args.port, log_level="info")


if __name__ == "__main__":
    main()

"""Synthetic members with a year of history, in bulk: ``patron demo --members N``.

Load tests and the scale benchmarks need a million members and twenty million ledger rows in
minutes, which the services (one transaction per purchase) cannot give. This writes rows the
services would have written — purchases, their ledger lots, daily check-ins with streaks and
bonuses — with the invariants the ledger promises: each member's balance is the sum of their
ledger, ``balance_after`` runs in id order, lots expire at the end of the N-th month after they
were earned, the tier is the one the trailing window earns. Lots older than the expiry period
are left unbooked on purpose: that is the catch-up work the nightly expiry job finds.

Members are ``member0000001@example.com`` … (password ``demo-password``), so a second run adds
only the members still missing. SQLite is written through the standard library's sqlite3 (one
transaction per batch), PostgreSQL through binary COPY.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_FLOOR, Decimal
from zoneinfo import ZoneInfo

from server.core import clock
from server.points.program import Program, get_program

EMAIL = "member{:07d}@example.com"
PASSWORD = "demo-password"
PARTNER = "Demo Shop"
BATCH = 5000  # members per transaction
TIMEZONES = ("Asia/Shanghai",) * 8 + ("Asia/Tokyo", "Europe/London")
NAMES = ("Li", "Wang", "Zhang", "Liu", "Chen", "Yang", "Zhao", "Huang", "Zhou", "Wu", "Anna", "Ben", "Chloe", "Dev")
UNAMBIGUOUS = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

MEMBER_COLUMNS = (
    "id", "email", "password_hash", "display_name", "role", "joined_at", "birthday", "timezone", "locale",
    "tier_code", "tier_reached_at", "share_code", "balance", "lifetime_earned", "lifetime_spent",
)


def _other_member_columns() -> list[tuple[str, object]]:
    """Member columns this module does not set itself, with their model defaults (other features' flags).

    A NOT NULL column added by a later migration has only a Python-side default; bulk inserts
    must send it, or SQLite and PostgreSQL refuse the row.
    """
    from server.models import Member

    meta = Member._meta
    others = []
    # Sorted: the generator and the writer run in different processes, and a set's order is not
    # the same from one process to the next (string hashing is randomised per process).
    for name in sorted(meta.db_fields):
        column = meta.fields_db_projection[name]
        if column in MEMBER_COLUMNS:
            continue
        field = meta.fields_map[name]
        default = field.default() if callable(field.default) else field.default
        others.append((column, getattr(default, "value", default)))
    return others


PURCHASE_COLUMNS = (
    "id", "order_id", "amount", "refunded_amount", "points_earned", "points_refunded", "subjects", "occurred_at",
    "created_at", "member_id", "partner_id",
)
LEDGER_COLUMNS = (  # no id: the database numbers entries in insertion (= time) order per member
    "kind", "delta", "balance_after", "description", "created_at", "expires_at", "remaining", "reference",
    "params", "member_id",
)
CHECK_IN_COLUMNS = ("day", "streak", "points", "created_at", "member_id")


@dataclass
class Batch:
    """Rows for a run of members, as Python values (each writer converts them for its driver)."""

    members: list[tuple] = field(default_factory=list)
    purchases: list[tuple] = field(default_factory=list)
    ledger: list[tuple] = field(default_factory=list)
    check_ins: list[tuple] = field(default_factory=list)


@dataclass(frozen=True)
class Span:
    """Members ``first`` … ``last`` (their e-mail numbers) and where their ids start.

    Purchase ids are reserved per member (``PURCHASES_PER_MEMBER`` each), so any span can be
    generated on its own, in another process, and still name its purchases in the ledger.
    """

    first: int
    last: int
    member_id: int
    purchase_id: int


PURCHASES_PER_MEMBER = 64


def share_code(index: int) -> str:
    """A unique, increasing 8-character code (base 31 of the index, prefixed to stay out of random codes' way)."""
    digits = []
    for _ in range(7):
        index, rest = divmod(index, len(UNAMBIGUOUS))
        digits.append(UNAMBIGUOUS[rest])
    return "Z" + "".join(reversed(digits))


def _lapse(earned: datetime, program: Program) -> datetime:
    first = earned.date().replace(day=1)
    return datetime.combine(clock.add_months(first, program.points_expire_after_months + 1), time(0), tzinfo=UTC)


class Generator:
    """Builds one member's rows at a time from a seeded random stream (same seed, same data)."""

    def __init__(self, *, now: datetime, months: int, partner_id: int, partner_name: str, password_hash: str,
                 seed: int = 7, purchases: int = 15, check_ins: int = 6, text: bool = False) -> None:
        """``text``: times, days and amounts as SQLite stores them (ISO text), else as Python values."""
        self.now = now
        self.months = months
        self.partner_id = partner_id
        self.partner_name = partner_name
        self.password_hash = password_hash
        self.seed = seed
        self.rng = random.Random(seed)
        self.purchases = purchases
        self.check_ins = check_ins
        self.program = get_program()
        self.window_start = datetime.combine(
            clock.add_months(now.date(), -self.program.tier_window_months), time(0), tzinfo=UTC
        )
        self.history = months * 30.4 * 86400  # seconds of history per member
        self.time = (lambda v: v.isoformat(" ")) if text else (lambda v: v)
        self.day = (lambda v: v.isoformat()) if text else (lambda v: v)
        self.money = str if text else (lambda v: v)
        self.text = text
        self.zero = self.money(Decimal("0.00"))
        self.partner_json = json.dumps(partner_name)
        self.member_tail = tuple(self._stored(value) for _, value in _other_member_columns())
        rate = self.program.points_per_currency_unit
        self.whole_rate = int(rate) if rate == rate.to_integral_value() else None
        self._lapses: dict[tuple[int, int], object] = {}

    def _stored(self, value: object) -> object:
        if isinstance(value, bool):
            return int(value) if self.text else value
        if isinstance(value, datetime):
            return self.time(value)
        if isinstance(value, date):
            return self.day(value)
        return self.money(value) if isinstance(value, Decimal) else value

    def lapse(self, at: datetime) -> object:
        """When points earned at ``at`` lapse (one value per month of earning, computed once)."""
        key = (at.year, at.month)
        found = self._lapses.get(key)
        if found is None:
            found = self._lapses[key] = self.time(_lapse(at, self.program))
        return found

    def points(self, cents: int) -> int:
        if self.whole_rate is not None:
            return cents * self.whole_rate // 100
        rate = self.program.points_per_currency_unit
        return int((Decimal(cents) / 100 * rate).to_integral_value(rounding=ROUND_FLOOR))

    def member(self, index: int, member_id: int, purchase_id: int, batch: Batch) -> None:
        rng, program, now = self.rng, self.program, self.now
        joined = now - timedelta(seconds=self.history + rng.random() * 400 * 86400)
        zone = rng.choice(TIMEZONES)
        events: list[tuple[float, str, object]] = []
        horizon = now.timestamp()
        spender = rng.lognormvariate(0, 0.8)  # a few big spenders reach the top tier
        for _ in range(min(PURCHASES_PER_MEMBER, max(1, int(rng.gauss(self.purchases, self.purchases / 3))))):
            cents = max(500, int(min(2_000_000, 100 * spender * rng.lognormvariate(5.3, 0.9))))
            events.append((horizon - rng.random() * self.history, "P", cents))
        days: set[date] = set()
        tz = ZoneInfo(zone)
        remaining = max(0, int(rng.gauss(self.check_ins, self.check_ins / 2)))
        while remaining > 0:
            run = min(remaining, rng.randint(1, 8))
            start = horizon - 86400 * (1 + rng.random() * (self.history / 86400 - 10))
            first = datetime.fromtimestamp(start, UTC).astimezone(tz).date()
            for k in range(run):
                days.add(first + timedelta(days=k))
            remaining -= run
        today = now.astimezone(tz).date()
        for day in days:
            moment = datetime.combine(day, time(9, rng.randint(0, 59)), tzinfo=tz).astimezone(UTC)
            if day < today and moment.timestamp() < horizon:  # today's check-in is the member's to make
                events.append((moment.timestamp(), "C", day))
        events.sort(key=lambda e: e[0])
        balance = earned_total = qualifying = 0
        streak, last_day, bought = 0, None, 0
        crossed: dict[str, datetime] = {}
        stored, to_day = self.time, self.day
        thresholds = [(rule.threshold, rule.code) for rule in program.tiers]
        for stamp, what, value in events:
            at = datetime.fromtimestamp(stamp, UTC)
            lapse, when = self.lapse(at), stored(at)
            if what == "P":
                cents: int = value  # type: ignore[assignment]
                points = self.points(cents)
                bought += 1
                order = f"S{member_id:08d}-{bought:03d}"
                purchase_id += 1
                amount = self.money(Decimal(f"{cents // 100}.{cents % 100:02d}"))
                batch.purchases.append((purchase_id, order, amount, self.zero, points, 0, "[]", when, when,
                                        member_id, self.partner_id))
                balance += points
                earned_total += points
                if at >= self.window_start:
                    qualifying += points
                    for threshold, code in thresholds:
                        if qualifying >= threshold and code not in crossed:
                            crossed[code] = at
                params = f'{{"key":"purchase","order":"{order}","partner":{self.partner_json}}}'
                text = f"Purchase {order} at {self.partner_name}"
                batch.ledger.append(("PURCHASE", points, balance, text, when, lapse, points,
                                     f"purchase:{purchase_id}", params, member_id))
                continue
            day: date = value  # type: ignore[assignment]
            streak = streak + 1 if last_day == day - timedelta(days=1) else 1
            last_day = day
            base = program.check_in_points
            bonus = sum(b.points for b in program.streak_bonuses if b.days == streak)
            batch.check_ins.append((to_day(day), streak, base + bonus, when, member_id))
            iso = day.isoformat()
            for kind, points, text, params in (
                ("CHECK_IN", base, f"Daily check-in ({iso})", f'{{"key":"check_in","day":"{iso}"}}'),
                ("STREAK_BONUS", bonus, f"{streak}-day streak bonus", f'{{"key":"streak_bonus","days":{streak}}}'),
            ):
                if points:
                    balance += points
                    earned_total += points
                    batch.ledger.append((kind, points, balance, text, when, lapse, points, None, params, member_id))
        tier = program.tier_for(qualifying)
        reached = crossed.get(tier.code, joined) if tier.rank != program.base_tier.rank else joined
        name = f"{rng.choice(NAMES)} {chr(65 + rng.randint(0, 25))}."
        locale = "zh-CN" if rng.random() < 0.3 else "en"
        birthday = date(rng.randint(1950, 2005), rng.randint(1, 12), rng.randint(1, 28)) if rng.random() < 0.6 else None
        batch.members.append((member_id, EMAIL.format(index), self.password_hash, name, "MEMBER", stored(joined),
                              None if birthday is None else to_day(birthday), zone, locale, tier.code,
                              stored(max(reached, joined)), share_code(index), balance, earned_total, 0,
                              *self.member_tail))


    def span(self, span: Span) -> Batch:
        """Every row of the members in ``span``; the same span always gives the same rows."""
        self.rng.seed(self.seed * 1_000_003 + span.first)
        batch = Batch()
        for offset in range(span.last - span.first + 1):
            self.member(span.first + offset, span.member_id + offset,
                        span.purchase_id + offset * PURCHASES_PER_MEMBER, batch)
        return batch


def spans(first: int, last: int, member_id: int, purchase_id: int) -> list[Span]:
    """Members ``first`` … ``last`` cut into ``BATCH``-sized spans with their id ranges."""
    cut = []
    for start in range(first, last + 1, BATCH):
        offset = start - first
        cut.append(Span(start, min(last, start + BATCH - 1), member_id + offset,
                        purchase_id + offset * PURCHASES_PER_MEMBER))
    return cut


_WORKER: Generator | None = None


def _start_worker(settings: dict) -> None:
    global _WORKER
    _WORKER = Generator(**settings)


def _make(span: Span) -> tuple[int, Batch]:
    assert _WORKER is not None
    return span.last - span.first + 1, _WORKER.span(span)


def batches(settings: dict, cut: list[Span]) -> Iterator[tuple[int, Batch]]:
    """The spans' rows in order, made by a helper process while the caller writes the previous ones.

    Generating is pure Python; writing is the database's work: on two cores they overlap.
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    if len(cut) <= 1:
        generator = Generator(**settings)
        for span in cut:
            yield span.last - span.first + 1, generator.span(span)
        return
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=context, initializer=_start_worker, initargs=(settings,)) as pool:
        ahead = [pool.submit(_make, span) for span in cut[:2]]
        for index in range(len(cut)):
            made = ahead[index].result()
            if index + 2 < len(cut):
                ahead.append(pool.submit(_make, cut[index + 2]))
            ahead[index] = None  # type: ignore[call-overload]
            yield made


def _insert(table: str, columns: tuple[str, ...]) -> str:
    names = ", ".join(f'"{c}"' for c in columns)
    return f'INSERT INTO "{table}" ({names}) VALUES ({", ".join("?" * len(columns))})'


def _tables() -> tuple[tuple[str, tuple[str, ...], str], ...]:
    members = (*MEMBER_COLUMNS, *(column for column, _ in _other_member_columns()))
    return (("member", members, "members"), ("purchase", PURCHASE_COLUMNS, "purchases"),
            ("ledger_entry", LEDGER_COLUMNS, "ledger"), ("check_in", CHECK_IN_COLUMNS, "check_ins"))


def write_sqlite(path: str, rows: Iterator[tuple[int, Batch]], progress: Callable[[int], None]) -> None:
    """Bulk insert through sqlite3: one transaction per batch, no fsync until the end."""
    import sqlite3

    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("PRAGMA cache_size=-262144")  # 256 MiB of page cache for the index inserts
        conn.execute("PRAGMA busy_timeout=30000")
        for count, batch in rows:
            conn.execute("BEGIN IMMEDIATE")
            for table, columns, attr in _tables():
                conn.executemany(_insert(table, columns), getattr(batch, attr))
            conn.execute("COMMIT")
            progress(count)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("ANALYZE")
    finally:
        conn.close()


async def write_postgres(url: str, rows: Iterator[tuple[int, Batch]], progress: Callable[[int], None]) -> None:
    """Bulk load through binary COPY, one transaction per batch; the id sequences are moved past it."""
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgresql://", "postgres://"))
    try:
        for count, batch in rows:
            async with conn.transaction():
                for table, columns, attr in _tables():
                    await conn.copy_records_to_table(table, records=getattr(batch, attr), columns=list(columns))
            progress(count)
        for table, _columns, _attr in _tables():
            await conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT COALESCE(MAX(id), 1) FROM {table}))"
            )
        await conn.execute("ANALYZE")
    finally:
        await conn.close()


async def load_members(count: int, progress: Callable[[int, int], None] | None = None,
                       *, months: int = 13, seed: int = 7) -> list[str]:
    """Make sure members 1 … ``count`` exist; returns what was done, one line each.

    ``months`` of history per member (13 leaves a month of lapsed, unbooked lots for the expiry
    job; 11 leaves none). Runs with the database open (Tortoise initialised).
    """
    from tortoise import Tortoise

    from server.accounts.partners import create_partner
    from server.accounts.passwords import hash_password
    from server.core.config import get_settings
    from server.core.database import sqlite_path
    from server.models import Partner

    conn = Tortoise.get_connection("default")
    low, high = EMAIL.format(0), EMAIL.format(9_999_999)
    found = await conn.execute_query_dict(
        "SELECT email FROM member WHERE email >= ? AND email <= ? ORDER BY email DESC LIMIT 1"
        if get_settings().is_sqlite else
        "SELECT email FROM member WHERE email >= $1 AND email <= $2 ORDER BY email DESC LIMIT 1",
        [low, high],
    )
    have = int(found[0]["email"][6:13]) if found else 0
    if have >= count:
        return [f"Demo members: {have} already there (member0000001@example.com … / {PASSWORD})"]
    partner = await Partner.get_or_none(name=PARTNER)
    if partner is None:
        partner, _key = await create_partner(PARTNER, ["purchases:write", "referrals:write", "members:read"])
    tops = []
    for table in ("member", "purchase"):
        rows = await conn.execute_query_dict(f'SELECT COALESCE(MAX(id), 0) AS top FROM "{table}"')
        tops.append(int(rows[0]["top"]) + 1)
    settings = {"now": clock.now(), "months": months, "partner_id": partner.id, "partner_name": partner.name,
                "password_hash": await hash_password(PASSWORD), "seed": seed, "text": get_settings().is_sqlite}
    rows = batches(settings, spans(have + 1, count, tops[0], tops[1]))
    done = 0

    def advance(n: int) -> None:
        nonlocal done
        done += n
        if progress is not None:
            progress(done, count - have)

    settings = get_settings()
    if settings.is_sqlite:
        write_sqlite(sqlite_path(settings.database_url), rows, advance)
    else:
        await write_postgres(settings.database_url, rows, advance)
    return [f"Demo members: added {count - have} (now {count}: member0000001@example.com … / {PASSWORD})"]

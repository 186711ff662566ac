"""Members made for the calendar tests: a birthday, a joining day and a time zone, set directly."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime

from server.accounts import tokens
from server.models import LedgerEntry, LedgerKind, Member, Notification

_emails = itertools.count(1)


def utc(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


async def member(
    *,
    birthday: date | None = None,
    birthday_set_at: datetime | None = None,
    joined_at: datetime | None = None,
    timezone: str = "Asia/Shanghai",
    tier_code: str = "silver",
    tier_reached_at: datetime | None = None,
    **columns: object,
) -> Member:
    joined_at = joined_at or utc(2020, 6, 15)
    return await Member.create(
        email=f"cal{next(_emails)}-{tokens.random_code(6).lower()}@example.com",
        password_hash="-",
        display_name="Calendar Member",
        joined_at=joined_at,
        birthday=birthday,
        birthday_set_at=birthday_set_at,
        timezone=timezone,
        tier_code=tier_code,
        tier_reached_at=tier_reached_at or joined_at,
        share_code=tokens.random_code(10),
        **columns,
    )


async def entries(member_id: int, kind: LedgerKind) -> list[tuple[int, str]]:
    rows = await LedgerEntry.filter(member_id=member_id, kind=kind).order_by("id")
    return [(row.delta, row.created_at.astimezone(UTC).date().isoformat()) for row in rows]


async def notices(member_id: int, kind: str) -> list[dict]:
    return [n.params for n in await Notification.filter(member_id=member_id, kind=kind).order_by("id")]

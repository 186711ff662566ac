"""Building purchase histories row by row (fast, exact dates) for the insight tests."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from server.accounts import tokens
from server.models import Member, Partner, Purchase, Role

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
_orders = itertools.count(1)
_emails = itertools.count(1)


async def shop() -> Partner:
    partner = await Partner.get_or_none(name="Insight Shop")
    if partner is None:
        partner = await Partner.create(
            name="Insight Shop", key_hash=tokens.random_code(40), key_prefix="x", scopes=[], created_at=NOW
        )
    return partner


async def member(
    joined_days_ago: float = 400, name: str | None = None, tier: str = "silver", role: Role = Role.MEMBER,
    now: datetime = NOW,
) -> Member:
    n = next(_emails)
    joined = now - timedelta(days=joined_days_ago)
    return await Member.create(
        email=f"insight{n}-{tokens.random_code(5).lower()}@example.com", password_hash="-",
        display_name=name or f"Member {n}", role=role, joined_at=joined, tier_code=tier, tier_reached_at=joined,
        share_code=tokens.random_code(10),
    )


async def buy(
    who: Member, amount: str | int, days_ago: float, refunded: str | int = 0, now: datetime = NOW
) -> Purchase:
    partner = await shop()
    when = now - timedelta(days=days_ago)
    return await Purchase.create(
        partner_id=partner.id, order_id=f"O-{next(_orders)}", member_id=who.id, amount=Decimal(str(amount)),
        refunded_amount=Decimal(str(refunded)), points_earned=0, occurred_at=when, created_at=when,
    )


async def history(who: Member, *spends: tuple[str | int, float], now: datetime = NOW) -> Member:
    for amount, days_ago in spends:
        await buy(who, amount, days_ago, now=now)
    return who

"""Helpers for the console tests: many members at once, insight rows, staff and analyst callers."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from server.accounts import set_role
from server.core import clock
from server.models import Member, MemberInsight, Role
from server.models.insight import LifecycleStage, RfmSegment
from tests.support import Api, Caller


async def many_members(count: int, *, prefix: str = "bulk", tier: str = "silver", joined: datetime | None = None,
                       name: str = "Bulk Member") -> list[Member]:
    """``count`` members inserted at once (no sign-up flow: these only need to be listed)."""
    at = joined or clock.now() - timedelta(days=400)
    rows = [
        Member(email=f"{prefix}{i:06d}@example.com", password_hash="-", display_name=f"{name} {i}",
               joined_at=at, tier_code=tier, tier_reached_at=at, share_code=f"{prefix[:4]}{i:08d}")
        for i in range(count)
    ]
    await Member.bulk_create(rows, batch_size=1000)
    return await Member.filter(email__startswith=prefix).order_by("id")


async def insight(member_id: int, segment: RfmSegment, stage: LifecycleStage, *, high_value: bool = False) -> None:
    await MemberInsight.create(member_id=member_id, segment=segment, stage=stage, high_value=high_value,
                               monetary=Decimal("0"), lifetime_value=Decimal("0"), computed_at=clock.now())


async def with_role(api: Api, role: Role, **extra: str) -> Caller:
    caller = await api.member(**extra)
    await set_role(caller.email or "", role)
    return caller

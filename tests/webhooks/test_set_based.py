"""The nightly jobs' set-based paths (birthdays, expiry, tier reviews) publish like the one-member paths."""

from __future__ import annotations

import base64
from datetime import date

from server.accounts.partners import create_partner
from server.celebrations import reward_birthdays
from server.models import LedgerEntry, LedgerKind, WebhookEventType
from server.points import lifecycle, reviews
from server.webhooks import create_endpoint
from tests.calendar.support import member, utc
from tests.points_support import credit
from tests.webhooks.receiver import Receiver
from tests.webhooks.support import send


def gid(type_name: str, row: int) -> str:
    return base64.b64encode(f"{type_name}:{row}".encode()).decode()


async def test_batches_publish_one_event_per_member_with_its_entry(receiver: Receiver) -> None:
    hooks, _ = await create_partner("Hooks", ["webhooks:manage"])
    await create_endpoint(hooks, receiver.url, list(WebhookEventType))
    born = [await member(birthday=date(1990, 3, 10), timezone="UTC") for _ in range(3)]
    diamond = await member(tier_code="diamond", tier_reached_at=utc(2026, 3, 10))
    await credit(diamond.id, 40, at=utc(2026, 1, 5))

    assert await reward_birthdays(utc(2026, 3, 10, 1)) == 3  # credit_many
    await lifecycle.expire_all(utc(2028, 1, 2))  # expire_many
    assert await reviews.review_due(utc(2027, 3, 11, 0, 1)) == 1  # a set-based tier review
    await send()

    documents = receiver.documents()
    birthdays = [d["payload"] for d in documents if d["payload"].get("kind") == "BIRTHDAY"]
    assert sorted(p["memberId"] for p in birthdays) == sorted(gid("Member", m.id) for m in born)
    for payload in birthdays:
        entry = await LedgerEntry.get(member_id=int(base64.b64decode(payload["memberId"]).split(b":")[1]),
                                      kind=LedgerKind.BIRTHDAY)
        assert payload["entryId"] == gid("LedgerEntry", entry.id)
        assert payload["points"] == entry.delta and payload["balance"] == entry.balance_after
    expired = [d for d in documents if d["payload"].get("kind") == "EXPIRY"]
    entries = await LedgerEntry.filter(kind=LedgerKind.EXPIRY)
    assert {d["payload"]["entryId"] for d in expired} == {gid("LedgerEntry", e.id) for e in entries}
    assert all(d["type"] == "POINTS_SPENT" for d in expired) and len(entries) == 4
    [tier] = [d for d in documents if d["type"] == "TIER_CHANGED"]
    assert tier["payload"] == {"memberId": gid("Member", diamond.id), "fromTier": "diamond", "toTier": "gold",
                               "direction": "DOWN"}
    assert len(receiver.event_ids()) == len(documents)

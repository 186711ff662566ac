"""Staff point adjustments: who may adjust, idempotency on the key, refusals with the field at fault."""

from __future__ import annotations

import asyncio
import base64

from server.models import IdempotencyRecord, LedgerEntry, LedgerKind
from tests.points_support import ADJUST_POINTS, assert_ledger_consistent, credit, member_of, programme
from tests.support import Api, Caller


def global_id(type_name: str, row_id: int) -> str:
    return base64.b64encode(f"{type_name}:{row_id}".encode()).decode()


async def adjust(
    api: Api, caller: Caller | None, member_id: str, delta: int, key: str, reason: str = "Goodwill"
) -> dict:
    variables = {"memberId": member_id, "delta": delta, "reason": reason, "key": key}
    return (await api.run(ADJUST_POINTS, variables, caller))["adjustPoints"]


def codes(payload: dict) -> list[tuple[str | None, str]]:
    return [(e["field"], e["code"]) for e in payload["userErrors"]]


async def test_staff_credit_and_debit_with_a_reason(api: Api) -> None:
    staff = await api.staff()
    caller = await api.member()

    credited = await adjust(api, staff, caller.member_id, 300, "k-1", "Late delivery")
    debited = await adjust(api, staff, caller.member_id, -120, "k-2", "Duplicate credit")

    assert credited["entry"]["kind"] == "ADJUSTMENT" and credited["entry"]["delta"] == 300
    assert credited["entry"]["description"] == "Adjustment: Late delivery"
    assert (debited["entry"]["delta"], debited["entry"]["balanceAfter"]) == (-120, 180)
    assert debited["member"]["points"]["balance"] == 180
    member = await assert_ledger_consistent((await member_of(caller)).id)
    assert member.lifetime_earned == 300  # a corrective debit is not "spending"


async def test_only_staff_may_adjust(api: Api) -> None:
    caller = await api.member()
    other = await api.member()
    partner = await api.partner()

    as_member = await adjust(api, other, caller.member_id, 100, "m-1")
    as_self = await adjust(api, caller, caller.member_id, 100, "m-2")
    anonymous = await adjust(api, None, caller.member_id, 100, "m-3")
    as_partner = await adjust(api, partner, caller.member_id, 100, "m-4")

    assert codes(as_member) == codes(as_self) == [(None, "FORBIDDEN")]
    assert codes(anonymous) == codes(as_partner) == [(None, "NOT_AUTHENTICATED")]
    assert as_member["entry"] is None and as_member["member"] is None
    assert await LedgerEntry.all().count() == 0


async def test_a_replayed_key_returns_the_same_entry_and_other_arguments_conflict(api: Api) -> None:
    staff = await api.staff()
    caller = await api.member()
    first = await adjust(api, staff, caller.member_id, 50, "same-key")

    again = await adjust(api, staff, caller.member_id, 50, "same-key")
    other_delta = await adjust(api, staff, caller.member_id, 60, "same-key")
    other_reason = await adjust(api, staff, caller.member_id, 50, "same-key", reason="Something else")
    other_member = await adjust(api, staff, (await api.member()).member_id, 50, "same-key")

    assert again["entry"] == first["entry"]
    for payload in (other_delta, other_reason, other_member):
        assert codes(payload) == [("idempotencyKey", "IDEMPOTENCY_CONFLICT")]
    assert (await assert_ledger_consistent((await member_of(caller)).id)).balance == 50
    assert await LedgerEntry.all().count() == 1


async def test_concurrent_replays_credit_once(api: Api) -> None:
    staff = await api.staff()
    caller = await api.member()

    results = await asyncio.gather(*(adjust(api, staff, caller.member_id, 75, "burst") for _ in range(20)))

    assert all(r["userErrors"] == [] for r in results)
    assert len({r["entry"]["id"] for r in results}) == 1
    assert (await assert_ledger_consistent((await member_of(caller)).id)).balance == 75
    assert await IdempotencyRecord.filter(key="burst").count() == 1


async def test_a_debit_beyond_the_balance_is_refused_and_does_not_use_up_the_key(api: Api) -> None:
    staff = await api.staff()
    caller = await api.member()
    await adjust(api, staff, caller.member_id, 40, "seed")

    refused = await adjust(api, staff, caller.member_id, -41, "take")

    assert codes(refused) == [("delta", "INSUFFICIENT_POINTS")]
    assert await LedgerEntry.filter(kind=LedgerKind.ADJUSTMENT).count() == 1
    # The refusal was not remembered: the same request succeeds once the points are there.
    await adjust(api, staff, caller.member_id, 1, "top-up")
    assert (await adjust(api, staff, caller.member_id, -41, "take"))["entry"]["balanceAfter"] == 0


async def test_bad_arguments_name_the_field(api: Api) -> None:
    staff = await api.staff()
    caller = await api.member()
    cases = [
        ("not-a-global-id", 10, "x-1", "Goodwill", ("memberId", "INVALID_INPUT")),
        (global_id("Tier", 1), 10, "x-2", "Goodwill", ("memberId", "INVALID_INPUT")),
        (global_id("Member", 999_999), 10, "x-3", "Goodwill", ("memberId", "NOT_FOUND")),
        (caller.member_id, 0, "x-4", "Goodwill", ("delta", "INVALID_INPUT")),
        (caller.member_id, 10, "x-5", "   ", ("reason", "INVALID_INPUT")),
        (caller.member_id, 10, " ", "Goodwill", ("idempotencyKey", "INVALID_INPUT")),
    ]
    for member_id, delta, key, reason, expected in cases:
        assert codes(await adjust(api, staff, member_id, delta, key, reason)) == [expected], (member_id, delta, key)
    assert await LedgerEntry.all().count() == 0


async def test_an_out_of_range_member_id_and_an_overflowing_balance_are_user_errors(api: Api, tmp_path) -> None:
    staff = await api.staff()
    caller = await api.member()
    huge_id = base64.b64encode(b"Member:1099511627776").decode()
    await credit((await member_of(caller)).id, 2_140_000_000)  # just under the INT ceiling of 2,147,483,647

    unknown = await adjust(api, staff, huge_id, 100, "huge-id")
    with programme("adjustment_cap_per_staff_day = 20000000\n", tmp_path):  # the account's ceiling, not the cap
        over = await adjust(api, staff, caller.member_id, 10_000_000, "over")

    assert codes(unknown) == [("memberId", "INVALID_INPUT")]
    assert codes(over) == [("delta", "INVALID_INPUT")]
    assert not await IdempotencyRecord.exists(key="over")
    member = await assert_ledger_consistent((await member_of(caller)).id)
    assert member.balance == 2_140_000_000

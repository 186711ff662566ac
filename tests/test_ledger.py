"""The points ledger: balance == sum of entries, oldest-expiring points spent first, expiry, no overspending."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.core import clock
from server.core.errors import DomainError, ErrorCode
from server.models import LedgerEntry, LedgerKind, PointsAllocation
from server.points import ledger
from tests.points_support import (
    ADJUST_POINTS,
    POINTS,
    assert_ledger_consistent,
    credit,
    debit,
    expire,
    member_of,
    new_member,
    restore,
    utc,
)
from tests.support import Api

START = utc(2026, 1, 10)

operation = st.one_of(
    st.tuples(st.just("credit"), st.integers(1, 500)),
    st.tuples(st.just("debit"), st.integers(1, 500)),
    st.tuples(st.just("refund"), st.integers(1, 500)),
    st.tuples(st.just("wait"), st.integers(1, 200)),
    st.tuples(st.just("expire"), st.just(0)),
    st.tuples(st.just("cancel"), st.just(0)),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=st.lists(operation, min_size=1, max_size=25))
async def test_balance_always_equals_the_sum_of_the_ledger(operations: list[tuple[str, int]]) -> None:
    # Given a fresh member, when random credits, debits, refunds (debt allowed), cancelled
    # spends and time passing (so lots lapse) are applied, then after every step the database
    # agrees with itself.
    member = await new_member()
    at = START
    spends: list[int] = []
    for action, n in operations:
        before = (await assert_ledger_consistent(member.id)).balance
        if action == "credit":
            await credit(member.id, n, at=at)
        elif action == "debit":
            try:
                spends.append((await debit(member.id, n, at=at)).id)
            except DomainError as error:
                # Refused only when the unexpired points really fall short.
                assert error.code is ErrorCode.INSUFFICIENT_POINTS
                lapsed = await LedgerEntry.filter(member_id=member.id, remaining__gt=0, expires_at__lte=at)
                assert before - sum(lot.remaining for lot in lapsed) < n
        elif action == "refund":
            await debit(member.id, n, allow_debt=True, at=at)
        elif action == "cancel" and spends:
            await restore(member.id, spends.pop(), at)
        elif action == "wait":
            at += timedelta(days=n)
        elif action == "expire":
            await expire(member.id, at)
        after = await assert_ledger_consistent(member.id)
        if action == "debit" and after.balance != before:
            # A successful spend never takes the balance below zero.
            assert after.balance >= 0


async def test_spending_consumes_the_oldest_expiring_points_first(api: Api) -> None:
    caller = await api.member()
    member = await member_of(caller)
    january = await credit(member.id, 100, at=utc(2026, 1, 15))
    march = await credit(member.id, 100, at=utc(2026, 3, 15))

    spend = await debit(member.id, 150, at=utc(2026, 4, 1))

    lots = {e.id: e.remaining for e in await LedgerEntry.filter(id__in=[january.id, march.id])}
    assert lots == {january.id: 0, march.id: 50}
    taken = {(a.lot_id, a.points) for a in await PointsAllocation.filter(debit_id=spend.id)}
    assert taken == {(january.id, 100), (march.id, 50)}
    with clock.travel(utc(2026, 4, 2)):
        data = await api.run(POINTS, caller=caller)
    assert data["viewer"]["points"]["expiring"] == [{"points": 50, "expiresOn": "2027-03-31"}]
    assert data["viewer"]["points"]["balance"] == 50
    await assert_ledger_consistent(member.id)


async def test_expiring_lists_unspent_points_soonest_first(api: Api) -> None:
    caller = await api.member()
    member = await member_of(caller)
    # Earned out of order, two lots in the same month.
    await credit(member.id, 30, at=utc(2026, 3, 2))
    await credit(member.id, 10, at=utc(2026, 1, 31, 23))
    await credit(member.id, 20, at=utc(2026, 2, 1, 0, 30))
    await credit(member.id, 5, at=utc(2026, 3, 30))

    with clock.travel(utc(2026, 4, 1)):
        data = await api.run(POINTS, caller=caller)

    assert data["viewer"]["points"]["expiring"] == [
        {"points": 10, "expiresOn": "2027-01-31"},
        {"points": 20, "expiresOn": "2027-02-28"},
        {"points": 35, "expiresOn": "2027-03-31"},
    ]


async def test_points_expire_at_the_end_of_the_twelfth_month_after_the_month_earned(api: Api) -> None:
    with clock.travel(utc(2027, 1, 20)):
        caller = await api.member()  # a token that is still valid when we look in February 2027
    member = await member_of(caller)
    lot = await credit(member.id, 80, at=utc(2026, 1, 15))
    assert lot.expires_at == utc(2027, 2, 1, 0)
    assert ledger.expires_on(lot.expires_at).isoformat() == "2027-01-31"

    # The last second of the 12th month: still spendable, nothing expires.
    assert await expire(member.id, utc(2027, 1, 31, 23, 59, 59)) is None
    # The next instant: one EXPIRY entry takes the rest.
    entry = await expire(member.id, utc(2027, 2, 1, 0, 0, 1))

    assert entry is not None and entry.kind is LedgerKind.EXPIRY and entry.delta == -80
    assert "2027-01-31" in entry.description
    with clock.travel(utc(2027, 2, 2)):
        data = await api.run(POINTS, caller=caller)
    points = data["viewer"]["points"]
    assert points["balance"] == 0 and points["expiring"] == []
    newest = points["ledger"]["edges"][0]["node"]
    assert (newest["kind"], newest["delta"], newest["balanceAfter"], newest["expiresOn"]) == ("EXPIRY", -80, 0, None)
    await assert_ledger_consistent(member.id)


async def test_expiry_of_a_year_end_lot_rolls_into_the_next_year() -> None:
    member = await new_member()
    lot = await credit(member.id, 10, at=utc(2026, 12, 31, 23))
    assert lot.expires_at == utc(2028, 1, 1, 0)


async def test_a_spend_never_uses_lapsed_points() -> None:
    # Given 50 points that lapsed and 20 fresh ones
    member = await new_member()
    await credit(member.id, 50, at=utc(2025, 1, 5))
    await credit(member.id, 20, at=utc(2026, 1, 5))

    # When the member tries to spend 60 after the first lot lapsed, then the lapse is booked
    # first and the spend is refused.
    with pytest.raises(DomainError) as refused:
        await debit(member.id, 60, at=utc(2026, 2, 10))
    assert refused.value.code is ErrorCode.INSUFFICIENT_POINTS
    # The refusal rolled back with its transaction, so the expiry is booked by the next write.
    await debit(member.id, 20, at=utc(2026, 2, 10))
    kinds = [e.kind for e in await LedgerEntry.filter(member_id=member.id).order_by("id")]
    assert kinds == [LedgerKind.BONUS, LedgerKind.BONUS, LedgerKind.EXPIRY, LedgerKind.REDEMPTION]
    assert (await assert_ledger_consistent(member.id)).balance == 0


async def test_concurrent_debits_never_overspend(api: Api) -> None:
    # Given a member with 100 points
    staff = await api.staff()
    caller = await api.member()
    member = await member_of(caller)
    await credit(member.id, 100)

    # When 20 staff debits of 30 points arrive at once (distinct keys)
    async def spend(i: int) -> dict:
        variables = {"memberId": caller.member_id, "delta": -30, "reason": "Spend", "key": f"spend-{i}"}
        return (await api.run(ADJUST_POINTS, variables, staff))["adjustPoints"]

    results = await asyncio.gather(*(spend(i) for i in range(20)))

    # Then exactly the three affordable ones succeed and the balance never went below zero.
    ok = [r for r in results if not r["userErrors"]]
    refused = [r["userErrors"][0] for r in results if r["userErrors"]]
    assert len(ok) == 3 and len(refused) == 17
    assert {(e["code"], e["field"]) for e in refused} == {("INSUFFICIENT_POINTS", "delta")}
    assert sorted(r["entry"]["balanceAfter"] for r in ok) == [10, 40, 70]
    after = await assert_ledger_consistent(member.id)
    assert after.balance == 10
    assert min(e.balance_after for e in await LedgerEntry.filter(member_id=member.id)) >= 0


async def test_concurrent_small_spends_take_exactly_what_the_balance_allows(api: Api) -> None:
    staff = await api.staff()
    caller = await api.member()
    member = await member_of(caller)
    await credit(member.id, 95)

    variables = [{"memberId": caller.member_id, "delta": -10, "reason": "Spend", "key": f"s-{i}"} for i in range(20)]
    results = await asyncio.gather(*(api.run(ADJUST_POINTS, v, staff) for v in variables))

    assert sum(1 for r in results if not r["adjustPoints"]["userErrors"]) == 9
    assert (await assert_ledger_consistent(member.id)).balance == 5


async def test_purchase_points_earned_in_a_month_expire_at_the_end_of_that_month_next_year(api: Api) -> None:
    partner = await api.partner(["purchases:write"])
    with clock.travel(utc(2026, 2, 28, 23, 30)):
        caller = await api.member()
        await api.purchase(partner, caller.email, "60.00")
    with clock.travel(utc(2026, 3, 1, 0, 30)):
        await api.purchase(partner, caller.email, "40.00")
        data = await api.run(POINTS, caller=caller)

    assert data["viewer"]["points"]["expiring"] == [
        {"points": 60, "expiresOn": "2027-02-28"},
        {"points": 40, "expiresOn": "2027-03-31"},
    ]
    credits = [e["node"] for e in data["viewer"]["points"]["ledger"]["edges"]]
    assert [(c["kind"], c["delta"], c["expiresOn"]) for c in credits] == [
        ("PURCHASE", 40, "2027-03-31"),
        ("PURCHASE", 60, "2027-02-28"),
    ]

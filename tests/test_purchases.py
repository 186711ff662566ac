"""Partner purchases and refunds: points by the rules, idempotency per order, authorisation, debt."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from server.accounts.partners import revoke_partner
from server.core import clock
from server.models import LedgerEntry, LedgerKind, Member, Purchase, PurchaseSubject
from tests.points_support import (
    ADJUST_POINTS,
    POINTS,
    assert_ledger_consistent,
    credit,
    debit,
    member_of,
    utc,
)
from tests.support import RECORD_PURCHASE, Api, Caller

REFUND = """
mutation Refund($orderId: String!, $amount: Decimal) {
  refundPurchase(orderId: $orderId, amount: $amount) {
    pointsEarned
    member { points { balance } }
    userErrors { field code message }
  }
}
"""

QUALIFYING = "{ viewer { tierProgress { qualifyingPoints } } }"


async def record(api: Api, partner: Caller | None, email: str, amount: str, order_id: str, **extra) -> dict:
    variables = {"input": {"memberEmail": email, "orderId": order_id, "amount": amount, **extra}}
    return (await api.run(RECORD_PURCHASE, variables, partner))["recordPurchase"]


async def refund(api: Api, partner: Caller, order_id: str, amount: str | None = None) -> dict:
    return (await api.run(REFUND, {"orderId": order_id, "amount": amount}, partner))["refundPurchase"]


def codes(payload: dict) -> list[tuple[str | None, str]]:
    return [(e["field"], e["code"]) for e in payload["userErrors"]]


async def test_points_are_the_amount_times_the_tier_multiplier_rounded_down(api: Api) -> None:
    partner = await api.partner(["purchases:write"])
    silver, gold, diamond = await api.member(), await api.member(), await api.member()
    await Member.filter(email=gold.email).update(tier_code="gold")
    await Member.filter(email=diamond.email).update(tier_code="diamond")

    results = [
        await record(api, partner, silver.email, "123.99", "A-1"),
        await record(api, partner, gold.email, "99.99", "A-2"),
        await record(api, partner, diamond.email, "10.01", "A-3"),
        await record(api, partner, silver.email, "0.99", "A-4"),
    ]

    # 123.99 → 123; 99.99 × 1.25 = 124.9875 → 124; 10.01 × 1.5 = 15.015 → 15; 0.99 → 0.
    assert [r["pointsEarned"] for r in results] == [123, 124, 15, 0]
    assert [r["member"]["points"]["balance"] for r in results] == [123, 124, 15, 123]
    assert await Purchase.filter(order_id="A-4").count() == 1  # recorded even when it earns nothing
    for caller in (silver, gold, diamond):
        await assert_ledger_consistent((await member_of(caller)).id)


async def test_a_repeated_order_returns_the_first_result_and_credits_nothing_more(api: Api) -> None:
    partner = await api.partner(["purchases:write"])
    caller = await api.member()
    first = await record(api, partner, caller.email, "250.00", "ORD-1")

    again = await record(api, partner, caller.email, "250", "ORD-1")
    other_amount = await record(api, partner, caller.email, "251.00", "ORD-1")
    someone_else = await api.member()
    other_member = await record(api, partner, someone_else.email, "250.00", "ORD-1")

    assert (first["pointsEarned"], first["replayed"]) == (250, False)
    assert (again["pointsEarned"], again["replayed"], again["userErrors"]) == (250, True, [])
    assert again["member"]["points"]["balance"] == 250
    assert codes(other_amount) == [("amount", "IDEMPOTENCY_CONFLICT")]
    assert codes(other_member) == [("memberEmail", "IDEMPOTENCY_CONFLICT")]
    member = await assert_ledger_consistent((await member_of(caller)).id)
    assert member.balance == 250
    assert await Purchase.filter(order_id="ORD-1").count() == 1
    assert await LedgerEntry.filter(member_id=member.id, kind=LedgerKind.PURCHASE).count() == 1


async def test_the_same_order_id_from_another_partner_is_another_purchase(api: Api) -> None:
    shop, cafe = await api.partner(["purchases:write"]), await api.partner(["purchases:write"])
    caller = await api.member()

    await record(api, shop, caller.email, "10.00", "SAME")
    second = await record(api, cafe, caller.email, "10.00", "SAME")

    assert (second["replayed"], second["member"]["points"]["balance"]) == (False, 20)


async def test_thirty_concurrent_duplicates_credit_exactly_once(api: Api) -> None:
    partner = await api.partner(["purchases:write"])
    caller = await api.member()

    results = await asyncio.gather(*(record(api, partner, caller.email, "88.80", "RACE-1") for _ in range(30)))

    assert all(r["userErrors"] == [] and r["pointsEarned"] == 88 for r in results)
    assert sorted(r["replayed"] for r in results) == [False] + [True] * 29
    member = await assert_ledger_consistent((await member_of(caller)).id)
    assert member.balance == 88
    assert await Purchase.filter(order_id="RACE-1").count() == 1
    assert await LedgerEntry.filter(member_id=member.id).count() == 1


async def test_recording_needs_a_live_partner_key_with_the_purchases_scope(api: Api) -> None:
    caller = await api.member()
    reader = await api.partner(["members:read"])
    revoked = await api.partner(["purchases:write"], name="Closed Shop")
    await revoke_partner("Closed Shop")

    anonymous = await record(api, None, caller.email, "10.00", "X-1")
    member_token = await record(api, caller, caller.email, "10.00", "X-2")
    no_scope = await record(api, reader, caller.email, "10.00", "X-3")
    revoked_key = await record(api, revoked, caller.email, "10.00", "X-4")

    assert codes(anonymous) == [(None, "NOT_AUTHENTICATED")]
    assert codes(member_token) == [(None, "NOT_AUTHENTICATED")]
    assert codes(no_scope) == [(None, "FORBIDDEN")]
    assert codes(revoked_key) == [(None, "NOT_AUTHENTICATED")]
    assert await Purchase.all().count() == 0
    assert (await member_of(caller)).balance == 0


async def test_bad_input_is_refused_with_the_field_at_fault(api: Api) -> None:
    partner = await api.partner(["purchases:write"])
    caller = await api.member()
    future = (clock.now() + timedelta(hours=1)).isoformat()
    cases = [
        ({"memberEmail": "nobody@example.com"}, ("memberEmail", "NOT_FOUND")),
        ({"memberEmail": "not-an-email"}, ("memberEmail", "INVALID_INPUT")),
        ({"amount": "0"}, ("amount", "INVALID_INPUT")),
        ({"amount": "1.234"}, ("amount", "INVALID_INPUT")),
        ({"orderId": "   "}, ("orderId", "INVALID_INPUT")),
        ({"occurredAt": future}, ("occurredAt", "INVALID_INPUT")),
        ({"occurredAt": "2026-01-01T10:00:00"}, ("occurredAt", "INVALID_INPUT")),
    ]
    for override, expected in cases:
        variables = {"input": {"memberEmail": caller.email, "orderId": "BAD-1", "amount": "10.00", **override}}
        payload = (await api.run(RECORD_PURCHASE, variables, partner))["recordPurchase"]
        assert codes(payload) == [expected], (override, payload)
        assert payload["pointsEarned"] == 0 and payload["member"] is None
    assert await Purchase.all().count() == 0
    # The order id was never used up by a refusal.
    assert (await record(api, partner, caller.email, "10.00", "BAD-1"))["pointsEarned"] == 10


async def test_subjects_are_recorded_once_each_for_verified_reviews(api: Api) -> None:
    partner = await api.partner(["purchases:write"])
    caller = await api.member()

    await record(api, partner, caller.email, "30.00", "SUBJ-1", subjects=["sku:tea", "store:bund", "sku:tea"])

    member = await member_of(caller)
    purchase = await Purchase.get(order_id="SUBJ-1")
    rows = await PurchaseSubject.filter(purchase_id=purchase.id).order_by("subject")
    assert [(r.member_id, r.subject) for r in rows] == [(member.id, "sku:tea"), (member.id, "store:bund")]
    assert purchase.subjects == ["sku:tea", "store:bund"]


async def test_whole_and_partial_refunds_take_back_proportional_points(api: Api) -> None:
    partner = await api.partner(["purchases:write"])
    caller = await api.member()
    await record(api, partner, caller.email, "100.00", "R-1")
    await record(api, partner, caller.email, "40.00", "R-2")

    first_third = await refund(api, partner, "R-1", "33.33")
    second_third = await refund(api, partner, "R-1", "33.33")
    rest = await refund(api, partner, "R-1")
    whole = await refund(api, partner, "R-2")

    # Cumulative rounding: floor(33.33) = 33, floor(66.66) − 33 = 33, then the last 34.
    assert [r["pointsEarned"] for r in (first_third, second_third, rest, whole)] == [-33, -33, -34, -40]
    assert whole["member"]["points"]["balance"] == 0
    purchase = await Purchase.get(order_id="R-1")
    assert (purchase.refunded_amount, purchase.points_refunded) == (purchase.amount, 100)
    member = await assert_ledger_consistent((await member_of(caller)).id)
    refunds = await LedgerEntry.filter(member_id=member.id, kind=LedgerKind.PURCHASE_REFUND).values_list(
        "delta", flat=True
    )
    assert sorted(refunds) == [-40, -34, -33, -33]
    assert member.lifetime_earned == 0


async def test_over_refunds_and_unknown_orders_are_refused(api: Api) -> None:
    partner, other = await api.partner(["purchases:write"]), await api.partner(["purchases:write"])
    caller = await api.member()
    await record(api, partner, caller.email, "50.00", "O-1")

    too_much = await refund(api, partner, "O-1", "50.01")
    await refund(api, partner, "O-1", "20.00")
    still_too_much = await refund(api, partner, "O-1", "30.01")
    not_theirs = await refund(api, other, "O-1")
    unknown = await refund(api, partner, "NOPE")
    await refund(api, partner, "O-1")
    again = await refund(api, partner, "O-1")

    assert codes(too_much) == [("amount", "INVALID_INPUT")]
    assert codes(still_too_much) == [("amount", "INVALID_INPUT")]
    assert codes(not_theirs) == [("orderId", "NOT_FOUND")]
    assert codes(unknown) == [("orderId", "NOT_FOUND")]
    assert codes(again) == [("orderId", "INVALID_INPUT")]
    assert (await assert_ledger_consistent((await member_of(caller)).id)).balance == 0


async def test_refunding_spent_points_leaves_a_debt_the_next_earnings_pay_first(api: Api) -> None:
    # Given a member who earned 100 points and spent 80 of them
    partner = await api.partner(["purchases:write"])
    staff = await api.staff()
    caller = await api.member()
    await record(api, partner, caller.email, "100.00", "D-1")
    spend = {"memberId": caller.member_id, "delta": -80, "reason": "Voucher", "key": "spend-1"}
    assert (await api.run(ADJUST_POINTS, spend, staff))["adjustPoints"]["userErrors"] == []

    # When the purchase is refunded in full
    refunded = await refund(api, partner, "D-1")

    # Then all 100 points are taken back and the balance shows a debt of 80
    assert (refunded["pointsEarned"], refunded["member"]["points"]["balance"]) == (-100, -80)
    member = await assert_ledger_consistent((await member_of(caller)).id)

    # And the next earnings pay the debt before forming a spendable lot
    await record(api, partner, caller.email, "50.00", "D-2")
    assert (await assert_ledger_consistent(member.id)).balance == -30
    later = await record(api, partner, caller.email, "70.00", "D-3")
    assert later["member"]["points"]["balance"] == 40
    lots = await LedgerEntry.filter(member_id=member.id, kind=LedgerKind.PURCHASE).order_by("id")
    assert [(lot.delta, lot.remaining) for lot in lots] == [(100, 0), (50, 0), (70, 40)]
    data = await api.run(POINTS, caller=caller)
    assert [e["points"] for e in data["viewer"]["points"]["expiring"]] == [40]
    # A debt cannot be spent further.
    overdraw = {"memberId": caller.member_id, "delta": -41, "reason": "Voucher", "key": "spend-2"}
    assert codes((await api.run(ADJUST_POINTS, overdraw, staff))["adjustPoints"]) == [("delta", "INSUFFICIENT_POINTS")]


async def test_a_refund_lowers_qualifying_points(api: Api) -> None:
    partner = await api.partner(["purchases:write"])
    caller = await api.member()
    await record(api, partner, caller.email, "300.00", "Q-1")
    assert (await api.run(QUALIFYING, caller=caller))["viewer"]["tierProgress"]["qualifyingPoints"] == 300

    await refund(api, partner, "Q-1", "100.00")

    assert (await api.run(QUALIFYING, caller=caller))["viewer"]["tierProgress"]["qualifyingPoints"] == 200


async def test_a_refund_does_not_take_back_points_that_already_lapsed(api: Api) -> None:
    # Given 100 points earned in January 2025, 30 of them spent, the other 70 lapsed since,
    # and 50 fresh points
    partner = await api.partner(["purchases:write"])
    caller = await api.member()
    with clock.travel(utc(2025, 1, 10)):
        await record(api, partner, caller.email, "100.00", "OLD-1")
    member = await member_of(caller)
    await debit(member.id, 30, at=utc(2025, 2, 1))
    await credit(member.id, 50)

    # When the old purchase is refunded in full
    refunded = await refund(api, partner, "OLD-1")

    # Then only the 30 the member actually used come back off the balance
    assert (refunded["pointsEarned"], refunded["member"]["points"]["balance"]) == (-30, 20)
    kinds = await LedgerEntry.filter(member_id=member.id).order_by("id").values_list("kind", "delta")
    assert kinds == [
        (LedgerKind.PURCHASE, 100),
        (LedgerKind.REDEMPTION, -30),
        (LedgerKind.EXPIRY, -70),  # booked by the fresh credit, before the refund
        (LedgerKind.BONUS, 50),
        (LedgerKind.PURCHASE_REFUND, -30),
    ]
    assert (await Purchase.get(order_id="OLD-1")).points_refunded == 100  # qualifying drops in full
    await assert_ledger_consistent(member.id)


async def test_refunding_a_purchase_whose_points_all_lapsed_takes_nothing_more(api: Api) -> None:
    partner = await api.partner(["purchases:write"])
    caller = await api.member()
    with clock.travel(utc(2025, 1, 10)):
        await record(api, partner, caller.email, "80.00", "OLD-2")

    refunded = await refund(api, partner, "OLD-2", "40.00")

    assert (refunded["pointsEarned"], refunded["member"]["points"]["balance"]) == (0, 0)
    member = await assert_ledger_consistent((await member_of(caller)).id)
    kinds = await LedgerEntry.filter(member_id=member.id).order_by("id").values_list("kind", "delta")
    assert kinds == [(LedgerKind.PURCHASE, 80), (LedgerKind.EXPIRY, -80)]
    assert (await Purchase.get(order_id="OLD-2")).points_refunded == 40


KEYED_REFUND = """
mutation Refund($orderId: String!, $amount: Decimal, $refundId: String) {
  refundPurchase(orderId: $orderId, amount: $amount, refundId: $refundId) {
    pointsEarned replayed userErrors { field code }
  }
}
"""


async def test_a_retried_partial_refund_with_its_refund_id_refunds_once(api: Api) -> None:
    partner = await api.partner(["purchases:write"])
    caller = await api.member()
    await record(api, partner, caller.email, "100.00", "K-1")

    async def keyed(amount: str, refund_id: str) -> dict:
        variables = {"orderId": "K-1", "amount": amount, "refundId": refund_id}
        return (await api.run(KEYED_REFUND, variables, partner))["refundPurchase"]

    answers = await asyncio.gather(*(keyed("10.00", "rf-1") for _ in range(8)))
    conflict = await keyed("20.00", "rf-1")
    second = await keyed("10.00", "rf-2")

    assert sorted(a["pointsEarned"] for a in answers) == [-10] * 8
    assert sorted(a["replayed"] for a in answers) == [False] + [True] * 7
    assert conflict["userErrors"] == [{"field": "refundId", "code": "IDEMPOTENCY_CONFLICT"}]
    assert second["pointsEarned"] == -10 and not second["replayed"]
    purchase = await Purchase.get(order_id="K-1")
    assert purchase.refunded_amount == 20
    member = await assert_ledger_consistent((await member_of(caller)).id)
    assert member.balance == 80


async def test_text_no_database_can_store_is_refused_with_the_field_at_fault(api: Api) -> None:
    partner = await api.partner(["purchases:write"])
    caller = await api.member()

    async def escaped(document: str, variables: dict) -> dict:
        return next(iter((await api.run_escaped(document, variables, partner)).values()))

    def purchase(email: str, order_id: str, **extra) -> dict:
        return {"input": {"memberEmail": email, "orderId": order_id, "amount": "10.00", **extra}}

    lone_surrogate = await escaped(RECORD_PURCHASE, purchase(caller.email, "ORD-\ud800"))
    nul_subject = await escaped(RECORD_PURCHASE, purchase(caller.email, "ORD-S", subjects=["mug\x00"]))
    bad_email = await escaped(RECORD_PURCHASE, purchase("li\ud800@example.com", "ORD-E"))
    bad_refund = await escaped(REFUND, {"orderId": "ORD-\ud800"})

    assert [e["field"] for e in lone_surrogate["userErrors"]] == ["orderId"]
    assert [e["field"] for e in nul_subject["userErrors"]] == ["subjects"]
    assert [e["field"] for e in bad_email["userErrors"]] == ["memberEmail"]
    assert [(e["field"], e["code"]) for e in bad_refund["userErrors"]] == [("orderId", "INVALID_INPUT")]
    assert await Purchase.all().count() == 0


async def test_an_occurred_at_beyond_the_utc_range_is_invalid_input(api: Api) -> None:
    partner = await api.partner(["purchases:write"])
    caller = await api.member()

    answer = await record(api, partner, caller.email, "10.00", "ORD-Y1", occurredAt="0001-01-01T00:00:00+14:00")

    assert [(e["field"], e["code"]) for e in answer["userErrors"]] == [("occurredAt", "INVALID_INPUT")]
    assert await Purchase.all().count() == 0


async def test_refund_ids_of_the_longest_order_ids_are_remembered(api: Api) -> None:
    # Both ids may be 128 characters; the stored idempotency key must still fit its column.
    partner = await api.partner(["purchases:write"])
    caller = await api.member()
    order_id, refund_id = "O" * 128, "R" * 128
    await record(api, partner, caller.email, "100.00", order_id)
    variables = {"orderId": order_id, "amount": "10.00", "refundId": refund_id}

    first = (await api.run(KEYED_REFUND, variables, partner))["refundPurchase"]
    again = (await api.run(KEYED_REFUND, variables, partner))["refundPurchase"]

    assert (first["pointsEarned"], first["replayed"], first["userErrors"]) == (-10, False, [])
    assert (again["pointsEarned"], again["replayed"]) == (-10, True)
    assert (await Purchase.get(order_id=order_id)).refunded_amount == 10
    member = await assert_ledger_consistent((await member_of(caller)).id)
    assert member.balance == 90


async def test_points_beyond_what_an_account_can_hold_are_refused_not_a_server_error(api: Api) -> None:
    # Balances are 32-bit INT columns on PostgreSQL: 2,147,483,647 points at most.
    partner = await api.partner(["purchases:write"])
    caller = await api.member()
    member = await member_of(caller)
    await Member.filter(id=member.id).update(tier_code="diamond")
    for n in range(14):  # 14 × 150,000,000 = 2,100,000,000 points
        assert (await record(api, partner, caller.email, "100000000.00", f"BIG-{n}"))["userErrors"] == []

    over = await record(api, partner, caller.email, "100000000.00", "BIG-OVER")

    assert [(e["field"], e["code"]) for e in over["userErrors"]] == [("amount", "INVALID_INPUT")]
    assert not await Purchase.exists(order_id="BIG-OVER")
    member = await assert_ledger_consistent(member.id)
    assert member.balance == 2_100_000_000

"""Redeeming benefits: rules and refusals, exactly-once keys, cancellation, vouchers and races."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import socket
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from server.accounts.tokens import UNAMBIGUOUS
from server.core import clock
from server.models import Benefit, LedgerEntry, LedgerKind, Member, Notification, Redemption, RedemptionStatus
from tests.catalog_support import CANCEL, REDEEM, add_benefit, give_points, redeem
from tests.support import Api, Caller

REDEEM_VOUCHER = """
mutation Claim($code: String!) {
  redeemVoucher(code: $code) {
    redemption { id status usedAt voucherCode }
    member { email }
    userErrors { field code message }
  }
}
"""
MY_REDEMPTIONS = "{ viewer { redemptions(first: 10) { totalCount edges { node { benefit { slug } status } } } } }"
EXPIRING = "{ viewer { points { balance expiring { points expiresOn } } } }"


def _codes(payload: dict) -> list[tuple[str | None, str]]:
    return [(e["field"], e["code"]) for e in payload["userErrors"]]


async def _member_row(caller: Caller) -> Member:
    return await Member.get(email=caller.email)


async def test_redeem_debits_points_takes_stock_and_issues_a_voucher(api: Api) -> None:
    staff, member, partner = await api.staff(), await api.member(), await api.partner()
    await give_points(api, partner, member, 1000)
    benefit = await add_benefit(api, staff, slug="cinema", title="Cinema", titleZh="电影票", pointsCost=300, stock=10)

    payload = await redeem(api, member, benefit["id"], "key-1", 2)

    assert payload["userErrors"] == [] and payload["replayed"] is False
    redemption = payload["redemption"]
    assert (redemption["quantity"], redemption["pointsSpent"], redemption["status"]) == (2, 600, "ISSUED")
    assert redemption["benefit"] == {"slug": "cinema", "remaining": 8}
    assert payload["member"]["points"]["balance"] == 400
    row = await Redemption.get(voucher_code=redemption["voucherCode"])
    debit = await LedgerEntry.get(id=row.debit_entry_id)
    assert (debit.kind, debit.delta, debit.balance_after) == (LedgerKind.REDEMPTION, -600, 400)
    assert (await Benefit.get(slug="cinema")).issued == 2
    assert (await _member_row(member)).balance == 400
    notice = await Notification.get(member_id=row.member_id)
    assert notice.kind == "REDEMPTION_ISSUED" and notice.params["code"] == row.voucher_code


async def test_redeem_refuses_with_the_first_blocking_reason_and_changes_nothing(api: Api) -> None:
    staff, member, partner = await api.staff(), await api.member(), await api.partner()
    await give_points(api, partner, member, 500)
    now = datetime.now(UTC)
    once = await add_benefit(api, staff, pointsCost=100, perMemberLimit=1)
    assert (await redeem(api, member, once["id"], "first"))["userErrors"] == []
    cases = [
        (await add_benefit(api, staff, active=False), 1, (None, "NOT_AVAILABLE")),
        (await add_benefit(api, staff, availableUntil=(now - timedelta(hours=1)).isoformat()), 1, None),
        (await add_benefit(api, staff, availableFrom=(now + timedelta(hours=1)).isoformat()), 1, None),
        (await add_benefit(api, staff, minTierCode="gold", stock=0), 1, (None, "TIER_TOO_LOW")),
        (await add_benefit(api, staff, stock=0, pointsCost=10_000), 1, (None, "OUT_OF_STOCK")),
        (await add_benefit(api, staff, stock=2), 3, (None, "OUT_OF_STOCK")),
        (once, 1, (None, "LIMIT_REACHED")),
        (await add_benefit(api, staff, perMemberLimit=2), 3, (None, "LIMIT_REACHED")),
        (await add_benefit(api, staff, pointsCost=401), 1, ("points", "INSUFFICIENT_POINTS")),
        (await add_benefit(api, staff, pointsCost=150), 3, ("points", "INSUFFICIENT_POINTS")),
    ]
    for index, (benefit, quantity, expected) in enumerate(cases):
        payload = await redeem(api, member, benefit["id"], f"try-{index}", quantity)

        codes = _codes(payload)
        assert codes == [expected or (None, "NOT_AVAILABLE")], (index, codes)
        assert payload["redemption"] is None
    assert await Redemption.all().count() == 1
    assert (await _member_row(member)).balance == 400
    assert await Benefit.filter(issued__gt=0).count() == 1


async def test_refusals_are_worded_in_the_members_language(api: Api) -> None:
    staff, member = await api.staff(), await api.member(locale="zh-CN")
    benefit = await add_benefit(api, staff, stock=0)

    payload = await redeem(api, member, benefit["id"], "k")

    assert payload["userErrors"] == [{"field": None, "code": "OUT_OF_STOCK", "message": "该权益已兑完。"}]


async def test_redeem_refuses_bad_arguments(api: Api) -> None:
    staff, member, partner = await api.staff(), await api.member(), await api.partner()
    await give_points(api, partner, member, 500)
    benefit = await add_benefit(api, staff)

    too_few = await redeem(api, member, benefit["id"], "a", 0)
    too_many = await redeem(api, member, benefit["id"], "b", 11)
    bad_key = await redeem(api, member, benefit["id"], "   ")
    wrong_id = await redeem(api, member, member.member_id or "", "c")
    unknown = await redeem(api, member, "QmVuZWZpdDo5OTk5", "d")  # Benefit:9999
    anonymous = (await api.run(
        "mutation($id: ID!) { redeemBenefit(benefitId: $id, idempotencyKey: \"e\") { userErrors { field code } } }",
        {"id": benefit["id"]},
    ))["redeemBenefit"]

    assert _codes(too_few) == [("quantity", "INVALID_INPUT")]
    assert _codes(too_many) == [("quantity", "INVALID_INPUT")]
    assert _codes(bad_key) == [("idempotencyKey", "INVALID_INPUT")]
    assert _codes(wrong_id) == [("benefitId", "INVALID_INPUT")]
    assert _codes(unknown) == [("benefitId", "NOT_FOUND")]
    assert [e["code"] for e in anonymous["userErrors"]] == ["NOT_AUTHENTICATED"]
    assert await Redemption.all().count() == 0 and (await _member_row(member)).balance == 500


async def test_a_replay_returns_the_first_redemption_even_once_out_of_stock(api: Api) -> None:
    staff, member, partner = await api.staff(), await api.member(), await api.partner()
    await give_points(api, partner, member, 500)
    benefit = await add_benefit(api, staff, pointsCost=100, stock=1)
    first = await redeem(api, member, benefit["id"], "same-key")

    again = await redeem(api, member, benefit["id"], "same-key")

    assert again["userErrors"] == [] and again["replayed"] is True
    assert again["redemption"]["id"] == first["redemption"]["id"]
    assert again["redemption"]["benefit"]["remaining"] == 0
    assert again["member"]["points"]["balance"] == 400
    assert await Redemption.all().count() == 1
    assert await LedgerEntry.filter(kind=LedgerKind.REDEMPTION).count() == 1


async def test_the_same_key_with_other_arguments_is_an_idempotency_conflict(api: Api) -> None:
    staff, member, partner = await api.staff(), await api.member(), await api.partner()
    await give_points(api, partner, member, 500)
    benefit = await add_benefit(api, staff, pointsCost=100)
    other = await add_benefit(api, staff, pointsCost=100)
    await redeem(api, member, benefit["id"], "k")

    other_benefit = await redeem(api, member, other["id"], "k")
    other_quantity = await redeem(api, member, benefit["id"], "k", 2)
    someone_else = await api.member()
    await give_points(api, partner, someone_else, 100)
    keys_are_per_member = await redeem(api, someone_else, benefit["id"], "k")

    assert _codes(other_benefit) == [("idempotencyKey", "IDEMPOTENCY_CONFLICT")]
    assert _codes(other_quantity) == [("idempotencyKey", "IDEMPOTENCY_CONFLICT")]
    assert keys_are_per_member["userErrors"] == [] and keys_are_per_member["replayed"] is False
    assert (await _member_row(member)).balance == 400
    assert await Redemption.all().count() == 2


async def test_cancel_returns_points_with_their_original_expiry_and_releases_stock(api: Api) -> None:
    staff, member, partner = await api.staff(), await api.member(), await api.partner()
    with clock.travel(datetime.now(UTC) - timedelta(days=62)):
        await give_points(api, partner, member, 100)
    await give_points(api, partner, member, 500)
    before = (await api.run(EXPIRING, caller=member))["viewer"]["points"]
    benefit = await add_benefit(api, staff, pointsCost=150, stock=3)
    redeemed = await redeem(api, member, benefit["id"], "k")
    spent = (await api.run(EXPIRING, caller=member))["viewer"]["points"]

    cancelled = (await api.run(CANCEL, {"id": redeemed["redemption"]["id"]}, member))["cancelRedemption"]

    after = (await api.run(EXPIRING, caller=member))["viewer"]["points"]
    assert len(before["expiring"]) == 2 and before["expiring"][0]["points"] == 100
    assert spent["expiring"] == [{"points": 450, "expiresOn": before["expiring"][1]["expiresOn"]}]  # oldest first
    assert cancelled["userErrors"] == [] and cancelled["redemption"]["status"] == "CANCELLED"
    assert cancelled["member"]["points"]["balance"] == 600
    assert after == before
    refund = await LedgerEntry.get(kind=LedgerKind.REDEMPTION_REFUND)
    assert (refund.delta, refund.balance_after) == (150, 600)
    assert (await Benefit.get(id=(await Redemption.first()).benefit_id)).issued == 0
    assert (await Redemption.first()).cancelled_at is not None
    assert await Notification.filter(kind="REDEMPTION_CANCELLED").count() == 1


async def test_a_second_cancel_is_refused_and_gives_nothing_more(api: Api) -> None:
    staff, member, partner = await api.staff(), await api.member(), await api.partner()
    await give_points(api, partner, member, 500)
    benefit = await add_benefit(api, staff, pointsCost=100)
    redemption_id = (await redeem(api, member, benefit["id"], "k"))["redemption"]["id"]
    await api.run(CANCEL, {"id": redemption_id}, member)

    again = (await api.run(CANCEL, {"id": redemption_id}, member))["cancelRedemption"]

    assert _codes(again) == [(None, "CANNOT_CANCEL")]
    assert (await _member_row(member)).balance == 500
    assert await LedgerEntry.filter(kind=LedgerKind.REDEMPTION_REFUND).count() == 1


async def test_only_the_owner_or_staff_may_cancel(api: Api) -> None:
    staff, member, partner = await api.staff(), await api.member(), await api.partner()
    stranger = await api.member()
    await give_points(api, partner, member, 500)
    benefit = await add_benefit(api, staff, pointsCost=100)
    redemption_id = (await redeem(api, member, benefit["id"], "k"))["redemption"]["id"]

    by_stranger = (await api.run(CANCEL, {"id": redemption_id}, stranger))["cancelRedemption"]
    anonymous = (await api.run(CANCEL, {"id": redemption_id}))["cancelRedemption"]
    unknown = (await api.run(CANCEL, {"id": "UmVkZW1wdGlvbjo5OTk5"}, member))["cancelRedemption"]  # Redemption:9999
    by_staff = (await api.run(CANCEL, {"id": redemption_id}, staff))["cancelRedemption"]

    # someone else's redemption answers exactly like one that does not exist (the id's existence is not told)
    assert _codes(unknown) == [("redemptionId", "NOT_FOUND")]
    assert by_stranger == unknown
    assert _codes(anonymous) == [(None, "NOT_AUTHENTICATED")]
    assert by_staff["userErrors"] == [] and by_staff["redemption"]["status"] == "CANCELLED"
    assert (await _member_row(member)).balance == 500


async def test_voucher_codes_are_long_unambiguous_and_unique(api: Api) -> None:
    staff, member, partner = await api.staff(), await api.member(), await api.partner()
    await give_points(api, partner, member, 3000)
    benefit = await add_benefit(api, staff, pointsCost=100)

    codes = [(await redeem(api, member, benefit["id"], f"k{i}"))["redemption"]["voucherCode"] for i in range(30)]

    assert len(set(codes)) == 30
    assert all(len(code) >= 10 and set(code) <= set(UNAMBIGUOUS) for code in codes)
    assert not set("".join(codes)) & set("01OIL")
    assert sorted(codes) == sorted(await Redemption.all().values_list("voucher_code", flat=True))


async def test_a_partner_marks_a_voucher_used_once(api: Api) -> None:
    staff, member, partner = await api.staff(), await api.member(), await api.partner()
    await give_points(api, partner, member, 500)
    benefit = await add_benefit(api, staff, pointsCost=100)
    code = (await redeem(api, member, benefit["id"], "k"))["redemption"]["voucherCode"]
    typed = f" {code[:4].lower()}-{code[4:]} "

    used = (await api.run(REDEEM_VOUCHER, {"code": typed}, partner))["redeemVoucher"]
    twice = (await api.run(REDEEM_VOUCHER, {"code": code}, partner))["redeemVoucher"]
    unknown = (await api.run(REDEEM_VOUCHER, {"code": "ZZZZZZZZZZZZ"}, partner))["redeemVoucher"]
    cancel_used = (await api.run(CANCEL, {"id": used["redemption"]["id"]}, member))["cancelRedemption"]

    assert used["userErrors"] == [] and used["redemption"]["status"] == "USED" and used["member"] is None
    assert used["redemption"]["usedAt"] is not None
    assert _codes(twice) == [("code", "NOT_AVAILABLE")] and "already used" in twice["userErrors"][0]["message"]
    assert _codes(unknown) == [("code", "NOT_FOUND")]
    assert _codes(cancel_used) == [(None, "CANNOT_CANCEL")]
    row = await Redemption.get(voucher_code=code)
    assert row.status is RedemptionStatus.USED and row.used_by_partner_id is not None and row.used_at is not None
    assert (await _member_row(member)).balance == 400


async def test_a_cancelled_voucher_cannot_be_used_and_only_voucher_partners_may_try(api: Api) -> None:
    staff, member, partner = await api.staff(), await api.member(), await api.partner()
    shop = await api.partner(["purchases:write"])
    await give_points(api, partner, member, 500)
    benefit = await add_benefit(api, staff, pointsCost=100)
    redeemed = (await redeem(api, member, benefit["id"], "k"))["redemption"]
    code = redeemed["voucherCode"]

    no_scope = (await api.run(REDEEM_VOUCHER, {"code": code}, shop))["redeemVoucher"]
    as_member = (await api.run(REDEEM_VOUCHER, {"code": code}, member))["redeemVoucher"]
    await api.run(CANCEL, {"id": redeemed["id"]}, member)
    cancelled = (await api.run(REDEEM_VOUCHER, {"code": code}, partner))["redeemVoucher"]

    assert _codes(no_scope) == [(None, "FORBIDDEN")]
    assert _codes(as_member) == [(None, "NOT_AUTHENTICATED")]
    assert _codes(cancelled) == [("code", "NOT_AVAILABLE")] and "cancelled" in cancelled["userErrors"][0]["message"]
    assert (await Redemption.get(voucher_code=code)).status is RedemptionStatus.CANCELLED


async def test_member_redemptions_are_listed_newest_first(api: Api) -> None:
    staff, member, partner = await api.staff(), await api.member(), await api.partner()
    await give_points(api, partner, member, 500)
    for slug in ("first", "second", "third"):
        benefit = await add_benefit(api, staff, slug=slug, pointsCost=100)
        await redeem(api, member, benefit["id"], slug)

    data = await api.run(MY_REDEMPTIONS, caller=member)

    listed = data["viewer"]["redemptions"]
    assert listed["totalCount"] == 3
    assert [e["node"]["benefit"]["slug"] for e in listed["edges"]] == ["third", "second", "first"]


async def test_forty_simultaneous_redemptions_by_a_member_who_can_afford_three_issue_exactly_three(api: Api) -> None:
    staff, member, partner = await api.staff(), await api.member(), await api.partner()
    await give_points(api, partner, member, 350)
    benefit = await add_benefit(api, staff, pointsCost=100)

    results = await asyncio.gather(*(redeem(api, member, benefit["id"], f"race-{i}") for i in range(40)))

    issued = [r for r in results if r["redemption"]]
    refused = [r for r in results if not r["redemption"]]
    assert len(issued) == 3
    assert {e["code"] for r in refused for e in r["userErrors"]} == {"INSUFFICIENT_POINTS"}
    row = await _member_row(member)
    assert row.balance == 50 and row.lifetime_spent == 300
    assert await Redemption.filter(member_id=row.id).count() == 3
    assert (await Benefit.get(id=(await Redemption.first()).benefit_id)).issued == 3
    assert sum(await LedgerEntry.filter(member_id=row.id).values_list("delta", flat=True)) == 50
    assert await LedgerEntry.filter(member_id=row.id, balance_after__lt=0).count() == 0


async def test_twelve_members_racing_for_a_stock_of_five_get_exactly_five(api: Api) -> None:
    staff, partner = await api.staff(), await api.partner()
    members = [await api.member() for _ in range(12)]
    for member in members:
        await give_points(api, partner, member, 100)
    benefit = await add_benefit(api, staff, pointsCost=100, stock=5)

    results = await asyncio.gather(*(redeem(api, m, benefit["id"], "race") for m in members))

    issued = [r for r in results if r["redemption"]]
    assert len(issued) == 5
    assert {e["code"] for r in results if not r["redemption"] for e in r["userErrors"]} == {"OUT_OF_STOCK"}
    row = await Benefit.get(slug=benefit["slug"])
    assert (row.issued, row.stock) == (5, 5)
    assert (await api.run("query($s: String!) { benefit(slug: $s) { remaining } }", {"s": row.slug}))["benefit"] == {
        "remaining": 0
    }
    balances = sorted(m.balance for m in await Member.filter(email__in=[c.email for c in members]))
    assert balances == [0] * 5 + [100] * 7


async def test_ten_concurrent_replays_of_one_key_make_one_redemption(api: Api) -> None:
    staff, member, partner = await api.staff(), await api.member(), await api.partner()
    await give_points(api, partner, member, 1000)
    benefit = await add_benefit(api, staff, pointsCost=100)

    results = await asyncio.gather(*(redeem(api, member, benefit["id"], "one-key") for _ in range(10)))

    assert all(r["userErrors"] == [] for r in results)
    assert len({r["redemption"]["id"] for r in results}) == 1
    assert sum(not r["replayed"] for r in results) == 1
    assert await Redemption.all().count() == 1
    assert (await _member_row(member)).balance == 900


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.asynccontextmanager
async def _servers(count: int) -> AsyncIterator[list[str]]:
    """Start ``count`` real ``patron serve`` processes on the test database; yields their base URLs."""
    ports = [_free_port() for _ in range(count)]
    processes = [
        await asyncio.create_subprocess_exec(
            str(Path(sys.executable).with_name("patron")), "serve", "--port", str(port),
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        )
        for port in ports
    ]
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        async with httpx.AsyncClient(timeout=2) as probe:
            for url in urls:
                for _ in range(300):
                    try:
                        await probe.post(f"{url}/graphql", json={"query": "{ __typename }"})
                        break
                    except httpx.TransportError:
                        await asyncio.sleep(0.1)
                else:
                    raise AssertionError(f"{url} did not start")
        yield urls
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            await process.wait()


async def test_forty_redemptions_spread_over_two_server_processes_issue_exactly_three(api: Api) -> None:
    staff, member, partner = await api.staff(), await api.member(), await api.partner()
    await give_points(api, partner, member, 350)
    benefit = await add_benefit(api, staff, pointsCost=100, stock=10)
    body = {"query": REDEEM, "variables": {"benefitId": benefit["id"], "quantity": 1}}

    async with _servers(2) as urls, httpx.AsyncClient(timeout=60, headers=member.headers) as client:
        responses = await asyncio.gather(
            *(
                client.post(f"{urls[i % 2]}/graphql", json={**body, "variables": {**body["variables"], "key": f"p{i}"}})
                for i in range(40)
            )
        )

    payloads = [r.json()["data"]["redeemBenefit"] for r in responses]
    assert sum(bool(p["redemption"]) for p in payloads) == 3
    assert {e["code"] for p in payloads for e in p["userErrors"]} == {"INSUFFICIENT_POINTS"}
    row = await _member_row(member)
    assert row.balance == 50 and await Redemption.filter(member_id=row.id).count() == 3
    assert (await Benefit.get(slug=benefit["slug"])).issued == 3


async def test_ids_keys_and_codes_no_database_can_take_are_user_errors(api: Api) -> None:
    staff, member = await api.staff(), await api.member()
    partner = await api.partner(["vouchers:write"])
    await add_benefit(api, staff)

    def global_id(raw: str) -> str:
        return base64.b64encode(raw.encode()).decode()

    huge_benefit = await redeem(api, member, global_id("Benefit:1099511627776"), "k-huge")
    huge_redemption = (await api.run(CANCEL, {"id": global_id("Redemption:99999999999999999999")}, member))
    bad_key = (await api.run_escaped(REDEEM, {"benefitId": global_id("Benefit:1"), "key": "k\ud800"}, member))
    nul_code = (await api.run_escaped(REDEEM_VOUCHER, {"code": "ABCD\x00"}, partner))["redeemVoucher"]
    bad_code = (await api.run_escaped(REDEEM_VOUCHER, {"code": "ABCD\ud800"}, partner))["redeemVoucher"]

    assert _codes(huge_benefit) == [("benefitId", "INVALID_INPUT")]
    assert _codes(huge_redemption["cancelRedemption"]) == [("redemptionId", "INVALID_INPUT")]
    assert _codes(bad_key["redeemBenefit"]) == [("idempotencyKey", "INVALID_INPUT")]
    assert _codes(nul_code) == _codes(bad_code) == [("code", "INVALID_INPUT")]
    assert await Redemption.all().count() == 0
    assert (await Benefit.get(slug__startswith="benefit-")).issued == 0

"""Every change partners may hear of publishes its event, in the change's transaction, and only then."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest
from tortoise.transactions import in_transaction

from server.core import clock
from server.models import LedgerEntry, LedgerKind, Member, OutboxMessage, Role, WebhookEvent
from server.points import ledger, lifecycle
from server.social import reviews
from tests.care.support import open_ticket, reply
from tests.catalog_support import add_benefit, redeem
from tests.points_support import ADJUST_POINTS
from tests.support import SIGN_UP, Api
from tests.webhooks.receiver import Receiver
from tests.webhooks.support import hooks_partner, row_id, send, subscribe

REFUND = """
mutation Refund($orderId: String!, $amount: Decimal) {
  refundPurchase(orderId: $orderId, amount: $amount) { userErrors { field code message } }
}
"""
CHECK_IN = "mutation { checkIn { userErrors { code } } }"
REFERRAL_CODE = "{ viewer { referral { code } } }"


def gid(type_name: str, row: int) -> str:
    return base64.b64encode(f"{type_name}:{row}".encode()).decode()


async def test_every_ledger_path_publishes_one_points_event_per_entry(api: Api, receiver: Receiver) -> None:
    # given a partner hearing of every points movement
    hooks = await hooks_partner(api)
    await subscribe(api, hooks, receiver.url, ["POINTS_EARNED", "POINTS_SPENT"])
    shop = await api.partner()
    staff = await api.staff()
    member = await api.member()
    benefit = await add_benefit(api, staff, pointsCost=100)

    # when points move by every path: purchase, check-in, adjustment both ways, redemption and its
    # cancellation, refund, and expiry of what is left a year and more later
    await api.purchase(shop, member.email or "", "300.00", order_id="ORD-1")
    assert (await api.run(CHECK_IN, caller=member))["checkIn"]["userErrors"] == []
    for delta, key in ((25, "a"), (-5, "b")):
        adjusted = await api.run(
            ADJUST_POINTS, {"memberId": member.member_id, "delta": delta, "reason": "goodwill", "key": key}, staff
        )
        assert adjusted["adjustPoints"]["userErrors"] == []
    redemption = (await redeem(api, member, benefit["id"], "r1"))["redemption"]
    from server.catalog.redemptions import cancel_redemption

    staff_row = await Member.get(role=Role.STAFF)
    await cancel_redemption(staff_row, int(base64.b64decode(redemption["id"]).decode().split(":")[1]))
    assert (await api.run(REFUND, {"orderId": "ORD-1", "amount": "100.00"}, shop))["refundPurchase"]["userErrors"] == []
    await lifecycle.expire_all(clock.now() + timedelta(days=800))
    await send()

    # then each ledger entry was published once, as earned or spent, with its kind and figures
    entries = await LedgerEntry.filter(member_id=row_id(member)).order_by("id")
    kinds = {entry.kind for entry in entries}
    assert {LedgerKind.PURCHASE, LedgerKind.CHECK_IN, LedgerKind.ADJUSTMENT, LedgerKind.REDEMPTION,
            LedgerKind.REDEMPTION_REFUND, LedgerKind.PURCHASE_REFUND, LedgerKind.EXPIRY} <= kinds
    by_entry = {d["payload"]["entryId"]: d for d in receiver.documents()}
    assert len(by_entry) == len(receiver.documents()) == len(entries)
    for entry in entries:
        document = by_entry[gid("LedgerEntry", entry.id)]
        assert document["type"] == ("POINTS_EARNED" if entry.delta > 0 else "POINTS_SPENT")
        assert document["payload"]["kind"] == entry.kind.value
        assert document["payload"]["points"] == abs(entry.delta)
        assert document["payload"]["balance"] == entry.balance_after
        assert document["payload"]["memberId"] == member.member_id


async def test_tier_redemption_review_referral_and_ticket_events(api: Api, receiver: Receiver) -> None:
    hooks = await hooks_partner(api)
    await subscribe(api, hooks, receiver.url, ["TIER_CHANGED", "REDEMPTION_ISSUED", "REFERRAL_REWARDED",
                                               "REVIEW_PUBLISHED", "TICKET_ANSWERED"])
    shop = await api.partner()
    staff = await api.staff()
    referrer = await api.member()
    code = (await api.run(REFERRAL_CODE, caller=referrer))["viewer"]["referral"]["code"]
    signed = (await api.run(SIGN_UP, {"input": {"email": "friend@example.com", "password": "long-enough-pw",
                                                 "displayName": "Friend", "referralCode": code}}))["signUp"]
    friend_id = signed["member"]["id"]

    # a first purchase big enough for gold rewards the referral and moves the tier
    await api.purchase(shop, "friend@example.com", "5000.00")
    benefit = await add_benefit(api, staff, pointsCost=100)
    friend = type(referrer)({"Authorization": f"Bearer {signed['token']}"}, "friend@example.com", friend_id)
    issued = (await redeem(api, friend, benefit["id"], "k1", quantity=2))["redemption"]
    review = await reviews.submit_review(
        await Member.get(email="friend@example.com"), reviews.ReviewDraft("SKU-1", 5, "Great", "Lovely tea.")
    )
    await reviews.moderate(await Member.get(role=Role.STAFF), review.id, True)
    ticket = await open_ticket(api, friend, subject="My private parcel question")
    assert (await reply(api, staff, ticket["id"]))["userErrors"] == []
    await send()

    by_type = {d["type"]: d["payload"] for d in receiver.documents()}
    assert set(by_type) == {"TIER_CHANGED", "REDEMPTION_ISSUED", "REFERRAL_REWARDED", "REVIEW_PUBLISHED",
                            "TICKET_ANSWERED"}
    assert by_type["TIER_CHANGED"] == {"memberId": friend_id, "fromTier": "silver", "toTier": "gold",
                                       "direction": "UP"}
    assert by_type["REDEMPTION_ISSUED"] == {"memberId": friend_id, "redemptionId": issued["id"],
                                           "benefitId": benefit["id"], "quantity": 2, "pointsSpent": 200}
    assert by_type["REFERRAL_REWARDED"]["memberId"] == referrer.member_id
    assert by_type["REFERRAL_REWARDED"]["refereeId"] == friend_id
    assert by_type["REVIEW_PUBLISHED"]["reviewId"] == gid("Review", review.id)
    assert by_type["REVIEW_PUBLISHED"]["rating"] == 5
    assert by_type["TICKET_ANSWERED"]["ticketId"] == ticket["id"]
    # what members wrote to staff and voucher codes never leave
    bodies = b"".join(r.body for r in receiver.received)
    assert b"private parcel" not in bodies and b"Thanks for writing" not in bodies
    assert issued["voucherCode"].encode() not in bodies


async def test_a_rolled_back_change_publishes_nothing(api: Api, receiver: Receiver) -> None:
    hooks = await hooks_partner(api)
    await subscribe(api, hooks, receiver.url, ["POINTS_EARNED", "POINTS_SPENT", "REDEMPTION_ISSUED"])
    staff = await api.staff()
    member = await api.member()
    member_row = await Member.get(email=member.email)

    # a credit whose transaction fails after the ledger wrote it
    with pytest.raises(RuntimeError):
        async with in_transaction():
            locked = await ledger.lock_member(member_row.id)
            await ledger.credit(locked, LedgerKind.BONUS, 500, "bonus")
            raise RuntimeError("the rest of the change failed")
    # a redemption refused for want of points
    benefit = await add_benefit(api, staff, pointsCost=100)
    assert (await redeem(api, member, benefit["id"], "k"))["userErrors"][0]["code"] == "INSUFFICIENT_POINTS"

    assert await WebhookEvent.all().count() == 0
    assert await OutboxMessage.filter(channel="webhook").count() == 0
    assert (await send()).sent == 0 and receiver.received == []
    # while a committed change does publish
    async with in_transaction():
        locked = await ledger.lock_member(member_row.id)
        await ledger.credit(locked, LedgerKind.BONUS, 500, "bonus")
    await send()
    assert [d["payload"]["points"] for d in receiver.documents()] == [500]


async def test_the_email_goes_only_to_partners_with_members_read_and_no_secret_ever(
    api: Api, receiver: Receiver
) -> None:
    plain = await hooks_partner(api)
    reader = await hooks_partner(api, "members:read")
    plain_secret = (await subscribe(api, plain, receiver.url + "?who=plain", ["POINTS_EARNED"]))[1]
    reader_secret = (await subscribe(api, reader, receiver.url + "?who=reader", ["POINTS_EARNED"]))[1]
    member = await api.member(email="private.person@example.com")
    await api.purchase(await api.partner(), "private.person@example.com", "20.00")
    await send()

    by_who = {r.path.split("who=")[1]: r for r in receiver.received}
    assert set(by_who) == {"plain", "reader"}
    assert "email" not in by_who["plain"].document["payload"]
    assert b"private.person" not in by_who["plain"].body
    assert by_who["reader"].document["payload"]["email"] == "private.person@example.com"
    assert by_who["plain"].document["eventId"] == by_who["reader"].document["eventId"]
    assert by_who["plain"].signed_by(plain_secret) and by_who["reader"].signed_by(reader_secret)
    for request in receiver.received:
        text = json.dumps(request.document) + json.dumps(request.headers)
        assert plain_secret not in text and reader_secret not in text
        assert set(request.document["payload"]) <= {"memberId", "email", "entryId", "kind", "points", "balance",
                                                    "reference"}
    assert member.member_id == by_who["plain"].document["payload"]["memberId"]


async def test_events_nobody_subscribes_to_are_not_stored(api: Api, receiver: Receiver) -> None:
    member = await api.member()
    shop = await api.partner()
    await api.purchase(shop, member.email or "", "20.00")
    assert await WebhookEvent.all().count() == 0
    hooks = await hooks_partner(api)
    await subscribe(api, hooks, receiver.url, ["POINTS_SPENT"])
    await api.purchase(shop, member.email or "", "20.00")
    assert await WebhookEvent.all().count() == 0  # an earning, and the endpoint hears only of spending
    await send()
    assert receiver.received == []


async def test_a_staff_tier_override_tells_partners_of_the_tier_change(api: Api, receiver: Receiver) -> None:
    from tests.console.test_staff_actions import OVERRIDE

    hooks = await hooks_partner(api)
    await subscribe(api, hooks, receiver.url, ["TIER_CHANGED"])
    staff = await api.staff()
    member = await api.member()
    until = (clock.now() + timedelta(days=60)).date().isoformat()

    overridden = await api.run(
        OVERRIDE, {"memberId": member.member_id, "tier": "diamond", "reason": "VIP guest", "until": until}, staff
    )
    assert overridden["overrideTier"]["userErrors"] == []
    await send()

    assert [(d["type"], d["payload"]) for d in receiver.documents()] == [
        ("TIER_CHANGED", {"memberId": member.member_id, "fromTier": "silver", "toTier": "diamond", "direction": "UP"})
    ]

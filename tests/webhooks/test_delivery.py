"""Signed deliveries to a real local receiver: signature, retries with the clock moved, 4xx, disabling."""

from __future__ import annotations

from datetime import datetime, timedelta

from server.core import clock
from server.models import Notification, OutboxMessage, OutboxStatus, WebhookEndpoint
from server.webhooks import sending
from tests.support import Api
from tests.webhooks.receiver import Receiver
from tests.webhooks.support import endpoints, hooks_partner, row_id, send, subscribe


async def test_a_purchase_is_posted_signed_with_the_endpoint_secret(api: Api, receiver: Receiver) -> None:
    # given a partner subscribed to points events, and a member
    hooks = await hooks_partner(api)
    _, secret = await subscribe(api, hooks, receiver.url, ["POINTS_EARNED"])
    member = await api.member()
    shop = await api.partner()

    # when the member buys, and the sender runs
    await api.purchase(shop, member.email or "", "100.00")
    report = await send()

    # then one POST arrived, signed as the README says, checked here with hmac alone
    assert report.sent == 1
    [request] = receiver.received
    assert request.signed_by(secret)
    assert not request.signed_by(secret + "x")
    assert request.headers["content-type"] == "application/json"
    assert abs(int(request.headers["x-patron-timestamp"]) - clock.now().timestamp()) < 60
    document = request.document
    assert set(document) == {"eventId", "type", "time", "payload"}
    assert document["type"] == "POINTS_EARNED"
    assert document["eventId"].startswith("evt_")
    assert document["payload"]["memberId"] == member.member_id
    assert document["payload"]["kind"] == "PURCHASE"
    assert document["payload"]["points"] > 0
    assert document["payload"]["balance"] == document["payload"]["points"]
    # and the delivery log says so
    [endpoint] = await endpoints(api, hooks)
    [delivery] = [edge["node"] for edge in endpoint["deliveries"]["edges"]]
    assert delivery["eventId"] == document["eventId"]
    assert delivery["attempts"] == 1 and delivery["lastStatus"] == 200
    assert delivery["deliveredAt"] is not None and delivery["nextAttemptAt"] is None


async def test_a_flaky_receiver_gets_the_same_event_again_after_the_back_off(api: Api, receiver: Receiver) -> None:
    hooks = await hooks_partner(api)
    await subscribe(api, hooks, receiver.url, ["POINTS_EARNED"])
    member = await api.member()
    await api.purchase(await api.partner(), member.email or "", "50.00")
    receiver.statuses = [503]

    # the first attempt meets a 503: retried within the hour, not at once
    assert (await send()).retried == 1
    [endpoint] = await endpoints(api, hooks)
    delivery = endpoint["deliveries"]["edges"][0]["node"]
    assert delivery["attempts"] == 1 and delivery["lastStatus"] == 503 and delivery["deliveredAt"] is None
    wait = datetime.fromisoformat(delivery["nextAttemptAt"]) - clock.now()
    assert timedelta(seconds=30) < wait < timedelta(hours=1), wait
    assert (await send()).sent == 0 and len(receiver.received) == 1

    # when the clock passes the back-off, the same event goes again and is accepted
    with clock.travel(clock.now() + timedelta(minutes=2)):
        assert (await send()).sent == 1
    first, second = receiver.documents()
    assert first == second  # same eventId, same body: the receiver drops the copy
    assert receiver.answered == [503, 200]
    [endpoint] = await endpoints(api, hooks)
    delivery = endpoint["deliveries"]["edges"][0]["node"]
    assert delivery["attempts"] == 2 and delivery["lastStatus"] == 200 and delivery["nextAttemptAt"] is None
    assert endpoint["active"] is True
    assert (await WebhookEndpoint.get()).failure_count == 0  # a success forgives earlier failures


async def test_408_429_and_network_errors_are_retried_other_4xx_stop(api: Api, receiver: Receiver) -> None:
    hooks = await hooks_partner(api)
    await subscribe(api, hooks, receiver.url, ["POINTS_EARNED"])
    shop = await api.partner()
    member = await api.member()

    for status, retried in ((408, True), (429, True), (500, True), (400, False), (404, False), (410, False)):
        await OutboxMessage.all().delete()
        receiver.statuses = [status]
        await api.purchase(shop, member.email or "", "10.00")
        report = await send()
        assert (report.retried, report.failed) == ((1, 0) if retried else (0, 1)), status
        with clock.travel(clock.now() + timedelta(days=2)):
            await send()
        message = await OutboxMessage.get(channel="webhook")
        assert message.status is (OutboxStatus.SENT if retried else OutboxStatus.FAILED), status
        assert message.attempts == (2 if retried else 1), status
        await WebhookEndpoint.all().update(failure_count=0, failing_since=None)

    # a receiver that is not listening at all: a network error, retried, no status
    receiver.stop()
    await OutboxMessage.all().delete()
    await api.purchase(shop, member.email or "", "10.00")
    assert (await send()).retried == 1
    [endpoint] = await endpoints(api, hooks)
    delivery = endpoint["deliveries"]["edges"][0]["node"]
    assert delivery["lastStatus"] is None and delivery["attempts"] == 1 and delivery["nextAttemptAt"]


def test_the_back_off_grows_with_jitter_first_retry_within_an_hour_for_about_a_day() -> None:
    waits = [sending.backoff(n) for n in range(1, sending.ATTEMPTS + 1)]
    assert waits[-1] is None and all(w is not None for w in waits[:-1])
    spans = [w for w in waits if w is not None]
    assert len(spans) + 1 >= 8  # attempts in all
    assert spans[0] < timedelta(hours=1)
    assert all(a < b for a, b in zip(spans[:6], spans[1:6], strict=False))  # exponential at first
    assert timedelta(hours=18) < sum(spans, timedelta(0)) < timedelta(hours=30)
    assert len({sending.backoff(3) for _ in range(20)}) > 1  # jitter


async def test_an_endpoint_failing_for_a_day_is_disabled_staff_told_and_resubscribing_re_enables_it(
    api: Api, receiver: Receiver
) -> None:
    staff = await api.staff()
    hooks = await hooks_partner(api)
    endpoint_id, secret = await subscribe(api, hooks, receiver.url, ["POINTS_EARNED"])
    member = await api.member()
    shop = await api.partner()
    receiver.default_status = 500
    await api.purchase(shop, member.email or "", "10.00")

    # every attempt fails: the delivery is retried on its schedule for about a day
    start = clock.now()
    for hour in range(0, 36):
        with clock.travel(start + timedelta(hours=hour, minutes=1)):
            await send()
    assert 8 <= len(receiver.received) <= sending.ATTEMPTS
    assert len({d["eventId"] for d in receiver.documents()}) == 1

    # then the endpoint is disabled (still listed), and staff were told once
    [listed] = await endpoints(api, hooks)
    assert listed["id"] == endpoint_id and listed["active"] is False
    notices = await Notification.filter(kind="WEBHOOK_DISABLED")
    assert [n.member_id for n in notices] == [row_id(staff)]
    assert notices[0].params["url"] == receiver.url

    # a disabled endpoint is sent nothing
    received = len(receiver.received)
    receiver.default_status = 200
    await api.purchase(shop, member.email or "", "10.00")
    await send()
    assert len(receiver.received) == received

    # subscribing the URL again re-enables the same endpoint, with the same secret
    again_id, again_secret = await subscribe(api, hooks, receiver.url, ["POINTS_EARNED"])
    assert (again_id, again_secret) == (endpoint_id, secret)
    [listed] = await endpoints(api, hooks)
    assert listed["active"] is True
    await api.purchase(shop, member.email or "", "10.00")
    assert (await send()).sent == 1
    assert receiver.received[-1].signed_by(secret)


async def test_a_burst_of_failures_within_minutes_does_not_disable_an_endpoint(api: Api, receiver: Receiver) -> None:
    hooks = await hooks_partner(api)
    await subscribe(api, hooks, receiver.url, ["POINTS_EARNED"])
    member = await api.member()
    shop = await api.partner()
    receiver.statuses = [503] * 15
    for _ in range(15):
        await api.purchase(shop, member.email or "", "1.00")
    assert (await send()).retried == 15
    assert (await WebhookEndpoint.get()).active is True
    with clock.travel(clock.now() + timedelta(minutes=5)):
        assert (await send()).sent == 15
    assert (await WebhookEndpoint.get()).failure_count == 0

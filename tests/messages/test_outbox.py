"""The outbox: messages commit with their change, are delivered once each, retried, and given up visibly."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from tortoise.transactions import in_transaction

from server.core import clock
from server.messages import outbox
from server.messages.outbox import Channel, Outcome
from server.models import OutboxMessage, OutboxStatus
from tests.points_support import new_member

DELIVERED: list[int] = []
PLAN: dict[int, list[Outcome]] = {}  # payload "n" -> outcomes of successive attempts
FAILURES: list[tuple[int, str]] = []


async def _deliver(message: OutboxMessage) -> Outcome:
    await asyncio.sleep(0.01)  # a real send takes time: concurrent senders overlap here
    planned = PLAN.get(message.payload["n"])
    outcome = planned.pop(0) if planned else Outcome.sent(250)
    if outcome.kind == "sent":
        DELIVERED.append(message.payload["n"])
    return outcome


async def _after_failure(message: OutboxMessage, outcome: Outcome) -> None:
    FAILURES.append((message.payload["n"], outcome.kind))


@pytest.fixture(autouse=True)
def test_channel():
    DELIVERED.clear()
    PLAN.clear()
    FAILURES.clear()
    outbox.register_channel(
        Channel("test", _deliver, lambda attempts: timedelta(seconds=30 * attempts) if attempts < 3 else None,
                _after_failure)
    )
    yield
    outbox._CHANNELS.pop("test", None)


async def test_a_message_queued_in_a_rolled_back_change_is_never_sent() -> None:
    with pytest.raises(RuntimeError):
        async with in_transaction():
            await outbox.enqueue("test", {"n": 1})
            raise RuntimeError("the change failed")
    async with in_transaction():
        await outbox.enqueue("test", {"n": 2})

    report = await outbox.deliver_due("test")
    assert DELIVERED == [2] and report.sent == 1


async def test_a_dedupe_key_queues_a_message_once_even_when_enqueued_concurrently() -> None:
    member = await new_member()

    async def queue() -> OutboxMessage | None:
        async with in_transaction():
            return await outbox.enqueue("test", {"n": 7}, dedupe_key="greeting:2026", member_id=member.id)

    results = await asyncio.gather(*(queue() for _ in range(8)))
    assert await OutboxMessage.filter(channel="test").count() == 1
    assert all(r is None or r.dedupe_key == "greeting:2026" for r in results)
    await outbox.deliver_due("test")
    await outbox.deliver_due("test")
    assert DELIVERED == [7]


async def test_concurrent_senders_deliver_each_message_exactly_once() -> None:
    for n in range(60):
        await outbox.enqueue("test", {"n": n})

    reports = await asyncio.gather(*(outbox.deliver_due("test") for _ in range(4)))

    assert sorted(DELIVERED) == list(range(60))
    assert sum(r.sent for r in reports) == 60
    assert await OutboxMessage.filter(status=OutboxStatus.SENT).count() == 60


async def test_temporary_failures_back_off_then_give_up_into_a_visible_state() -> None:
    PLAN[1] = [Outcome.retry("connection refused"), Outcome.retry("421 try later", 421), Outcome.retry("again")]
    await outbox.enqueue("test", {"n": 1})

    first = await outbox.deliver_due("test")
    row = await OutboxMessage.first()
    assert first.retried == 1 and row.attempts == 1 and row.status is OutboxStatus.PENDING
    assert row.last_error == "connection refused"
    # Not due again until the back-off has passed
    assert (await outbox.deliver_due("test")).retried == 0
    with clock.travel(clock.now() + timedelta(seconds=31)):
        assert (await outbox.deliver_due("test")).retried == 1
    with clock.travel(clock.now() + timedelta(seconds=95)):
        assert (await outbox.deliver_due("test")).failed == 1

    row = await OutboxMessage.first()
    assert row.status is OutboxStatus.FAILED and row.attempts == 3 and row.last_status is None
    assert DELIVERED == [] and FAILURES == [(1, "retry")] * 3


async def test_a_permanent_refusal_is_not_retried() -> None:
    PLAN[5] = [Outcome.give_up("550 no such user", 550)]
    await outbox.enqueue("test", {"n": 5})
    assert (await outbox.deliver_due("test")).failed == 1
    with clock.travel(clock.now() + timedelta(days=2)):
        assert (await outbox.deliver_due("test")).failed == 0
    row = await OutboxMessage.first()
    assert row.status is OutboxStatus.FAILED and row.last_status == 550 and FAILURES == [(5, "give_up")]


async def test_a_message_can_wait_for_a_later_time() -> None:
    await outbox.enqueue("test", {"n": 3}, not_before=clock.now() + timedelta(hours=2))
    assert (await outbox.deliver_due("test")).sent == 0
    with clock.travel(clock.now() + timedelta(hours=2, seconds=1)):
        assert (await outbox.deliver_due("test")).sent == 1


async def test_pending_messages_of_an_erased_member_are_cancelled_and_counted_out_of_the_backlog() -> None:
    member = await new_member()
    await outbox.enqueue("test", {"n": 1}, member_id=member.id)
    await outbox.enqueue("test", {"n": 2})
    assert await outbox.backlog() == {"test": 2}
    assert await outbox.cancel_for_member(member.id) == 1
    await outbox.deliver_due("test")
    assert DELIVERED == [2] and await outbox.backlog() == {}


async def test_the_servers_sender_loop_sends_a_queued_message_within_seconds() -> None:
    stop = asyncio.Event()
    sender = asyncio.create_task(outbox.send_forever(stop, interval=0.5))
    try:
        await asyncio.sleep(0.1)
        async with in_transaction():
            await outbox.enqueue("test", {"n": 42})
        outbox.wake()
        for _ in range(100):
            if DELIVERED:
                break
            await asyncio.sleep(0.05)
    finally:
        stop.set()
        await asyncio.wait_for(sender, 5)
    assert DELIVERED == [42]

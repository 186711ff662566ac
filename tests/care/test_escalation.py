"""Breach and escalation across time: 75% of the window escalates (once, even when caught up late), the due
time breaches, a late answer stays a breach, and the queue puts escalated tickets first, then by due time."""

from __future__ import annotations

from datetime import timedelta

from server.core import clock
from server.models import Member, Notification, Role, TicketWait
from tests.care.support import member_of_tier, open_ticket, queue, reply, resolve, run, utc
from tests.support import Api

OPENED = utc(2026, 2, 27, 10)  # a gold ticket due 24 h later crosses 28 February; a silver one, 1 March


async def escalation_notices() -> list[Notification]:
    staff_ids = await Member.filter(role=Role.STAFF).values_list("id", flat=True)
    return await Notification.filter(member_id__in=staff_ids, kind="TICKET_ESCALATED").order_by("id")


async def test_a_ticket_escalates_at_75_percent_and_breaches_at_its_due_time(api: Api) -> None:
    partner = await api.partner()
    gold = await member_of_tier(api, partner, "gold")
    staff, other_staff = await api.staff(), await api.staff()
    with clock.travel(OPENED):
        ticket = await open_ticket(api, gold, "Lost voucher")

    with clock.travel(OPENED + timedelta(hours=17, minutes=59)):  # 74.9% of 24 hours
        await run("care-escalations")
        listed = (await queue(api, staff))["edges"][0]["node"]
    assert listed["escalated"] is False and await escalation_notices() == []

    with clock.travel(OPENED + timedelta(hours=18, minutes=1)):
        assert await run("care-escalations") == "Escalated 1 ticket(s)."
        await run("care-escalations")  # a second run changes nothing and tells no one again
        listed = (await queue(api, staff))["edges"][0]["node"]
    assert listed["escalated"] is True and listed["breached"] is False
    notices = await escalation_notices()
    assert len(notices) == 2  # one per staff member, analysts and members left out
    assert notices[0].params["subject"] == "Lost voucher" and notices[0].params["tier_name"] == "Gold"
    assert notices[0].params["due"] == "2026-02-28 10:00"

    with clock.travel(OPENED + timedelta(hours=24, seconds=1)):
        overdue = (await queue(api, staff, breached=True))["edges"]
        assert [e["node"]["id"] for e in overdue] == [ticket["id"]]
        late = (await reply(api, other_staff, ticket["id"], "So sorry."))["ticket"]
    assert late["breached"] is True and late["escalated"] is False
    with clock.travel(OPENED + timedelta(days=30)):
        assert (await queue(api, staff, breached=True))["totalCount"] == 1
        assert (await queue(api, staff, escalated=True))["totalCount"] == 0


async def test_a_run_after_downtime_escalates_what_it_missed_and_an_answer_in_time_never_escalates(api: Api) -> None:
    silver_a, silver_b, staff = await api.member(), await api.member(), await api.staff()
    with clock.travel(OPENED):
        await open_ticket(api, silver_a, "Waiting")
        answered = await open_ticket(api, silver_b, "Answered")
    with clock.travel(OPENED + timedelta(hours=35)):  # < 36 h = 75% of 48
        await reply(api, staff, answered["id"], "Done.")

    # No scheduler ran until well after the due time: the waiting one is escalated now, once
    with clock.travel(OPENED + timedelta(days=3)):
        assert await run("care-escalations") == "Escalated 1 ticket(s)."
        edges = (await queue(api, staff))["edges"]
    assert [(e["node"]["subject"], e["node"]["escalated"], e["node"]["breached"]) for e in edges] == [
        ("Waiting", True, True),
        ("Answered", False, False),
    ]
    assert len(await escalation_notices()) == 1


async def test_a_follow_up_wait_escalates_too_but_never_marks_the_ticket_breached(api: Api) -> None:
    member, staff = await api.member(), await api.staff()
    with clock.travel(OPENED):
        ticket = await open_ticket(api, member)
        await reply(api, staff, ticket["id"], "Here you go.")
    back = OPENED + timedelta(hours=2)
    with clock.travel(back):
        await reply(api, member, ticket["id"], "That did not help.")
    with clock.travel(back + timedelta(hours=60)):  # past the follow-up's 48 hours
        await run("care-escalations")
        node = (await queue(api, staff))["edges"][0]["node"]
    assert node["escalated"] is True and node["breached"] is False
    waits = await TicketWait.all().order_by("id")
    assert [(w.is_first, w.answered, w.late, w.escalated_at is not None) for w in waits] == [
        (True, True, False, False),
        (False, False, False, True),
    ]


async def test_the_queue_puts_escalated_first_then_waiting_by_due_time_then_answered_then_closed(api: Api) -> None:
    partner = await api.partner()
    staff = await api.staff()
    silver, gold, diamond = (
        await api.member(),
        await member_of_tier(api, partner, "gold"),
        await member_of_tier(api, partner, "diamond"),
    )
    with clock.travel(OPENED):
        old_silver = await open_ticket(api, silver, "silver, due in 48 h")
        done = await open_ticket(api, silver, "resolved")
    with clock.travel(OPENED + timedelta(hours=1)):
        answered = await open_ticket(api, gold, "gold, answered")
        await reply(api, staff, answered["id"], "Answer")
        await resolve(api, staff, done["id"])
    with clock.travel(OPENED + timedelta(hours=20)):
        newer_gold = await open_ticket(api, gold, "gold, due in 24 h")
        newest_diamond = await open_ticket(api, diamond, "diamond, due in 24 h")
    with clock.travel(OPENED + timedelta(hours=37)):  # 77% of the silver window; the gold ones are at 71%
        await run("care-escalations")
        page_one = await queue(api, staff, first=3)
        page_two = await queue(api, staff, first=3, after=page_one["pageInfo"]["endCursor"])
        waiting = await queue(api, staff, status="OPEN")
        by_tier = await queue(api, staff, tier="gold")

    order = [e["node"]["subject"] for e in page_one["edges"] + page_two["edges"]]
    assert order == [
        old_silver["subject"],  # escalated, although due later than the gold ones
        newer_gold["subject"],
        newest_diamond["subject"],
        answered["subject"],
        done["subject"],
    ]
    assert page_one["pageInfo"]["hasNextPage"] is True and page_two["pageInfo"]["hasNextPage"] is False
    assert waiting["totalCount"] == 3
    assert {e["node"]["subject"] for e in by_tier["edges"]} == {answered["subject"], newer_gold["subject"]}


async def test_a_silver_target_counts_29_february_as_a_day_and_a_gold_one_crosses_midnight(api: Api) -> None:
    partner = await api.partner()
    opened = utc(2028, 2, 28, 12)
    with clock.travel(opened):  # bearer tokens live 30 days: sign up near the dates
        silver, gold, staff = await api.member(), await member_of_tier(api, partner, "gold"), await api.staff()
        slow = await open_ticket(api, silver, "Leap year")
        fast = await open_ticket(api, gold, "Overnight")

    assert slow["firstResponseDueAt"].startswith("2028-03-01T12:00")
    assert fast["firstResponseDueAt"].startswith("2028-02-29T12:00")
    with clock.travel(utc(2028, 2, 29, 11, 59)):
        on_time = (await reply(api, staff, fast["id"], "Answered."))["ticket"]
    with clock.travel(utc(2028, 3, 1, 12, 1)):
        late = (await queue(api, staff))["edges"][0]["node"]
    assert on_time["breached"] is False and late["subject"] == "Leap year" and late["breached"] is True

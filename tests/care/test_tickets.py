"""Tickets: targets by tier, the conversation's statuses, closed tickets, who may touch what, and what staff
answers set off (a notification, the TICKET_ANSWERED event, the audit trail)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest

from server import audit
from server.core import clock
from server.messages import events
from server.models import Notification, Ticket
from tests.care.support import (
    MY_TICKETS,
    OPEN_TICKET,
    analyst,
    member_of_tier,
    open_ticket,
    parse,
    queue,
    reply,
    resolve,
    utc,
)
from tests.points_support import programme
from tests.support import Api

NODE = "query Node($id: ID!) { node(id: $id) { id ... on Ticket { subject } } }"
TIERS = "{ tiers { code firstResponseHours } program { surveyDelayDays } }"


def hours_given(ticket: dict) -> float:
    return (parse(ticket["firstResponseDueAt"]) - parse(ticket["createdAt"])) / timedelta(hours=1)


@pytest.mark.parametrize(("tier", "hours"), [("silver", 48), ("gold", 24), ("diamond", 24)])
async def test_the_first_response_is_due_within_the_target_of_the_members_tier(api: Api, tier: str, hours: int) -> None:
    member = await member_of_tier(api, await api.partner(), tier)

    ticket = await open_ticket(api, member)

    assert ticket["targetHours"] == hours and hours_given(ticket) == hours
    assert ticket["tier"]["code"] == tier and ticket["status"] == "OPEN"
    assert ticket["responseDueAt"] == ticket["firstResponseDueAt"]
    assert ticket["breached"] is False and ticket["firstRespondedAt"] is None


async def test_the_programme_sets_the_targets_and_the_api_shows_them(api: Api, tmp_path: Path) -> None:
    rules = 'first_response_hours = 36\nfirst_response_hours_by_tier = { gold = 12 }\nsurvey_delay_days = 5\n'
    with programme(rules, tmp_path):
        partner = await api.partner()
        silver, gold = await api.member(), await member_of_tier(api, partner, "gold")
        diamond = await member_of_tier(api, partner, "diamond")

        assert [hours_given(await open_ticket(api, m)) for m in (silver, gold, diamond)] == [36, 12, 36]
        shown = await api.run(TIERS)
        assert {t["code"]: t["firstResponseHours"] for t in shown["tiers"]} == {"silver": 36, "gold": 12, "diamond": 36}
        assert shown["program"]["surveyDelayDays"] == 5


async def test_a_ticket_about_an_order_is_matched_among_the_members_own_purchases(api: Api) -> None:
    partner = await api.partner()
    member, other = await api.member(), await api.member()
    await api.purchase(partner, member.email, "88.00", order_id="ORD-MINE")
    await api.purchase(partner, other.email, "99.00", order_id="ORD-THEIRS")

    mine = await open_ticket(api, member, "Broken mug", category="AFTER_SALES", orderId=" ORD-MINE ")
    assert mine["order"] == {"orderId": "ORD-MINE", "amount": "88.00"}

    for order_id in ("ORD-THEIRS", "ORD-NEVER"):
        ticket = {"category": "AFTER_SALES", "subject": "x", "body": "y", "orderId": order_id}
        data = await api.run(OPEN_TICKET, {"input": ticket}, member)
        assert data["openTicket"]["ticket"] is None
        assert data["openTicket"]["userErrors"] == [
            {"field": "orderId", "code": "NOT_FOUND", "message": "None of your orders has this id."}
        ]
    assert await Ticket.all().count() == 1


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"subject": "   "}, "subject"),
        ({"subject": "two\nlines"}, "subject"),
        ({"subject": "x" * 121}, "subject"),
        ({"body": ""}, "body"),
        ({"body": "x" * 5001}, "body"),
        ({"body": "bell\x07"}, "body"),
        ({"orderId": "has space"}, "orderId"),
    ],
)
async def test_bad_input_is_refused_naming_the_field(api: Api, fields: dict, field: str) -> None:
    member = await api.member()
    ticket = {"category": "QUESTION", "subject": "Hello", "body": "Hi", **fields}

    data = await api.run(OPEN_TICKET, {"input": ticket}, member)

    assert data["openTicket"]["ticket"] is None
    assert [(e["field"], e["code"]) for e in data["openTicket"]["userErrors"]] == [(field, "INVALID_INPUT")]
    assert await Ticket.all().count() == 0


async def test_refusals_speak_chinese_to_a_chinese_member_in_care_words(api: Api) -> None:
    member = await api.member(locale="zh-CN")
    for subject, said in (("x" * 121, "最多可输入 120 个字符。"), ("", "此项为必填。")):
        data = await api.run(OPEN_TICKET, {"input": {"category": "QUESTION", "subject": subject, "body": "?"}}, member)
        assert data["openTicket"]["userErrors"][0]["message"] == said  # not the review form's wording


async def test_a_double_submit_opens_one_ticket_and_ten_a_day_is_the_limit(api: Api) -> None:
    member = await api.member()
    variables = {"input": {"category": "QUESTION", "subject": "Same", "body": "Same words"}}

    results = await asyncio.gather(*(api.run(OPEN_TICKET, variables, member) for _ in range(4)))

    assert len({r["openTicket"]["ticket"]["id"] for r in results}) == 1
    for n in range(9):
        await open_ticket(api, member, f"Question {n}")
    refused = await api.run(OPEN_TICKET, {"input": {"category": "QUESTION", "subject": "11th", "body": "?"}}, member)
    assert refused["openTicket"]["userErrors"][0]["code"] == "LIMIT_REACHED"
    with clock.travel(clock.now() + timedelta(days=1, minutes=1)):
        assert (await open_ticket(api, member, "Next day"))["status"] == "OPEN"


async def test_a_conversation_moves_through_the_statuses_and_a_reopen_counts_only_for_reports(api: Api) -> None:
    member, staff = await api.member(), await api.staff()
    opened_at = utc(2026, 3, 2, 9)
    with clock.travel(opened_at):
        ticket = await open_ticket(api, member)
    tid = ticket["id"]

    # Staff answer after 50 hours: late for a silver member's 48-hour target
    with clock.travel(opened_at + timedelta(hours=50)):
        answered = (await reply(api, staff, tid, "Sorry for the wait: it ships today."))["ticket"]
    assert answered["status"] == "ANSWERED" and answered["breached"] is True
    assert answered["responseDueAt"] is None
    assert parse(answered["firstRespondedAt"]) - opened_at >= timedelta(hours=50)
    assert [m["fromStaff"] for m in answered["messages"]] == [False, True]
    assert answered["messages"][1]["author"] == "Staff Person"

    # The member writes back: OPEN again, with a fresh target counted from now
    back_at = opened_at + timedelta(days=4)
    with clock.travel(back_at):
        reopened = (await reply(api, member, tid, "It did not arrive."))["ticket"]
    assert reopened["status"] == "OPEN"
    assert parse(reopened["responseDueAt"]) - back_at >= timedelta(hours=48)
    assert reopened["firstResponseDueAt"] == ticket["firstResponseDueAt"]

    # A member message to an OPEN ticket keeps it OPEN with the same due time
    with clock.travel(back_at + timedelta(hours=1)):
        again = (await reply(api, member, tid, "Any news?"))["ticket"]
    assert again["status"] == "OPEN" and again["responseDueAt"] == reopened["responseDueAt"]

    # A quick follow-up answer does not clear the breach of the first response
    with clock.travel(back_at + timedelta(hours=2)):
        second = (await reply(api, staff, tid, "Resent by express."))["ticket"]
        resolved = (await resolve(api, staff, tid))["ticket"]
        repeated = await resolve(api, staff, tid)
    assert second["status"] == "ANSWERED" and second["breached"] is True
    assert resolved["status"] == "RESOLVED" and repeated["userErrors"] == []
    assert len(resolved["messages"]) == 5

    for caller in (member, staff):
        refused = await reply(api, caller, tid, "One more thing")
        assert refused["userErrors"][0]["code"] == "TICKET_CLOSED" and refused["ticket"] is None
    assert (await resolve(api, member, tid))["userErrors"][0]["code"] == "TICKET_CLOSED"


async def test_a_member_closes_their_own_ticket_and_staff_cannot_resolve_it_afterwards(api: Api) -> None:
    member, staff = await api.member(), await api.staff()
    ticket = await open_ticket(api, member)

    closed = await resolve(api, member, ticket["id"])

    assert closed["ticket"]["status"] == "CLOSED" and closed["ticket"]["breached"] is False
    assert (await resolve(api, member, ticket["id"]))["userErrors"] == []
    assert (await resolve(api, staff, ticket["id"]))["userErrors"][0]["code"] == "TICKET_CLOSED"
    assert (await queue(api, staff, status="CLOSED"))["totalCount"] == 1


async def test_someone_elses_ticket_answers_exactly_like_a_missing_one(api: Api) -> None:
    owner, stranger = await api.member(), await api.member()
    ticket = await open_ticket(api, owner)
    missing = "VGlja2V0Ojk5OTk5"  # Ticket:99999

    for action in (reply, resolve):
        theirs = await action(api, stranger, ticket["id"])
        nothing = await action(api, stranger, missing)
        assert theirs == nothing
        assert theirs["userErrors"] == [{"field": "ticketId", "code": "NOT_FOUND", "message": "No such ticket."}]
    assert (await api.run(NODE, {"id": ticket["id"]}, stranger))["node"] is None
    assert (await api.run(NODE, {"id": ticket["id"]}, owner))["node"]["subject"] == ticket["subject"]
    assert (await api.run(MY_TICKETS, caller=stranger))["viewer"]["tickets"]["totalCount"] == 0
    assert (await api.run(MY_TICKETS, caller=owner))["viewer"]["tickets"]["totalCount"] == 1
    assert (await queue(api, stranger))["totalCount"] == 0  # members see no queue
    assert (await Ticket.get()).status.value == "OPEN"


async def test_analysts_read_the_queue_and_tickets_but_cannot_answer_or_resolve(api: Api) -> None:
    member, reader = await api.member(), await analyst(api)
    ticket = await open_ticket(api, member)

    assert (await queue(api, reader))["edges"][0]["node"]["member"]["email"] == member.email
    assert (await api.run(NODE, {"id": ticket["id"]}, reader))["node"]["subject"] == ticket["subject"]
    for action in (reply, resolve):
        refused = await action(api, reader, ticket["id"])
        assert refused["userErrors"] == [
            {"field": None, "code": "FORBIDDEN", "message": "Analysts have read-only access."}
        ]
    assert (await Ticket.get()).status.value == "OPEN"


async def test_each_staff_answer_notifies_the_member_publishes_ticket_answered_and_is_audited(api: Api) -> None:
    published: list[tuple[str, int | None, dict]] = []

    async def record(event: str, member_id: int | None, payload: dict) -> None:
        published.append((event, member_id, payload))

    events.subscribe(record)
    try:
        member, staff = await api.member(), await api.staff()
        ticket = await open_ticket(api, member, "Points missing")
        await reply(api, staff, ticket["id"], "Looking into it.")
        await reply(api, member, ticket["id"], "Thanks")
        await reply(api, staff, ticket["id"], "Credited.")
        await resolve(api, staff, ticket["id"])
    finally:
        events._SUBSCRIBERS.remove(record)

    member_id = (await Ticket.get()).member_id
    notices = await Notification.filter(member_id=member_id, kind="TICKET_ANSWERED").order_by("id")
    assert len(notices) == 2 and notices[0].params["subject"] == "Points missing"
    assert [(e, m, p["first_response"]) for e, m, p in published] == [
        ("TICKET_ANSWERED", member_id, True),
        ("TICKET_ANSWERED", member_id, False),
    ]
    trail = await audit.entries(audit.AuditFilter(member_id=member_id))
    assert [(e.action, e.before, e.after.get("status")) for e in reversed(trail)] == [
        ("ticket.reply", {"status": "OPEN"}, "ANSWERED"),
        ("ticket.reply", {"status": "OPEN"}, "ANSWERED"),
        ("ticket.resolve", {"status": "ANSWERED"}, "RESOLVED"),
    ]
    assert {e.actor_email for e in trail} == {staff.email}


async def test_a_tier_filter_no_database_can_store_matches_nothing_instead_of_failing(api: Api) -> None:
    staff, member = await api.staff(), await api.member()
    await open_ticket(api, member)

    for tier in ("\u0000", "\ud800", "silver"):
        found = await api.run_escaped(
            "query($t: String) { tickets(tierCode: $t, status: OPEN) { totalCount } }", {"t": tier}, staff
        )
        assert found["tickets"]["totalCount"] == (1 if tier == "silver" else 0)

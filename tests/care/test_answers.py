"""Answering surveys: one click plus an optional comment, once (also under a double click), scores in range,
only one's own survey; and a detractor's answer opens a COMPLAINT ticket for staff, linked to the answer."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest

from server.core import clock
from server.models import Survey, Ticket, TicketCategory
from tests.care.support import ANSWER, PENDING, queue, run, utc
from tests.support import Api, Caller

T0 = utc(2026, 5, 4, 3)
SATISFACTION_AT = T0 + timedelta(days=3, minutes=1)
NPS_AT = T0 + timedelta(days=30, minutes=1)  # the purchase follow-up is long gone by then


async def survey_for(api: Api, member: Caller, kind: str, order_id: str = "ORD-9") -> dict:
    """Buy at T0, let the scheduler send the survey of ``kind``, and return it (clock left at its send time)."""
    partner = await api.partner()
    with clock.travel(T0):
        await api.purchase(partner, member.email or "", "300.00", order_id=order_id)
    with clock.travel(SATISFACTION_AT if kind == "SATISFACTION" else NPS_AT):
        await run("care-surveys")
        [survey] = (await api.run(PENDING, caller=member))["viewer"]["pendingSurveys"]
    assert survey["kind"] == kind
    return survey


async def answer(api: Api, member: Caller, survey: dict, score: int, comment: str | None = None) -> dict:
    with clock.travel(parse_sent(survey) + timedelta(hours=1)):
        return (await api.run(ANSWER, {"id": survey["id"], "score": score, "comment": comment}, member))["answerSurvey"]


def parse_sent(survey: dict) -> datetime:
    return datetime.fromisoformat(survey["sentAt"])


@pytest.mark.parametrize(("kind", "bad", "message"), [
    ("NPS", 11, "Give a score from 0 to 10."),
    ("NPS", -1, "Give a score from 0 to 10."),
    ("SATISFACTION", 101, "Give a score from 0 to 100."),
])
async def test_a_score_out_of_range_is_invalid_input(api: Api, kind: str, bad: int, message: str) -> None:
    member = await api.member()
    survey = await survey_for(api, member, kind)

    refused = await answer(api, member, survey, bad)

    assert refused == {"survey": None, "userErrors": [{"field": "score", "code": "INVALID_INPUT", "message": message}]}
    assert (await Survey.get()).answered_at is None


async def test_one_answer_with_a_comment_counts_and_a_double_click_is_already_answered(api: Api) -> None:
    member = await api.member()
    survey = await survey_for(api, member, "SATISFACTION")
    variables = {"id": survey["id"], "score": 90, "comment": "  Fast delivery.\nNice box.  "}

    with clock.travel(SATISFACTION_AT + timedelta(minutes=5)):
        results = await asyncio.gather(*(api.run(ANSWER, variables, member) for _ in range(5)))
        left = (await api.run(PENDING, caller=member))["viewer"]["pendingSurveys"]

    payloads = [r["answerSurvey"] for r in results]
    accepted = [p for p in payloads if not p["userErrors"]]
    assert len(accepted) == 1
    assert accepted[0]["survey"]["score"] == 90 and accepted[0]["survey"]["comment"] == "Fast delivery.\nNice box."
    assert accepted[0]["survey"]["status"] == "ANSWERED" and accepted[0]["survey"]["ticket"] is None
    assert [p["userErrors"][0]["code"] for p in payloads if p["userErrors"]] == ["ALREADY_ANSWERED"] * 4
    assert left == []
    assert await Ticket.all().count() == 0


async def test_someone_elses_survey_answers_like_a_missing_one(api: Api) -> None:
    owner, stranger = await api.member(), await api.member()
    survey = await survey_for(api, owner, "NPS")

    theirs = await answer(api, stranger, survey, 10)
    missing = await answer(api, stranger, {**survey, "id": "U3VydmV5Ojk5OTk5"}, 10)  # Survey:99999

    assert theirs == missing == {
        "survey": None, "userErrors": [{"field": "surveyId", "code": "NOT_FOUND", "message": "No such survey."}]
    }


@pytest.mark.parametrize(("kind", "score", "detractor"), [
    ("NPS", 6, True),
    ("NPS", 7, False),
    ("NPS", 0, True),
    ("SATISFACTION", 59, True),
    ("SATISFACTION", 60, False),
])
async def test_a_detractor_opens_a_complaint_ticket_linked_to_the_answer(
    api: Api, kind: str, score: int, detractor: bool
) -> None:
    member, staff = await api.member(), await api.staff()
    survey = await survey_for(api, member, kind)

    answered = await answer(api, member, survey, score, "The courier was rude." if score % 2 else None)

    ticket = answered["survey"]["ticket"]
    assert (ticket is not None) is detractor
    assert await Ticket.all().count() == int(detractor)
    if not detractor:
        return
    scale = 10 if kind == "NPS" else 100
    assert ticket["category"] == "COMPLAINT" and ticket["status"] == "OPEN"
    assert ticket["subject"].startswith(f"Survey answer: {score} of {scale}")
    said = "The courier was rude." if score % 2 else "(No comment given with the score.)"
    assert ticket["messages"][0]["body"] == said
    with clock.travel(SATISFACTION_AT if kind == "SATISFACTION" else NPS_AT):
        listed = await queue(api, staff, status="OPEN")
    assert [e["node"]["id"] for e in listed["edges"]] == [ticket["id"]]
    row = await Ticket.get()
    assert row.category is TicketCategory.COMPLAINT and row.member_id == (await Survey.get()).member_id
    assert (await Survey.get()).detractor_ticket_id == row.id


async def test_a_detractor_ticket_speaks_the_members_language_and_names_the_order(api: Api) -> None:
    member = await api.member(locale="zh-CN")
    survey = await survey_for(api, member, "SATISFACTION", order_id="ORD-ZH-1")

    answered = await answer(api, member, survey, 20)

    ticket = answered["survey"]["ticket"]
    assert ticket["subject"] == "问卷评分：20/100 · 2026年5月4日的订单 ORD-ZH-1"
    assert ticket["messages"][0]["body"] == "（评分时未填写意见。）"
    assert (await Ticket.get()).order_id == "ORD-ZH-1"


async def test_a_chinese_member_is_told_the_scale_in_chinese(api: Api) -> None:
    member = await api.member(locale="zh-CN")
    survey = await survey_for(api, member, "NPS")

    refused = await answer(api, member, survey, 11)

    assert refused["userErrors"] == [{"field": "score", "code": "INVALID_INPUT", "message": "请给出 0 至 10 的评分。"}]

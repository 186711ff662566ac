"""Odd and hostile input to the Help and survey pages answers friendly 4xx pages (never a 500) and changes nothing."""

from __future__ import annotations

import pytest

from server.models import Survey, Ticket, TicketMessage
from tests.care.support import open_ticket
from tests.rewards_portal_support import member_browser
from tests.test_portal_hostile_input import HUGE_ROW, _path_id


@pytest.mark.parametrize(("kind", "row"), [("Ticket", "abc"), ("Ticket", HUGE_ROW), ("Ticket", -1),
                                           ("Survey", HUGE_ROW), ("Survey", "1 OR 1=1"), ("Review", 1)])
async def test_a_forged_ticket_or_survey_id_is_not_found(app, api, kind: str, row) -> None:
    async with member_browser(app, api) as (browser, member):
        await open_ticket(api, member)
        await browser.get("/support")
        forged = _path_id(kind, row)
        answers = [
            await browser.get(f"/support/{forged}"),
            await browser.post(f"/support/{forged}/reply", {"body": "hi"}),
            await browser.post(f"/support/{forged}/close", {}),
            await browser.get(f"/surveys/{forged}"),
            await browser.post(f"/surveys/{forged}", {"score": "5"}, htmx=True),
        ]
    for response in answers:
        assert response.status_code == 404, response.text
    assert await TicketMessage.all().count() == 1 and await Survey.all().count() == 0


@pytest.mark.parametrize("fields", [
    {"category": "NOT_A_CATEGORY"},
    {"body": "nul\x00byte"},
    {"subject": "bell\x07"},
    {"orderId": "x" * 500},
    {"subject": "x" * 10_000},
])
async def test_a_hostile_request_form_is_refused_kindly(app, api, fields: dict) -> None:
    async with member_browser(app, api) as (browser, _member):
        await browser.get("/support/new")
        form = {"category": "QUESTION", "subject": "Hello", "body": "Hi", **fields}
        answer = await browser.post("/support/new", form)
    assert answer.status_code == 422, answer.text
    assert await Ticket.all().count() == 0

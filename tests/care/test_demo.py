"""The demo shows care at work: a ticket past its target in the console, a survey on the dashboard; once."""

from __future__ import annotations

from server.core import clock
from server.demo import load_demo
from server.models import Survey, SurveyKind, Ticket, TicketStatus


async def test_the_demo_makes_one_overdue_ticket_and_one_survey_however_often_it_runs() -> None:
    first = await load_demo()
    second = await load_demo()

    ticket = await Ticket.get()
    assert ticket.status is TicketStatus.OPEN and ticket.tier_code == "gold" and ticket.order_id
    assert ticket.first_response_due_at < clock.now()  # past its target: the console shows it breached
    assert [(s.kind, s.answered_at) for s in await Survey.all()] == [(SurveyKind.NPS, None)]
    assert any("waiting for staff" in line for line in first)
    assert any("already there" in line for line in second)

"""Member care: tickets with first-response targets, follow-up surveys, satisfaction and NPS.

The package's verbs (other domains call these, not the modules' helpers):

- tickets: ``open_ticket``, ``reply``, ``resolve`` (``server.care.tickets``), the console's
  ``queue`` (``server.care.queue``) and ``response_report`` (``server.care.report``);
- surveys: ``answer_survey``, ``pending_surveys`` (``server.care.surveys``); sending and expiry
  run as jobs (``server.care.jobs``);
- KPIs over ``[start, end)`` UTC instants: ``nps``, ``satisfaction``, ``first_response_on_time``
  and ``figures`` for all three at once (``server.care.kpis``).
"""

from server.care.kpis import (  # noqa: F401
    SATISFACTION_TARGET,
    CareFigures,
    figures,
    first_response_on_time,
    nps,
    satisfaction,
)
from server.care.queue import TicketFilter, member_tickets, queue  # noqa: F401
from server.care.report import response_report  # noqa: F401
from server.care.surveys import answer as answer_survey  # noqa: F401
from server.care.surveys import pending as pending_surveys  # noqa: F401
from server.care.tickets import TicketDraft, open_ticket, reply, resolve  # noqa: F401

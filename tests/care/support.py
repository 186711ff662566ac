"""Helpers for the care tests: the GraphQL documents, members of a given tier, and running care's jobs."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from server.accounts import set_role
from server.jobs import run_job
from server.jobs.registry import find
from server.models import Role
from tests.support import Api, Caller

TICKET_FIELDS = """
  id category subject status createdAt
  firstResponseDueAt firstRespondedAt breached escalated responseDueAt targetHours
  tier { code }
  order { orderId amount }
  messages { author fromStaff body createdAt }
"""

OPEN_TICKET = f"""
mutation Open($input: TicketInput!) {{
  openTicket(input: $input) {{ ticket {{ {TICKET_FIELDS} }} userErrors {{ field code message }} }}
}}
"""

REPLY = f"""
mutation Reply($id: ID!, $body: String!) {{
  replyToTicket(ticketId: $id, body: $body) {{ ticket {{ {TICKET_FIELDS} }} userErrors {{ field code message }} }}
}}
"""

RESOLVE = f"""
mutation Resolve($id: ID!) {{
  resolveTicket(ticketId: $id) {{ ticket {{ {TICKET_FIELDS} }} userErrors {{ field code message }} }}
}}
"""

QUEUE = """
query Queue(
  $status: TicketStatus, $breached: Boolean, $escalated: Boolean, $tier: String, $first: Int, $after: String
) {
  tickets(
    status: $status, breached: $breached, escalated: $escalated, tierCode: $tier, first: $first, after: $after
  ) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { id subject status breached escalated member { email } } }
  }
}
"""

MY_TICKETS = "{ viewer { tickets { totalCount edges { node { id subject status } } } } }"

PENDING = """
{ viewer { pendingSurveys { id kind question about maxScore status sentAt expiresAt answeredAt score } } }
"""

ANSWER = """
mutation Answer($id: ID!, $score: Int!, $comment: String) {
  answerSurvey(surveyId: $id, score: $score, comment: $comment) {
    survey { id kind score comment answeredAt status ticket { id category subject status messages { body } } }
    userErrors { field code message }
  }
}
"""


def utc(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def parse(moment: str) -> datetime:
    return datetime.fromisoformat(moment)


async def member_of_tier(api: Api, partner: Caller, tier: str, **extra: Any) -> Caller:
    """A member who bought their way into ``tier`` (silver: nothing bought)."""
    caller = await api.member(**extra)
    amount = {"silver": None, "gold": "5000.00", "diamond": "20000.00"}[tier]
    if amount:
        result = await api.purchase(partner, caller.email or "", amount)
        assert result["member"]["tier"]["code"] == tier, result
    return caller


async def analyst(api: Api) -> Caller:
    caller = await api.member(displayName="Ann Analyst")
    await set_role(caller.email or "", Role.ANALYST)
    return caller


async def open_ticket(api: Api, caller: Caller, subject: str = "Where is my parcel?", **fields: Any) -> dict:
    data = await api.run(
        OPEN_TICKET,
        {"input": {"category": fields.pop("category", "QUESTION"), "subject": subject,
                   "body": fields.pop("body", "It has been a week."), **fields}},
        caller,
    )
    payload = data["openTicket"]
    assert payload["userErrors"] == [], payload["userErrors"]
    return payload["ticket"]


async def reply(api: Api, caller: Caller, ticket_id: str, body: str = "Thanks for writing.") -> dict:
    return (await api.run(REPLY, {"id": ticket_id, "body": body}, caller))["replyToTicket"]


async def resolve(api: Api, caller: Caller, ticket_id: str) -> dict:
    return (await api.run(RESOLVE, {"id": ticket_id}, caller))["resolveTicket"]


async def queue(api: Api, caller: Caller, **filters: Any) -> dict:
    return (await api.run(QUEUE, filters, caller))["tickets"]


async def run(job_name: str) -> str:
    """Run one of care's jobs now (at ``clock.now()``, so tests move the clock around it)."""
    job = find(job_name)
    assert job is not None, job_name
    outcome = await run_job(job, holder="test")
    assert outcome.status == "ok", outcome
    return outcome.summary

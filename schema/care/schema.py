"""Care queries and mutations: tickets, the staff queue and report, surveys."""

from __future__ import annotations

from typing import Annotated

import strawberry
from graphql import GraphQLError
from strawberry.types import Info

from schema.care.report import TicketReport, report_type
from schema.care.types import (
    Survey,
    Ticket,
    TicketCategory,
    TicketConnection,
    TicketEdge,
    TicketStatus,
    survey_type,
    ticket_type,
)
from schema.errors import USER_ERRORS, UserError, attempt
from schema.pagination import After, First, by_offset, connection, empty, newest_first
from schema.permissions import can_see_member, is_reader, require_member, require_reader
from schema.points.schema import decode_id
from server import care
from server.care import report, tickets
from server.care.queue import QUEUE_ORDER
from server.core.errors import DomainError
from server.models import Member as MemberRow

TICKET_ID = "The Ticket's id."


@strawberry.input(description="A new care ticket.")
class TicketInput:
    category: TicketCategory = strawberry.field(description="What it is about.")
    subject: str = strawberry.field(description=f"One line, 1 to {tickets.MAX_SUBJECT} characters.")
    body: str = strawberry.field(description=f"The message, 1 to {tickets.MAX_BODY:,} characters; line breaks kept.")
    order_id: str | None = strawberry.field(
        default=None,
        description="The partner order it is about, if any: matched among the member's own purchases "
        "(NOT_FOUND on orderId otherwise).",
    )


@strawberry.type(description="The answer to a mutation on a ticket.")
class TicketPayload:
    ticket: Ticket | None = strawberry.field(description="The ticket as it now stands; null on failure.")
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)


@strawberry.type(description="The answer to answerSurvey.")
class SurveyPayload:
    survey: Survey | None = strawberry.field(description="The survey with the answer; null on failure.")
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)


def _ticket_failed(errors: list[UserError]) -> TicketPayload:
    return TicketPayload(ticket=None, user_errors=errors)


def _query_error(error: DomainError) -> GraphQLError:
    return GraphQLError(error.message, extensions={"code": error.code.value, "field": error.field})


@strawberry.type
class CareQuery:
    @strawberry.field(
        description="Staff and analysts: care tickets, escalated ones first, then by first-response due time "
        "(tickets waiting for staff before those waiting for the member, resolved and closed last). "
        "Empty for anyone else."
    )
    async def tickets(
        self,
        info: Info,
        first: First = 20,
        after: After = None,
        status: Annotated[TicketStatus | None, strawberry.argument(description="Only this status.")] = None,
        breached: Annotated[
            bool | None, strawberry.argument(description="Only tickets whose first response breached (or not).")
        ] = None,
        escalated: Annotated[
            bool | None, strawberry.argument(description="Only tickets escalated now (or not).")
        ] = None,
        category: Annotated[TicketCategory | None, strawberry.argument(description="Only this category.")] = None,
        tier_code: Annotated[
            str | None, strawberry.argument(description="Only tickets opened by members of this tier.")
        ] = None,
        member_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Only this Member's tickets.")
        ] = None,
    ) -> TicketConnection:
        if not is_reader(info):
            return empty(TicketConnection)
        try:
            owner = decode_id(member_id, "Member", "memberId") if member_id is not None else None
        except DomainError as error:
            raise _query_error(error) from None
        where = care.TicketFilter(
            status=status, breached=breached, escalated=escalated, category=category,
            tier_code=tier_code.strip() if tier_code else None, member_id=owner,
        )
        page = await by_offset(care.queue(info.context.member, where), first, after, QUEUE_ORDER)
        return connection(page, TicketConnection, TicketEdge, ticket_type)

    @strawberry.field(
        description="Staff and analysts: first-response times and breaches by tier for tickets opened in the last "
        "`days` days; null for anyone else."
    )
    async def ticket_report(
        self,
        info: Info,
        days: Annotated[int, strawberry.argument(description=f"The window, 1 to {report.MAX_DAYS} days.")] = 30,
    ) -> TicketReport | None:
        if not is_reader(info):
            return None
        try:
            found = await care.response_report(require_reader(info), days)
        except DomainError as error:
            raise _query_error(error) from None
        return report_type(found, info)


@strawberry.type
class CareMutation:
    @strawberry.mutation(description="Member: open a care ticket (question, complaint, after-sales).")
    async def open_ticket(
        self, info: Info, input: Annotated[TicketInput, strawberry.argument(description="The ticket.")]
    ) -> TicketPayload:
        async def action() -> TicketPayload:
            member = require_member(info)
            draft = tickets.TicketDraft(input.category, input.subject, input.body, input.order_id)
            return TicketPayload(ticket=ticket_type(await care.open_ticket(member, draft)), user_errors=[])

        return await attempt(action, _ticket_failed, info.context.locale)

    @strawberry.mutation(
        description="Member (own ticket) or staff: add a message. Staff's first message is the first response. "
        "A RESOLVED or CLOSED ticket answers TICKET_CLOSED."
    )
    async def reply_to_ticket(
        self,
        info: Info,
        ticket_id: Annotated[strawberry.ID, strawberry.argument(description=TICKET_ID)],
        body: Annotated[
            str, strawberry.argument(description=f"The message, 1 to {tickets.MAX_BODY:,} characters.")
        ],
    ) -> TicketPayload:
        async def action() -> TicketPayload:
            actor = require_member(info)
            row = await care.reply(actor, decode_id(ticket_id, "Ticket", "ticketId"), body)
            return TicketPayload(ticket=ticket_type(row), user_errors=[])

        return await attempt(action, _ticket_failed, info.context.locale)

    @strawberry.mutation(
        description="Staff: resolve; member: close own ticket. Reopening is opening a new ticket. "
        "Repeating it changes nothing."
    )
    async def resolve_ticket(
        self, info: Info, ticket_id: Annotated[strawberry.ID, strawberry.argument(description=TICKET_ID)]
    ) -> TicketPayload:
        async def action() -> TicketPayload:
            actor = require_member(info)
            row = await care.resolve(actor, decode_id(ticket_id, "Ticket", "ticketId"))
            return TicketPayload(ticket=ticket_type(row), user_errors=[])

        return await attempt(action, _ticket_failed, info.context.locale)

    @strawberry.mutation(
        description="Member: answer a survey sent to them; once per survey (ALREADY_ANSWERED after), within its "
        "14 days (SURVEY_EXPIRED after)."
    )
    async def answer_survey(
        self,
        info: Info,
        survey_id: Annotated[strawberry.ID, strawberry.argument(description="The Survey's id.")],
        score: Annotated[
            int, strawberry.argument(description="0–10 for NPS, 0–100 for SATISFACTION (else INVALID_INPUT).")
        ],
        comment: Annotated[
            str | None, strawberry.argument(description="Optional words to go with the score, up to 2,000 characters.")
        ] = None,
    ) -> SurveyPayload:
        async def action() -> SurveyPayload:
            member = require_member(info)
            row = await care.answer_survey(member, decode_id(survey_id, "Survey", "surveyId"), score, comment)
            return SurveyPayload(survey=survey_type(row), user_errors=[])

        return await attempt(
            action, lambda errors: SurveyPayload(survey=None, user_errors=errors), info.context.locale
        )


async def member_tickets(member: MemberRow, info: Info, first: int | None, after: str | None) -> TicketConnection:
    """The member's tickets, newest first: for the member and the back office, empty for anyone else."""
    if not can_see_member(info, member.id):
        return empty(TicketConnection)
    page = await newest_first(care.member_tickets(member.id), first, after)
    return connection(page, TicketConnection, TicketEdge, ticket_type)


async def pending_surveys(member: MemberRow, info: Info) -> list[Survey]:
    if not can_see_member(info, member.id):
        return []
    return [survey_type(row) for row in await care.pending_surveys(member.id)]

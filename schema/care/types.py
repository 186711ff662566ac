"""Care tickets, their messages and surveys as GraphQL types."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import relay
from strawberry.types import Info

from schema.care import dataloaders as _loaders  # noqa: F401  (registers loaders)
from schema.enums import described_enum
from schema.pagination import CURSOR, EDGES, NODE, PAGE_INFO, TOTAL_COUNT, PageInfo
from schema.permissions import is_reader
from schema.program.types import Tier, tier_type
from server.care import access, surveys, texts, waits
from server.core import clock
from server.models import Purchase as PurchaseRow
from server.models import Survey as SurveyRow
from server.models import SurveyKind as DomainSurveyKind
from server.models import SurveyStatus as DomainSurveyStatus
from server.models import Ticket as TicketRow
from server.models import TicketCategory as DomainTicketCategory
from server.models import TicketMessage as TicketMessageRow
from server.models import TicketStatus as DomainTicketStatus
from server.models import Urgency
from server.points.program import get_program

if TYPE_CHECKING:
    from schema.accounts.types import Member

TicketStatus = described_enum(
    DomainTicketStatus,
    name="TicketStatus",
    description="Where a care ticket stands.",
    values={
        "OPEN": "Waiting for staff: new, or the member wrote back after an answer.",
        "ANSWERED": "Staff replied; waiting for the member.",
        "RESOLVED": "Closed by staff. Nothing more can be added; a new question is a new ticket.",
        "CLOSED": "Closed by the member. Nothing more can be added; a new question is a new ticket.",
    },
)

TicketCategory = described_enum(
    DomainTicketCategory,
    name="TicketCategory",
    description="What a ticket is about.",
    values={
        "QUESTION": "A question about the programme, points or an order.",
        "COMPLAINT": "Something went wrong; also opened automatically for a detractor's survey answer.",
        "AFTER_SALES": "Help with something bought: delivery, returns, repairs.",
        "SUGGESTION": "An idea for the programme.",
    },
)

SurveyKind = described_enum(
    DomainSurveyKind,
    name="SurveyKind",
    description="Which question a survey asks.",
    values={
        "NPS": "0–10: how likely to recommend us.",
        "SATISFACTION": "0–100: satisfaction with a purchase or a resolved ticket.",
    },
)

SurveyStatus = described_enum(
    DomainSurveyStatus,
    name="SurveyStatus",
    description="Whether a survey can still be answered.",
    values={
        "SENT": "Waiting for the member's answer.",
        "ANSWERED": "Answered; a second answer is ALREADY_ANSWERED.",
        "EXPIRED": "Not answered within 14 days of sending; answers are SURVEY_EXPIRED.",
    },
)

MemberType = Annotated["Member", strawberry.lazy("schema.accounts.types")]


@strawberry.type(description="One message in a ticket's conversation.")
class TicketMessage:
    row: strawberry.Private[TicketMessageRow]

    @strawberry.field(description="Display name for members, 'Staff' or the staff member's name for staff.")
    def author(self) -> str:
        return self.row.author_name or ("Staff" if self.row.from_staff else "Member")

    @strawberry.field(description="True for staff's messages.")
    def from_staff(self) -> bool:
        return self.row.from_staff

    @strawberry.field(description="The text as written; may contain line breaks.")
    def body(self) -> str:
        return self.row.body

    @strawberry.field(description="When it was written.")
    def created_at(self) -> datetime:
        return self.row.created_at


@strawberry.type(description="An order a partner reported for the member, as care sees it.")
class OrderSummary:
    row: strawberry.Private[PurchaseRow]

    @strawberry.field(description="The partner's order id.")
    def order_id(self) -> str:
        return self.row.order_id

    @strawberry.field(description="The partner that reported it.")
    def partner_name(self) -> str:
        return self.row.partner.name

    @strawberry.field(description="What was paid, in the programme's currency.")
    def amount(self) -> Decimal:
        return self.row.amount

    @strawberry.field(description="How much of it was refunded.")
    def refunded_amount(self) -> Decimal:
        return self.row.refunded_amount

    @strawberry.field(description="Points it earned (before any refund).")
    def points_earned(self) -> int:
        return self.row.points_earned

    @strawberry.field(description="When it was bought.")
    def occurred_at(self) -> datetime:
        return self.row.occurred_at


@strawberry.type(description="A survey sent to a member: one click to answer, with an optional comment.")
class Survey(relay.Node):
    row_id: relay.NodeID[int]
    row: strawberry.Private[SurveyRow]

    @strawberry.field(description="NPS (0–10) or SATISFACTION (0–100).")
    def kind(self) -> SurveyKind:
        return self.row.kind

    @strawberry.field(description="What it asks about, in the member's locale.")
    def question(self, info: Info) -> str:
        return texts.question(self.row.kind, self.row.about, info.context.locale)

    @strawberry.field(description="The order (id and date) or ticket (subject) it follows up, if any.")
    def about(self, info: Info) -> str | None:
        return texts.about_text(self.row.kind, self.row.about, info.context.locale)

    @strawberry.field(description="The highest score: 10 for NPS, 100 for SATISFACTION (the lowest is 0).")
    def max_score(self) -> int:
        return surveys.scale(self.row.kind)

    @strawberry.field(description="SENT, ANSWERED or EXPIRED, as of now.")
    def status(self) -> SurveyStatus:
        if self.row.answered_at is None and self.row.expires_at <= clock.now():
            return DomainSurveyStatus.EXPIRED
        return self.row.status

    @strawberry.field(description="When it was sent.")
    def sent_at(self) -> datetime:
        return self.row.sent_at

    @strawberry.field(description="After this it can no longer be answered (14 days after sending).")
    def expires_at(self) -> datetime:
        return self.row.expires_at

    @strawberry.field(description="When the member answered; null before.")
    def answered_at(self) -> datetime | None:
        return self.row.answered_at

    @strawberry.field(description="The member's score; null before the answer.")
    def score(self) -> int | None:
        return self.row.score

    @strawberry.field(description="The member's optional comment.")
    def comment(self) -> str | None:
        return self.row.comment

    @strawberry.field(description="The COMPLAINT ticket a detractor's answer opened (NPS 0–6, satisfaction below 60).")
    async def ticket(self) -> Ticket | None:
        if self.row.detractor_ticket_id is None:
            return None
        row = await TicketRow.get_or_none(id=self.row.detractor_ticket_id)
        return ticket_type(row) if row else None

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids, required: bool = False):  # type: ignore[override]
        # The member's own, or any for staff and analysts.
        wanted = [int(i) for i in node_ids]
        viewer = info.context.member
        rows = {row.id: row for row in await SurveyRow.filter(id__in=wanted)} if viewer else {}
        visible = {i: r for i, r in rows.items() if r.member_id == viewer.id or is_reader(info)}
        return [survey_type(visible[i]) if i in visible else None for i in wanted]


def survey_type(row: SurveyRow) -> Survey:
    return Survey(row_id=row.id, row=row)


@strawberry.type(description="A member's care request and its conversation with staff.")
class Ticket(relay.Node):
    row_id: relay.NodeID[int]
    row: strawberry.Private[TicketRow]

    @strawberry.field(description="QUESTION, COMPLAINT, AFTER_SALES or SUGGESTION.")
    def category(self) -> TicketCategory:
        return self.row.category

    @strawberry.field(description="One line saying what it is about.")
    def subject(self) -> str:
        return self.row.subject

    @strawberry.field(description="OPEN, ANSWERED, RESOLVED or CLOSED.")
    def status(self) -> TicketStatus:
        return self.row.status

    @strawberry.field(description="The member who opened it (staff view).")
    async def member(self, info: Info) -> MemberType:
        from schema.accounts.types import member_type

        return member_type(await info.context.loaders.load("care.member", self.row.member_id))

    @strawberry.field(description="The conversation, oldest first.")
    async def messages(self, info: Info) -> list[TicketMessage]:
        rows = await info.context.loaders.load("care.messages", self.row.id)
        return [TicketMessage(row=row) for row in rows]

    @strawberry.field(description="Opened + the member's tier target (24 hours for gold and diamond, 48 otherwise).")
    def first_response_due_at(self) -> datetime:
        return self.row.first_response_due_at

    @strawberry.field(description="When staff first answered; null before.")
    def first_responded_at(self) -> datetime | None:
        return self.row.first_responded_at

    @strawberry.field(description="True once due passed without a first response; stays true after a late answer.")
    def breached(self) -> bool:
        return waits.is_breached(self.row, clock.now())

    @strawberry.field(description="When it was opened.")
    def created_at(self) -> datetime:
        return self.row.created_at

    @strawberry.field(
        description="Hours the first response was given: the target of the member's tier when the ticket opened."
    )
    def target_hours(self) -> int:
        return self.row.target_hours

    @strawberry.field(description="The member's tier when the ticket opened (it set the target).")
    def tier(self, info: Info) -> Tier:
        return tier_type(get_program().tier(self.row.tier_code), info)

    @strawberry.field(
        description="True while it waits for staff past 75% of its window: it heads the queue and staff were told."
    )
    def escalated(self) -> bool:
        return self.row.urgency == Urgency.ESCALATED

    @strawberry.field(description="When the current wait for staff was escalated; null when it is not.")
    def escalated_at(self) -> datetime | None:
        return self.row.escalated_at

    @strawberry.field(
        description="When staff's next answer is due: the first response's due time, or after the member wrote "
        "back, the target counted from then (for breach reports). Null unless the ticket is OPEN."
    )
    def response_due_at(self) -> datetime | None:
        return self.row.queue_due_at if self.row.status is DomainTicketStatus.OPEN else None

    @strawberry.field(description="When the last message was written.")
    def last_message_at(self) -> datetime:
        return self.row.last_message_at

    @strawberry.field(description="When it was resolved or closed; null while it is open.")
    def closed_at(self) -> datetime | None:
        return self.row.closed_at

    @strawberry.field(description="The member's order it is about, if any.")
    async def order(self, info: Info) -> OrderSummary | None:
        if self.row.purchase_id is None:
            return None
        row = await info.context.loaders.load("care.purchase", self.row.purchase_id)
        return OrderSummary(row=row) if row else None

    @strawberry.field(description="The survey answer that opened it, for COMPLAINT tickets opened for a detractor.")
    async def survey(self, info: Info) -> Survey | None:
        row = await info.context.loaders.load("care.opening_survey", self.row.id)
        return survey_type(row) if row else None

    @strawberry.field(description="Staff and analysts: the member's latest orders, newest first; empty for members.")
    async def recent_orders(
        self,
        info: Info,
        first: Annotated[int, strawberry.argument(description="How many, 1 to 20 (other values are clamped).")] = 5,
    ) -> list[OrderSummary]:
        if not is_reader(info):
            return []
        rows = (
            await PurchaseRow.filter(member_id=self.row.member_id)
            .select_related("partner")
            .order_by("-occurred_at", "-id")
            .limit(max(1, min(first, 20)))
        )
        return [OrderSummary(row=row) for row in rows]

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids, required: bool = False):  # type: ignore[override]
        # The member's own, or any for staff and analysts; anyone else's answers null, like a missing one.
        wanted = [int(i) for i in node_ids]
        viewer = info.context.member
        rows = {row.id: row for row in await TicketRow.filter(id__in=wanted)} if viewer else {}
        return [ticket_type(rows[i]) if i in rows and access.can_see_ticket(rows[i], viewer) else None for i in wanted]


def ticket_type(row: TicketRow) -> Ticket:
    return Ticket(row_id=row.id, row=row)


@strawberry.type(description="A ticket in a page of tickets.")
class TicketEdge:
    cursor: str = strawberry.field(description=CURSOR)
    node: Ticket = strawberry.field(description=NODE)


@strawberry.type(description="A page of tickets.")
class TicketConnection:
    edges: list[TicketEdge] = strawberry.field(description=EDGES)
    page_info: PageInfo = strawberry.field(description=PAGE_INFO)
    total_count: int = strawberry.field(description=TOTAL_COUNT)

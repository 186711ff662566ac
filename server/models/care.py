"""Member care: tickets with first-response targets, their messages and waits, and surveys.

A *wait* is one stretch during which a ticket waits for staff: the first one starts when the
ticket opens, another each time the member writes back after an answer. Waits carry the target
(due time, escalation time) of their stretch, so breach reports can count follow-ups too while
``Ticket.breached`` stays about the first response only.
"""

from __future__ import annotations

import enum

from tortoise import fields
from tortoise.models import Model


class TicketStatus(str, enum.Enum):
    OPEN = "OPEN"  # waiting for staff
    ANSWERED = "ANSWERED"  # staff replied; waiting for the member
    RESOLVED = "RESOLVED"  # closed by staff
    CLOSED = "CLOSED"  # closed by the member


class TicketCategory(str, enum.Enum):
    QUESTION = "QUESTION"
    COMPLAINT = "COMPLAINT"
    AFTER_SALES = "AFTER_SALES"
    SUGGESTION = "SUGGESTION"


class Urgency(enum.IntEnum):
    """The queue's first sort key (lower comes first); kept on the ticket so the queue is one indexed query."""

    ESCALATED = 0  # waiting for staff and past 75% of its window
    WAITING = 1  # waiting for staff
    ANSWERED = 2  # waiting for the member
    DONE = 3  # resolved or closed


class SurveyKind(str, enum.Enum):
    NPS = "NPS"
    SATISFACTION = "SATISFACTION"


class SurveyStatus(str, enum.Enum):
    SENT = "SENT"
    ANSWERED = "ANSWERED"
    EXPIRED = "EXPIRED"


class Ticket(Model):
    id = fields.BigIntField(primary_key=True)
    member: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Member", related_name="tickets", on_delete=fields.CASCADE
    )
    category = fields.CharEnumField(TicketCategory, max_length=16)
    subject = fields.CharField(max_length=120)
    status = fields.CharEnumField(TicketStatus, max_length=16, default=TicketStatus.OPEN)
    order_id = fields.CharField(max_length=128, null=True, description="The order of the member it is about")
    purchase: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Purchase", related_name="tickets", null=True, on_delete=fields.SET_NULL
    )
    tier_code = fields.CharField(max_length=32, description="Tier of the member when opened: it set the target")
    target_hours = fields.IntField()
    created_at = fields.DatetimeField()
    first_response_due_at = fields.DatetimeField()
    first_responded_at = fields.DatetimeField(null=True)
    first_response_late = fields.BooleanField(
        default=False, description="The first wait ended (answer or close) after it was due"
    )
    urgency = fields.SmallIntField(default=1, description="Urgency: 0 escalated, 1 waiting, 2 answered, 3 done")
    queue_due_at = fields.DatetimeField(description="Due time of the open wait, else of the first response")
    escalated_at = fields.DatetimeField(null=True, description="When the open wait was escalated")
    last_message_at = fields.DatetimeField()
    closed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "ticket"
        indexes = (
            ("urgency", "queue_due_at"),
            ("member_id", "created_at"),
            ("status", "first_response_due_at"),
            ("first_response_due_at",),
        )


class TicketMessage(Model):
    id = fields.BigIntField(primary_key=True)
    ticket: fields.ForeignKeyRelation[Ticket] = fields.ForeignKeyField(
        "models.Ticket", related_name="messages", on_delete=fields.CASCADE
    )
    author: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Member", related_name="ticket_messages", null=True, on_delete=fields.SET_NULL
    )
    author_name = fields.CharField(max_length=80, description="As shown when written, kept if the author goes")
    from_staff = fields.BooleanField(default=False)
    body = fields.TextField()
    created_at = fields.DatetimeField()

    class Meta:
        table = "ticket_message"
        indexes = (("ticket_id", "id"),)


class TicketWait(Model):
    """One stretch during which a ticket waits for staff, with its target."""

    id = fields.BigIntField(primary_key=True)
    ticket: fields.ForeignKeyRelation[Ticket] = fields.ForeignKeyField(
        "models.Ticket", related_name="waits", on_delete=fields.CASCADE
    )
    is_first = fields.BooleanField(description="The wait for the first response (else a follow-up)")
    tier_code = fields.CharField(max_length=32)
    started_at = fields.DatetimeField()
    due_at = fields.DatetimeField()
    escalate_at = fields.DatetimeField()
    escalated_at = fields.DatetimeField(null=True)
    ended_at = fields.DatetimeField(null=True)
    answered = fields.BooleanField(default=False, description="Ended by a staff answer (else by closing)")
    late = fields.BooleanField(default=False, description="Ended after it was due")

    class Meta:
        table = "ticket_wait"
        indexes = (("ended_at", "escalate_at"), ("due_at",), ("ticket_id", "ended_at"))


class Survey(Model):
    id = fields.BigIntField(primary_key=True)
    member: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Member", related_name="surveys", on_delete=fields.CASCADE
    )
    kind = fields.CharEnumField(SurveyKind, max_length=16)
    status = fields.CharEnumField(SurveyStatus, max_length=16, default=SurveyStatus.SENT)
    trigger = fields.CharField(max_length=64, description="What it follows up: purchase:ID, ticket:ID or nps:DAY")
    purchase: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Purchase", related_name="surveys", null=True, on_delete=fields.SET_NULL
    )
    about_ticket: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Ticket", related_name="surveys", null=True, on_delete=fields.SET_NULL
    )
    detractor_ticket: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Ticket", related_name="from_surveys", null=True, on_delete=fields.SET_NULL,
        description="The complaint ticket a low answer opened",
    )
    about = fields.JSONField(default=dict, description="What it asks about (order and day, or ticket subject)")
    sent_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()
    answered_at = fields.DatetimeField(null=True)
    score = fields.SmallIntField(null=True)
    comment = fields.TextField(null=True)

    class Meta:
        table = "survey"
        unique_together = (("member", "trigger"),)
        indexes = (("member_id", "sent_at"), ("status", "expires_at"), ("kind", "answered_at"))

"""Batch loaders for care: a page of tickets costs a fixed number of queries, whatever its size."""

from __future__ import annotations

from collections.abc import Sequence

from schema.dataloaders import batch
from server.care import tickets
from server.models import Member, Purchase, Survey, TicketMessage


@batch("care.messages")
async def load_messages(ticket_ids: Sequence[int]) -> list[list[TicketMessage]]:
    grouped = await tickets.messages(list(set(ticket_ids)))
    return [grouped[ticket_id] for ticket_id in ticket_ids]


@batch("care.member")
async def load_members(member_ids: Sequence[int]) -> list[Member | None]:
    rows = {row.id: row for row in await Member.filter(id__in=list(set(member_ids)))}
    return [rows.get(member_id) for member_id in member_ids]


@batch("care.purchase")
async def load_purchases(purchase_ids: Sequence[int]) -> list[Purchase | None]:
    rows = {row.id: row for row in await Purchase.filter(id__in=list(set(purchase_ids))).select_related("partner")}
    return [rows.get(purchase_id) for purchase_id in purchase_ids]


@batch("care.opening_survey")
async def load_opening_surveys(ticket_ids: Sequence[int]) -> list[Survey | None]:
    """The survey answer that opened each ticket (detractor tickets), if any."""
    rows = {row.detractor_ticket_id: row for row in await Survey.filter(detractor_ticket_id__in=list(set(ticket_ids)))}
    return [rows.get(ticket_id) for ticket_id in ticket_ids]

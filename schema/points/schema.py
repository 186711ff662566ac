"""Staff point adjustments."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import relay
from strawberry.types import Info
from tortoise.fields import BigIntField

from schema.enums import described_enum
from schema.errors import USER_ERRORS, UserError, attempt
from schema.permissions import require_staff
from schema.points.types import LedgerEntry, ledger_entry
from server import models
from server.core.errors import DomainError, ErrorCode
from server.models import Member as MemberRow
from server.points import adjustments

if TYPE_CHECKING:
    from schema.accounts.types import Member

MemberType = Annotated["Member", strawberry.lazy("schema.accounts.types")]

AdjustmentReason = described_enum(
    adjustments.AdjustmentReason,
    name="AdjustmentReason",
    description="Why staff adjusted a member's points; the free-text reason says the rest.",
    values={
        "GOODWILL": "A gesture for the member; nothing went wrong.",
        "CORRECTION": "Points that should (or should not) have been credited.",
        "SERVICE_RECOVERY": "Making up for a bad experience.",
        "FRAUD_REVERSAL": "Taking back points obtained by abuse.",
        "OTHER": "Anything else: the reason text explains.",
    },
)


@strawberry.type(description="The answer to adjustPoints.")
class PointsPayload:
    entry: LedgerEntry | None = strawberry.field(description="The ledger entry written; null on failure.")
    member: MemberType | None = strawberry.field(description="The member with their new balance; null on failure.")
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)


def row_id(type_name: str, node_id: str) -> int:
    """The row id inside a global id of ``type_name``: a plain decimal within the id column's range.

    A larger number than the column holds (INT or BIGINT) would make PostgreSQL fail the query.
    """
    model = getattr(models, type_name)
    maximum = 2**63 - 1 if isinstance(model._meta.pk, BigIntField) else 2**31 - 1
    if not (node_id.isascii() and node_id.isdigit()) or not 1 <= int(node_id) <= maximum:
        raise ValueError(node_id)
    return int(node_id)


def decode_id(value: str, type_name: str, field: str) -> int:
    """The database id inside a global id of ``type_name``; INVALID_INPUT otherwise."""
    try:
        gid = relay.GlobalID.from_id(value)
        if gid.type_name != type_name:
            raise ValueError(gid.type_name)
        return row_id(type_name, gid.node_id)
    except (ValueError, TypeError):
        raise DomainError(ErrorCode.INVALID_INPUT, f"Pass the id of a {type_name}.", field) from None


@strawberry.type
class PointsMutation:
    @strawberry.mutation(
        description="Staff: credit (positive) or debit (negative) points with a reason. Each staff member may "
        "adjust at most Program.adjustmentCapPerStaffDay points a programme day (absolute values summed); "
        "beyond it the answer is LIMIT_REACHED on delta. Audited (points.adjust) with the balance before and after."
    )
    async def adjust_points(
        self,
        info: Info,
        member_id: Annotated[strawberry.ID, strawberry.argument(description="The Member's id.")],
        delta: Annotated[int, strawberry.argument(description="Points to credit (positive) or debit (negative).")],
        reason: Annotated[str, strawberry.argument(description="Why, for the member's ledger and the audit.")],
        idempotency_key: Annotated[
            str, strawberry.argument(description="A key per adjustment: a retry with it changes nothing more.")
        ],
        reason_code: Annotated[
            AdjustmentReason, strawberry.argument(description="The kind of adjustment, for the audit trail.")
        ] = adjustments.AdjustmentReason.OTHER,
    ) -> PointsPayload:
        from schema.accounts.types import member_type

        async def action() -> PointsPayload:
            staff = require_staff(info)
            target = decode_id(member_id, "Member", "memberId")
            entry = await adjustments.adjust_points(staff, target, delta, reason, idempotency_key, reason_code)
            member = await MemberRow.get(id=entry.member_id)
            return PointsPayload(
                entry=ledger_entry(entry, info.context.locale), member=member_type(member), user_errors=[]
            )

        return await attempt(
            action, lambda errors: PointsPayload(entry=None, member=None, user_errors=errors), info.context.locale
        )

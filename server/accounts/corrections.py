"""Staff corrections to a member's record: a tier override, a birthday correction. Both audited.

A tier override sets the member's tier by hand and stores ``Member.tier_override_until``; the
member's next tier review moves to that day (``tier_review_on``): the tier holds through it, then
the review decides as for anyone (``server.points.reviews``). A birthday correction is the only way to change a
birthday once the member has set it (members get BIRTHDAY_LOCKED, see ``accounts.members``).
"""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from tortoise.transactions import in_transaction

from server import audit
from server.accounts import roles
from server.accounts.members import check_birthday
from server.core import clock
from server.core.errors import DomainError, ErrorCode, invalid
from server.core.validation import check_public_text
from server.messages import notifications, outbox
from server.models import Member
from server.points import tiers
from server.points.program import get_program

MAX_OVERRIDE_YEARS = 5
MAX_REASON = 500


def _reason(text: str) -> str:
    return check_public_text(text, "reason", max_length=MAX_REASON)


async def _locked(member_id: int) -> Member:
    """The member row under a write lock (PostgreSQL: FOR UPDATE; SQLite: the transaction's own lock)."""
    member = await Member.select_for_update().get_or_none(id=member_id)
    if member is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such member.", "memberId")
    return member


async def override_tier(staff: Member, member_id: int, tier_code: str, reason: str, until: date) -> Member:
    """Put the member on ``tier_code`` until ``until`` (a day after today, programme time zone)."""
    roles.require_staff(staff)
    program = get_program()
    tier = program.find_tier(tier_code.strip())
    if tier is None:
        raise invalid("tierCode", "No such tier.")
    reason = _reason(reason)
    today = clock.now().astimezone(ZoneInfo(program.time_zone)).date()
    if until <= today:
        raise invalid("until", "Choose a day after today.")
    if until > clock.add_months(today, 12 * MAX_OVERRIDE_YEARS):
        raise invalid("until", "Choose a day within {years} years.", years=MAX_OVERRIDE_YEARS)
    now = clock.now()
    async with in_transaction():
        member = await _locked(member_id)
        before = {"tier": member.tier_code, "overrideUntil": member.tier_override_until}
        previous = program.tier(member.tier_code)
        member.tier_code, member.tier_reached_at, member.tier_override_until = tier.code, now, until
        # The next regular review is the override's last day: the tier holds through it, then reviews resume
        # (the base tier has no review).
        member.tier_review_on = None if tier.rank == program.base_tier.rank else until
        await member.save(update_fields=["tier_code", "tier_reached_at", "tier_override_until", "tier_review_on"])
        await audit.record(
            staff, "member.tier_override", target_type="Member", target_id=member.id, member_id=member.id,
            before=before, after={"tier": tier.code, "overrideUntil": until}, reason=reason,
        )
        if tier.rank != previous.rank:
            await tiers.publish_change(member.id, previous.code, tier.code, now)
            kind = "TIER_UPGRADE" if tier.rank > previous.rank else "TIER_DOWNGRADE"
            names = {"tier_code": tier.code, "tier_name": tier.name, "tier_name_zh": tier.name_zh or tier.name}
            await notifications.notify(member.id, kind, names)
    outbox.wake()
    return member


async def correct_birthday(staff: Member, member_id: int, birthday: date, reason: str) -> Member:
    """Set the member's birthday whatever was there (the member's own change is locked once set)."""
    roles.require_staff(staff)
    birthday = check_birthday(birthday)
    reason = _reason(reason)
    async with in_transaction():
        member = await _locked(member_id)
        before = {"birthday": member.birthday}
        member.birthday, member.birthday_set_at = birthday, clock.now()
        await member.save(update_fields=["birthday", "birthday_set_at"])
        await audit.record(
            staff, "member.birthday_correct", target_type="Member", target_id=member.id, member_id=member.id,
            before=before, after={"birthday": birthday}, reason=reason,
        )
    return member

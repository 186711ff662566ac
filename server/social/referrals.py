"""Referrals: member share codes and partner invite codes used at sign-up, rewarded on first purchase.

A code is either a member's 8-character share code or a partner's 10-character invite code, so
the two never collide. Sign-up checks the code before creating anything (``check_code``) and
records the referral inside its own transaction (``attach``); an invite's use is counted there
with a conditional update, so a used-up invite refuses the sign-up and no account is left behind.

The referral stays PENDING until the referee's first purchase (``on_first_purchase``, run in the
purchase transaction under the referee's lock). It is then settled exactly once: REWARDED (both
credited, or only the referee for a partner invite) or REJECTED with a reason (self-referral,
the referrer's monthly cap).

Lock order: the referee's lock is held by the purchase; the referrer's is taken second. This
cannot deadlock: a transaction only ever waits for a referrer while holding its referee, and a
referrer always joined before the member they referred, so "holds X, waits for Y" always points
from a newer member to an older one and can never close a circle. Taking the referrer's lock also
serialises the monthly cap count, so concurrent first purchases of several referees cannot
overshoot it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, time

from tortoise.expressions import F, Q

from server.accounts import tokens
from server.accounts.public_names import masked_name
from server.core import clock
from server.core.config import get_settings
from server.core.errors import DomainError, ErrorCode, invalid
from server.core.prepared import Statement
from server.core.validation import check_moment, check_text
from server.messages import events, notifications
from server.models import LedgerKind, Member, Partner, Referral, ReferralInvite, ReferralStatus
from server.points import ledger
from server.points.ledger_text import Note
from server.points.program import get_program

log = logging.getLogger("patron.referrals")

SHARE_CODE_LENGTH = 8
INVITE_CODE_LENGTH = 10
MAX_CAMPAIGN = 80
FIELD = "referralCode"
_GMAIL = ("gmail.com", "googlemail.com")


def _invalid_code() -> DomainError:
    message = "This referral code is not valid, has expired or is used up."
    return DomainError(ErrorCode.INVALID_REFERRAL_CODE, message, FIELD)


def normalise_code(code: str) -> str:
    """Codes are typed from paper or chat: case and surrounding spaces do not matter.

    Anything outside the code alphabet cannot be a code, so it is refused before a look-up.
    """
    code = code.strip().upper()
    if not code or len(code) > INVITE_CODE_LENGTH or any(ch not in tokens.UNAMBIGUOUS for ch in code):
        raise _invalid_code()
    return code


def share_url(code: str) -> str:
    return f"{get_settings().base_url}/signup?ref={code}"


def mailbox(email: str) -> str:
    """The mailbox an address delivers to: ``+tags`` dropped (and Gmail's dots), for self-referral checks."""
    local, _, domain = email.lower().partition("@")
    local = local.split("+", 1)[0]
    if domain in _GMAIL:
        local, domain = local.replace(".", ""), "gmail.com"
    return f"{local}@{domain}"


async def _live_invite(code: str, now: datetime) -> ReferralInvite | None:
    invite = await ReferralInvite.get_or_none(code=code).select_related("partner")
    if invite is None or invite.partner.revoked_at is not None:
        return None
    if invite.expires_at is not None and invite.expires_at <= now:
        return None
    if invite.max_uses is not None and invite.uses >= invite.max_uses:
        return None
    return invite


async def check_code(code: str, email: str) -> None:
    """Refuse an unknown, expired or used-up code, or the member's own, before any account is created."""
    code = normalise_code(code)
    if len(code) == SHARE_CODE_LENGTH:
        referrer = await Member.get_or_none(share_code=code)
        if referrer is None:
            raise _invalid_code()
        if mailbox(referrer.email) == mailbox(email):
            raise DomainError(ErrorCode.SELF_REFERRAL, "You cannot use your own referral code.", FIELD)
        return
    if await _live_invite(code, clock.now()) is None:
        raise _invalid_code()


async def attach(member: Member, code: str) -> None:
    """Record the referral of the just-created ``member`` (inside the sign-up transaction).

    An invite's use is counted by a conditional update that succeeds only while uses remain, so
    concurrent sign-ups can never exceed ``max_uses``; a refusal here rolls the sign-up back.
    """
    code = normalise_code(code)
    now = clock.now()
    if len(code) == SHARE_CODE_LENGTH:
        referrer = await Member.get_or_none(share_code=code)
        if referrer is None:
            raise _invalid_code()
        if referrer.id == member.id or mailbox(referrer.email) == mailbox(member.email):
            raise DomainError(ErrorCode.SELF_REFERRAL, "You cannot use your own referral code.", FIELD)
        await Referral.create(referrer_id=referrer.id, referee_id=member.id, created_at=now)
        return
    invite = await ReferralInvite.get_or_none(code=code).select_related("partner")
    if invite is None or invite.partner.revoked_at is not None:
        raise _invalid_code()
    # The use is counted only while one is left and the invite is live: this one statement is
    # what keeps concurrent sign-ups within max_uses (the row stays locked until commit).
    query = ReferralInvite.filter(id=invite.id).filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
    if invite.max_uses is not None:
        query = query.filter(uses__lt=invite.max_uses)
    counted = await query.update(uses=F("uses") + 1)
    if not counted:
        raise _invalid_code()
    await Referral.create(invite_id=invite.id, referee_id=member.id, created_at=now)


def _month_of(at: datetime) -> tuple[datetime, datetime]:
    """The UTC calendar month containing ``at``: its first instant and the next month's."""
    first = at.astimezone(UTC).date().replace(day=1)
    return (
        datetime.combine(first, time(0), tzinfo=UTC),
        datetime.combine(clock.add_months(first, 1), time(0), tzinfo=UTC),
    )


async def _settle(referral: Referral, status: ReferralStatus, at: datetime, reason: str | None = None) -> bool:
    """Move a PENDING referral on; False when another transaction already did (exactly once)."""
    changed = await Referral.filter(id=referral.id, status=ReferralStatus.PENDING).update(
        status=status, rewarded_at=at if status is ReferralStatus.REWARDED else None, reason=reason
    )
    return bool(changed)


PENDING_REFERRAL = Statement("SELECT 1 FROM referral WHERE referee_id = ? AND status = ? LIMIT 1")


async def on_first_purchase(member: Member, at: datetime) -> None:
    """Reward a pending referral when its referee makes a first purchase (under the member lock)."""
    # Asked on every purchase, answered "no" almost always: a prepared statement first.
    if await PENDING_REFERRAL.one(member.id, ReferralStatus.PENDING.value) is None:
        return
    referral = await Referral.get_or_none(referee_id=member.id, status=ReferralStatus.PENDING)
    if referral is None:
        return
    program = get_program()
    referrer: Member | None = None
    if referral.referrer_id is not None:
        if referral.referrer_id == member.id:
            await _settle(referral, ReferralStatus.REJECTED, at, "Self-referral: a member cannot refer themselves.")
            return
        referrer = await ledger.lock_member(referral.referrer_id)
        if mailbox(referrer.email) == mailbox(member.email):
            await _settle(referral, ReferralStatus.REJECTED, at, "Self-referral: a member cannot refer themselves.")
            return
        cap = program.referrals_per_month_cap
        start, end = _month_of(at)
        rewarded = await Referral.filter(
            referrer_id=referrer.id, status=ReferralStatus.REWARDED, rewarded_at__gte=start, rewarded_at__lt=end
        ).count()
        if rewarded >= cap:
            reason = f"Monthly cap reached: the referrer already had {cap} referrals rewarded this month."
            await _settle(referral, ReferralStatus.REJECTED, at, reason)
            log.info("referral %s rejected: cap %s", referral.id, cap)
            return
    if not await _settle(referral, ReferralStatus.REWARDED, at):
        return
    reference = f"referral:{referral.id}"
    if program.referee_points:
        await ledger.credit(
            member,
            LedgerKind.REFERRAL,
            program.referee_points,
            Note("referee_bonus"),
            reference=reference,
            at=at,
        )
        await notifications.notify(
            member.id, "REFEREE_REWARDED", {"points": program.referee_points}, dedupe_key=f"{reference}:referee"
        )
    if referrer is not None and program.referrer_points:
        name = masked_name(member.display_name)
        await ledger.credit(
            referrer,
            LedgerKind.REFERRAL,
            program.referrer_points,
            Note("referrer_bonus", {"name": name}),
            reference=reference,
            at=at,
        )
        await notifications.notify(
            referrer.id,
            "REFERRAL_REWARDED",
            {"points": program.referrer_points, "name": name},
            dedupe_key=f"{reference}:referrer",
        )
    await events.publish(
        "REFERRAL_REWARDED",
        referrer.id if referrer is not None else member.id,
        {
            "referral_id": referral.id,
            "referee_id": member.id,
            "referrer_points": program.referrer_points if referrer is not None else 0,
            "referee_points": program.referee_points,
            "at": at,
        },
    )
    log.info("referral %s rewarded", referral.id)


@dataclass(frozen=True)
class InviteRequest:
    campaign: str | None = None
    max_uses: int | None = None
    expires_at: datetime | None = None


async def issue_invite(partner: Partner, request: InviteRequest) -> ReferralInvite:
    """A new invite code for ``partner``; ``max_uses`` and ``expires_at`` null mean unlimited."""
    now = clock.now()
    campaign = request.campaign if request.campaign and request.campaign.strip() else None
    if campaign is not None:
        campaign = check_text(campaign, "campaign", max_length=MAX_CAMPAIGN)
    if request.max_uses is not None and request.max_uses < 1:
        raise invalid("maxUses", "Allow at least 1 use, or leave it empty for no limit.")
    expires_at = None if request.expires_at is None else check_moment(request.expires_at, "expiresAt")
    if expires_at is not None and expires_at <= now:
        raise invalid("expiresAt", "The expiry must be in the future.")
    code = await tokens.unused_code(ReferralInvite, "code", INVITE_CODE_LENGTH)
    return await ReferralInvite.create(
        partner_id=partner.id,
        code=code,
        campaign=campaign,
        max_uses=request.max_uses,
        expires_at=expires_at,
        created_at=now,
    )

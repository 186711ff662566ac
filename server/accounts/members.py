"""Member accounts: sign-up, log-in with back-off, tokens and profiles."""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from datetime import date, timedelta

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from server.accounts import addresses, sessions, tokens
from server.accounts.passwords import hash_password, needs_rehash, verify_password
from server.core import clock
from server.core.errors import DomainError, ErrorCode, invalid
from server.core.validation import check_locale, check_public_text, check_timezone, is_utf8, normalise_email
from server.messages import outbox, preferences
from server.models import AuthToken, LoginThrottle, Member, Role
from server.points.program import get_program
from server.social import referrals

log = logging.getLogger("patron.auth")

TOKEN_LIFETIME = timedelta(days=30)
MIN_PASSWORD = 10
MAX_PASSWORD = 1024
FREE_FAILURES = 5
MAX_BACKOFF = timedelta(minutes=15)
# After a quiet day the count starts again, so old mistakes do not keep an account slow forever.
FORGET_FAILURES_AFTER = timedelta(hours=24)


@dataclass(frozen=True)
class SignUp:
    email: str
    password: str
    display_name: str
    referral_code: str | None = None
    birthday: date | None = None
    timezone: str | None = None
    locale: str | None = None
    marketing_emails: bool = False  # consent to marketing e-mail, given on the sign-up form


@dataclass(frozen=True)
class ProfileChange:
    display_name: str | None = None
    birthday: date | None = None
    timezone: str | None = None
    locale: str | None = None


def check_password(password: str, field: str = "password") -> str:
    """A new password's rules; ``field`` names the input at fault (``newPassword`` when changing one)."""
    if not is_utf8(password):  # never stored, only hashed: NUL is fine, lone surrogates are not
        raise invalid(field, "Remove invalid characters.")
    if len(password) < MIN_PASSWORD:
        raise invalid(field, f"Use at least {MIN_PASSWORD} characters.")
    if len(password) > MAX_PASSWORD:
        raise invalid(field, f"Use at most {MAX_PASSWORD} characters.")
    return password


BIRTHDAY_LOCKED = "The birthday is set; to change it, contact support."


def check_birthday(birthday: date | None) -> date | None:
    if birthday is not None and not (date(1900, 1, 1) <= birthday <= clock.now().date()):
        raise invalid("birthday", "Enter a real date of birth.")
    return birthday


async def sign_up(data: SignUp, *, send_confirmation: bool = True) -> tuple[Member, str]:
    """Create a member (and their referral, if a code was given); returns it with a new token.

    The confirmation e-mail (and any marketing consent given on the form) commits with the account.
    """
    email = normalise_email(data.email)
    password = check_password(data.password)
    display_name = check_public_text(data.display_name, "displayName", max_length=80)
    timezone = check_timezone(data.timezone) if data.timezone else "Asia/Shanghai"
    locale = check_locale(data.locale) if data.locale else "en"
    birthday = check_birthday(data.birthday)
    code = (data.referral_code or "").strip() or None
    if await Member.exists(email=email):
        raise DomainError(ErrorCode.EMAIL_TAKEN, "An account with this e-mail already exists.", "email")
    if code is not None:
        await referrals.check_code(code, email)
    password_hash = await hash_password(password)
    now = clock.now()
    try:
        async with in_transaction():
            member = await Member.create(
                email=email,
                password_hash=password_hash,
                display_name=display_name,
                role=Role.MEMBER,
                joined_at=now,
                birthday=birthday,
                birthday_set_at=now if birthday is not None else None,
                timezone=timezone,
                locale=locale,
                tier_code=get_program().base_tier.code,
                tier_reached_at=now,
                share_code=await tokens.unused_code(Member, "share_code", 8),
            )
            if code is not None:
                await referrals.attach(member, code)
            await preferences.record_sign_up_consent(member, data.marketing_emails)
            if send_confirmation:
                await addresses.send_confirmation(member)
            token = await issue_token(member)
    except IntegrityError:
        raise DomainError(ErrorCode.EMAIL_TAKEN, "An account with this e-mail already exists.", "email") from None
    log.info("sign-up member=%s", member.id)
    outbox.wake()
    return member, token


async def issue_token(member: Member, kind: str = "api") -> str:
    secret = tokens.new_secret("pt_" if kind == "api" else "")
    now = clock.now()
    await AuthToken.create(
        token_hash=tokens.digest(secret),
        member_id=member.id,
        kind=kind,
        csrf_token=tokens.new_secret() if kind == "session" else None,
        created_at=now,
        expires_at=now + TOKEN_LIFETIME,
    )
    return secret


def _backoff(failures: int) -> timedelta:
    """Exponential wait after the free failures: 1 s, 2 s, 4 s … capped, never a lock-out."""
    steps = failures - FREE_FAILURES
    if steps < 0:
        return timedelta(0)
    return min(timedelta(seconds=2**min(steps, 20)), MAX_BACKOFF)


async def _claim_attempt(email: str) -> None:
    """Count a log-in attempt as a failure *before* the password is checked, under a row lock.

    Counting afterwards would let a burst of parallel guesses all pass the back-off check
    before the first failure is recorded; claimed first, at most ``FREE_FAILURES`` guesses
    run before the back-off starts, however many arrive at once. A success deletes the count.
    """
    now = clock.now()
    # Create the row outside the counting transaction: two first attempts racing would
    # otherwise both insert it and one would fail with a 500.
    with contextlib.suppress(IntegrityError):
        await LoginThrottle.get_or_create(email=email, defaults={"failures": 0})
    async with in_transaction():
        throttle = await LoginThrottle.select_for_update().get(email=email)
        if throttle.blocked_until and throttle.blocked_until > now:
            wait = int((throttle.blocked_until - now).total_seconds()) + 1
            log.warning("log-in throttled email_hash=%s", tokens.digest(email)[:12])
            raise DomainError(ErrorCode.RATE_LIMITED, f"Too many attempts; try again in {wait} s.", "email")
        if throttle.last_failure_at and now - throttle.last_failure_at > FORGET_FAILURES_AFTER:
            throttle.failures = 0
        throttle.failures += 1
        throttle.last_failure_at = now
        throttle.blocked_until = now + _backoff(throttle.failures) if throttle.failures >= FREE_FAILURES else None
        await throttle.save()


async def log_in(email: str, password: str, kind: str = "api") -> tuple[Member, str]:
    """Check credentials; wrong e-mail and wrong password fail alike, and repeats are slowed."""
    try:
        address = normalise_email(email)
    except DomainError:
        raise DomainError(ErrorCode.INVALID_CREDENTIALS, "Wrong e-mail or password.", "email") from None
    await _claim_attempt(address)
    member = await Member.get_or_none(email=address)
    # A password no one could have set (lone surrogates) is simply wrong, checked the same slow way.
    ok = await verify_password(member.password_hash if member else None, password if is_utf8(password) else "")
    ok = ok and is_utf8(password)
    if not ok or member is None:
        log.warning("log-in failed email_hash=%s", tokens.digest(address)[:12])
        raise DomainError(ErrorCode.INVALID_CREDENTIALS, "Wrong e-mail or password.", "password")
    # Reset rather than delete: a row that never disappears cannot race a concurrent
    # failure into re-creating it inside its counting transaction.
    await LoginThrottle.filter(email=address).update(failures=0, blocked_until=None, last_failure_at=None)
    if needs_rehash(member.password_hash):
        member.password_hash = await hash_password(password)
        await member.save(update_fields=["password_hash"])
    log.info("log-in member=%s", member.id)
    return member, await issue_token(member, kind)


async def member_for_token(secret: str, kind: str = "api") -> tuple[Member, AuthToken] | None:
    """The member a live (unexpired, unrevoked) token belongs to, or None (see ``sessions``)."""
    return await sessions.member_for_token(secret, kind)


async def log_out(secret: str, kind: str = "api") -> bool:
    """Revoke a token server-side; a copy of it stops working at once."""
    count = await AuthToken.filter(
        token_hash=tokens.digest(secret), kind=kind, revoked_at__isnull=True
    ).update(revoked_at=clock.now())
    sessions.forget(secret=secret)
    return bool(count)


async def update_profile(member: Member, change: ProfileChange) -> Member:
    fields: list[str] = []
    if change.display_name is not None:
        member.display_name = check_public_text(change.display_name, "displayName", max_length=80)
        fields.append("display_name")
    if change.birthday is not None and change.birthday != member.birthday:
        # A member sets their birthday once (birthday rewards follow it); staff correct it after that.
        if member.birthday is not None:
            raise DomainError(ErrorCode.BIRTHDAY_LOCKED, BIRTHDAY_LOCKED, "birthday")
        member.birthday = check_birthday(change.birthday)
        member.birthday_set_at = clock.now()
        fields += ["birthday", "birthday_set_at"]
    if change.timezone is not None:
        member.timezone = check_timezone(change.timezone)
        fields.append("timezone")
    if change.locale is not None:
        member.locale = check_locale(change.locale)
        fields.append("locale")
    if fields:
        await member.save(update_fields=fields)
    return member


async def set_role(email: str, role: Role) -> Member:
    member = await Member.get_or_none(email=normalise_email(email))
    if member is None:
        raise DomainError(ErrorCode.NOT_FOUND, f"No member with e-mail {email}.", "email")
    member.role = role
    await member.save(update_fields=["role"])
    return member


async def revoke(token: AuthToken) -> None:
    """Revoke a token row (portal sessions, where the secret is not on the context)."""
    await AuthToken.filter(id=token.id).update(revoked_at=clock.now())
    sessions.forget(token_hash=token.token_hash)


async def revoke_all(member_id: int) -> int:
    """End every session and bearer token of the member (after a password reset or change)."""
    ended = await AuthToken.filter(member_id=member_id, revoked_at__isnull=True).update(revoked_at=clock.now())
    sessions.forget(member_id=member_id)
    return ended

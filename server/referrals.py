"""Referrals: member share codes and partner invite codes used at sign-up, rewarded on first purchase.

(Placeholder contract for the accounts and purchases services; the full rules live here.)
"""

from __future__ import annotations

from datetime import datetime

from server.errors import DomainError, ErrorCode
from server.models import Member


async def check_code(code: str, email: str) -> None:
    """Refuse an unknown, expired or used-up code before any account is created."""
    raise DomainError(ErrorCode.INVALID_REFERRAL_CODE, "This referral code is not valid.", "referralCode")


async def attach(member: Member, code: str) -> None:
    """Record the referral of the just-created ``member`` (inside the sign-up transaction)."""


async def on_first_purchase(member: Member, at: datetime) -> None:
    """Reward a pending referral when its referee makes a first purchase (under the member lock)."""

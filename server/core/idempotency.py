"""Keyed requests: the first outcome is remembered so a retry returns it instead of acting twice."""

from __future__ import annotations

import hashlib

from server.core import clock
from server.core.errors import DomainError, ErrorCode
from server.models import IdempotencyRecord


def fingerprint(*parts: object) -> str:
    """A digest of the arguments, to tell a true retry from a reuse of the key for another request."""
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()


async def find(
    scope: str, owner_id: int, key: str, fp: str, *, field: str = "idempotencyKey"
) -> IdempotencyRecord | None:
    """The remembered outcome for ``key``; IDEMPOTENCY_CONFLICT if it was for other arguments."""
    record = await IdempotencyRecord.get_or_none(scope=scope, owner_id=owner_id, key=key)
    if record is not None and record.fingerprint != fp:
        raise DomainError(
            ErrorCode.IDEMPOTENCY_CONFLICT,
            "This idempotency key was already used for a different request.",
            field,
        )
    return record


async def remember(scope: str, owner_id: int, key: str, fp: str, result_id: int | None) -> None:
    """Store the outcome; call inside the transaction that produced it."""
    await IdempotencyRecord.create(
        scope=scope, owner_id=owner_id, key=key, fingerprint=fp, result_id=result_id, created_at=clock.now()
    )

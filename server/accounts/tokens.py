"""Opaque secrets (bearer tokens, sessions, partner keys, codes) and their stored hashes."""

from __future__ import annotations

import hashlib
import secrets

from tortoise.models import Model

# Crockford-style alphabet: no 0/O, 1/I/L, so codes read aloud or typed from paper survive.
UNAMBIGUOUS = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def new_secret(prefix: str = "") -> str:
    """256 bits from the OS CSPRNG, URL-safe."""
    return prefix + secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    """SHA-256 hex: secrets are high-entropy, so a fast hash is enough and lookups stay indexed."""
    return hashlib.sha256(secret.encode()).hexdigest()


def random_code(length: int) -> str:
    return "".join(secrets.choice(UNAMBIGUOUS) for _ in range(length))


async def unused_code(model: type[Model], field: str, length: int) -> str:
    """A random code no row of ``model`` holds in ``field`` yet; drawn again on a clash.

    The column's unique constraint stays the final guard against a concurrent twin.
    """
    while True:
        code = random_code(length)
        if not await model.exists(**{field: code}):
            return code

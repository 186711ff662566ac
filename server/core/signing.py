"""Secrets derived from ``PATRON_SECRET_KEY``: signed tokens and link tokens that are never stored.

Two needs share this module:

* **Link tokens** (password reset, address confirmation). The database keeps only a token's
  digest, and the outbox must not hold a usable token either (a leaked outbox table would hand
  out live reset links). So the token is derived: ``HMAC(key, purpose:salt)`` with a random
  128-bit salt. The outbox row carries the salt; the sender derives the token when it writes the
  message. Without the key, neither table yields a token.
* **Signed tokens** (one-click unsubscribe): a short value plus an HMAC over it, checked in
  constant time, so a link can carry authority without a session.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from server.core.config import get_settings

SALT_BYTES = 16  # 128 bits of randomness in every derived token


def _key() -> bytes:
    return get_settings().secret_key.encode()


def new_salt() -> str:
    return secrets.token_urlsafe(SALT_BYTES)


def derive_token(purpose: str, salt: str) -> str:
    """The link token for ``salt``: 256 bits, URL-safe, reproducible only with the secret key."""
    mac = hmac.new(_key(), f"link:{purpose}:{salt}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def sign(purpose: str, value: str) -> str:
    """``value.signature``: 128 bits of HMAC-SHA256 over the purpose and value."""
    mac = hmac.new(_key(), f"sign:{purpose}:{value}".encode(), hashlib.sha256).digest()[:16]
    return f"{value}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"


def unsign(purpose: str, token: str) -> str | None:
    """The value of a token made by :func:`sign` for ``purpose``, or None if it was not."""
    value, _, _signature = token.rpartition(".")
    if not value:
        return None
    expected = sign(purpose, value)
    if not hmac.compare_digest(token.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass")):
        return None
    return value

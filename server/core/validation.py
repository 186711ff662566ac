"""Input checks shared by the services; each failure names the input field at fault."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, available_timezones

from server.core.errors import invalid

LOCALES = ("en", "zh-CN")
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?"
_EMAIL = re.compile(r"^[^@\s<>()\[\],;:\"]+@" + _LABEL + r"(?:\." + _LABEL + r")+$")
_TIMEZONES = frozenset(available_timezones())


def encodable(value: str) -> bool:
    """False for text no database can store or even compare against.

    JSON may carry lone surrogates ("\\ud800"), which are not UTF-8, and NUL ("\\u0000"), which
    PostgreSQL refuses in any text value: either would fail the query with an internal error.
    """
    return "\x00" not in value and is_utf8(value)


def is_utf8(value: str) -> bool:
    """False for lone surrogates, which no UTF-8 consumer (database, hasher) accepts."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_encodable(value: str, field: str) -> str:
    if not encodable(value):
        raise invalid(field, "Remove invalid characters.")
    return value


def check_moment(value: datetime, field: str) -> datetime:
    """A time with its UTC offset that is representable in UTC (year 1 to 9999), returned in UTC."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise invalid(field, "Give the time with its UTC offset.")
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise invalid(field, "Give a time between the years 1 and 9999.") from None


def normalise_email(email: str, field: str = "email") -> str:
    value = check_encodable(email, field).strip().lower()
    if len(value) > 254 or not _EMAIL.match(value) or value.split("@")[0] == "":
        raise invalid(field, "Enter a valid e-mail address.")
    return value


def check_timezone(name: str, field: str = "timezone") -> str:
    name = name.strip()
    if name not in _TIMEZONES:
        raise invalid(field, "Use an IANA time-zone name such as Asia/Shanghai.")
    ZoneInfo(name)
    return name


def check_locale(tag: str, field: str = "locale") -> str:
    for locale in LOCALES:
        if tag.strip().lower() == locale.lower():
            return locale
    raise invalid(field, "Choose a language: en or zh-CN.")


def check_text(value: str, field: str, *, max_length: int, min_length: int = 1) -> str:
    text = check_encodable(value, field).strip()
    if len(text) < min_length:
        raise invalid(field, "This field is required." if min_length == 1 else f"Use at least {min_length} characters.")
    if len(text) > max_length:
        raise invalid(field, f"Use at most {max_length} characters.")
    if any(ord(ch) < 32 and ch not in "\n\t" for ch in text):
        raise invalid(field, "Remove control characters.")
    return text


def check_key(value: str, field: str) -> str:
    """An idempotency key or external id: 1 to 128 visible characters."""
    key = value.strip()
    if not key or len(key) > 128 or any(ord(ch) < 33 for ch in key) or not encodable(key):
        raise invalid(field, "Use 1 to 128 visible characters.")
    return key

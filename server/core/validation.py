"""Input checks shared by the services; each failure names the input field at fault."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, available_timezones

from server.core.errors import invalid

LOCALES = ("en", "zh-CN")
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?"
_EMAIL = re.compile(r"^[^@\s<>()\[\],;:\"]+@" + _LABEL + r"(?:\." + _LABEL + r")+$")
_TIMEZONES = frozenset(available_timezones())

UNPRINTABLE = "Remove control, invisible and text-direction characters."
# Characters that let text shown to other people pose as something else: bidirectional embeddings,
# overrides and isolates (U+202A-202E, U+2066-2069) and marks (U+200E/200F, U+061C), and zero-width
# characters (U+200B-200D, U+2060-2064, U+FEFF, U+180E). Zero-width joiners also glue emoji
# sequences; a family emoji is refused with them, which is the price of one simple rule.
_DECEPTIVE = frozenset(
    [*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C]
    + [*range(0x200B, 0x200E), *range(0x2060, 0x2065), 0xFEFF, 0x180E]
)


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


def check_public_text(
    value: str, field: str, *, max_length: int, multiline: bool = False, strip: bool = True
) -> str:
    """Text other people will read (names, titles, reviews), in Unicode NFC.

    The one rule for every name and title shown to others: control characters (tab, NUL, DEL, C1,
    line and paragraph separators, and newlines unless ``multiline``), bidirectional controls and
    zero-width characters are refused, because they let a name pose as another or reorder the
    text around it. Letters of any script, accents and apostrophes are welcome; combining
    sequences are composed (NFC) so that equal-looking names are equal strings. ``strip=False``
    keeps surrounding blanks (reviews are stored as written). Lengths count NFC characters.
    """
    text = unicodedata.normalize("NFC", check_encodable(value, field))
    allowed = "\n\r" if multiline else ""
    for ch in text:
        if ch in allowed:
            continue
        if unicodedata.category(ch) in ("Cc", "Zl", "Zp") or ord(ch) in _DECEPTIVE:
            raise invalid(field, UNPRINTABLE)
    if strip:
        text = text.strip()
    if not text.strip():
        raise invalid(field, "This field is required.")
    if len(text) > max_length:
        raise invalid(field, "Use at most {max_length:,} characters.", max_length=max_length)
    return text


def check_key(value: str, field: str) -> str:
    """An idempotency key or external id: 1 to 128 visible characters."""
    key = value.strip()
    if not key or len(key) > 128 or any(ord(ch) < 33 for ch in key) or not encodable(key):
        raise invalid(field, "Use 1 to 128 visible characters.")
    return key

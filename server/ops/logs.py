"""Logs: one JSON object per line in production, readable lines in development; secrets never written.

Every request gets a :class:`RequestInfo` (request id, and as they become known the GraphQL
operation name and the member or partner it acts for) held in a context variable, so any log
line written while serving it carries them, and the access line at its end adds status and
duration. The :class:`RedactFilter` sits on the handler, so it covers every logger (ours,
uvicorn's, libraries'): values after ``password``, ``token``, ``secret``, ``authorization``
and the like, and strings shaped like Patron's secrets, are replaced before anything is
written.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

REDACTED = "[redacted]"


@dataclass
class RequestInfo:
    request_id: str
    operation: str | None = None
    member_id: int | None = None
    partner_id: int | None = None


CURRENT: contextvars.ContextVar[RequestInfo | None] = contextvars.ContextVar("patron_request", default=None)


def annotate(*, operation: str | None = None, member_id: int | None = None, partner_id: int | None = None) -> None:
    """Add what became known about the request being served (a no-op outside a request)."""
    info = CURRENT.get()
    if info is None:
        return
    if operation is not None:
        info.operation = operation
    if member_id is not None:
        info.member_id = member_id
    if partner_id is not None:
        info.partner_id = partner_id


# Key names whose values are secrets, wherever they appear (JSON, form, query string, k=v, headers).
_SECRET_KEYS = (
    r"(?:new|current|repeat)?_?password|passwd|(?:api_?|session_?|csrf_?|access_?|refresh_?)?token"
    r"|secret(?:_?key)?|authorization|x-partner-key|partner_?key|api_?key|cookie|set-cookie"
)
_KEY_VALUE = re.compile(
    rf"""(?ix)
    (["']?\b(?:{_SECRET_KEYS})\b["']?\s*[:=]\s*)   # the key and its separator
    (?:"[^"]*"|'[^']*'|(?:bearer\s+)?[^\s&,;'"}}]+)  # the value, quoted or bare
    """
)
_BEARER = re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/=-]+")
_PATRON_SECRET = re.compile(r"\b(?:pt|pk)_[A-Za-z0-9_-]{16,}")  # API tokens and partner keys
# GraphQL echoes a value it cannot coerce ("Variable '$p' has invalid value: String cannot represent …: 123"):
# any variable or argument may be a secret, so everything after the words is dropped.
_VARIABLE_VALUE = re.compile(r"(invalid value|cannot represent[^:\n]*)(.*)$", re.MULTILINE)
_SENSITIVE_EXTRA = re.compile(rf"(?i)^(?:{_SECRET_KEYS})$")


def redact(text: str) -> str:
    """``text`` with every secret-looking value replaced by ``[redacted]``."""
    text = _VARIABLE_VALUE.sub(lambda m: m.group(1) + ": " + REDACTED, text)
    text = _KEY_VALUE.sub(lambda m: m.group(1) + REDACTED, text)
    text = _BEARER.sub("Bearer " + REDACTED, text)
    return _PATRON_SECRET.sub(REDACTED, text)


class RedactFilter(logging.Filter):
    """Render the message once, redact it, and drop sensitive ``extra`` fields (on a handler: all loggers)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: keep the raw text rather than lose the line
            message = str(record.msg)
        record.msg = redact(message)
        record.args = None
        for key in list(vars(record)):
            if key not in _STANDARD and _SENSITIVE_EXTRA.match(key):
                setattr(record, key, REDACTED)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "taskName"}
# Fields the access line and others pass with ``extra=``; written in this order after the basics.
_FIELDS = ("method", "path", "route", "status", "duration_ms", "job", "channel")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the request's fields, then extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        info = CURRENT.get()
        if info is not None:
            entry["request_id"] = info.request_id
            for name in ("operation", "member_id", "partner_id"):
                value = getattr(info, name)
                if value is not None:
                    entry[name] = value
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in entry:
                entry[key] = value if isinstance(value, str | int | float | bool | None) else str(value)
        if record.exc_info or record.exc_text:
            entry["exception"] = record.exc_text or self.formatException(record.exc_info)  # type: ignore[arg-type]
        return json.dumps(entry, ensure_ascii=False, default=str)


class HumanFormatter(logging.Formatter):
    """Development: ``time level logger [request] message key=value…``."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        info = CURRENT.get()
        extras = [f"{k}={getattr(record, k)}" for k in _FIELDS if hasattr(record, k) and k != "path"]
        if info is not None:
            extras.insert(0, f"req={info.request_id}")
            if info.operation:
                extras.append(f"op={info.operation}")
            if info.member_id is not None:
                extras.append(f"member={info.member_id}")
            if info.partner_id is not None:
                extras.append(f"partner={info.partner_id}")
        if not extras:
            return line
        head, sep, tail = line.partition("\n")
        return f"{head} [{' '.join(extras)}]{sep}{tail}"


def configure(*, json_lines: bool, level: int = logging.INFO, stream: Any = None) -> logging.Handler:
    """Send every logger's records to ``stream`` (stderr) as JSON lines or readable text, redacted.

    Replaces the handler an earlier call added (calling it twice is safe; handlers others added,
    such as pytest's, stay) and lets uvicorn's loggers propagate to the root, so its start-up and
    error lines are formatted and redacted the same way.
    """
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if json_lines else HumanFormatter())
    handler.addFilter(RedactFilter())
    handler._patron = True  # type: ignore[attr-defined]
    root = logging.getLogger()
    for old in list(root.handlers):
        if getattr(old, "_patron", False):
            root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
    logging.getLogger("uvicorn.access").disabled = True  # our access line has no query string (reset tokens)
    return handler

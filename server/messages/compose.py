"""Turning an ``email`` outbox row into a MIME message, at the moment it is sent.

The row holds a template name, its parameters and a category (see :mod:`server.messages.emails`);
this module renders both parts in the recipient's language and adds the headers mail clients
act on: a stable ``Message-ID`` per row (a retry after a crash is the same message, so receivers
can drop the copy), and for service and marketing e-mail the RFC 8058 one-click unsubscribe pair.
"""

from __future__ import annotations

import hashlib
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, parseaddr
from typing import Any

from server.core import clock, signing
from server.core.config import get_settings
from server.core.links import public_link
from server.messages import notifications, preferences, rendering
from server.messages.emails import ACCOUNT, MARKETING
from server.models import Member, OutboxMessage
from server.points.program import get_program


def _link(spec: dict[str, str]) -> str:
    """A one-time link from the row's ``{"path", "purpose", "salt"}``: the token is derived now, never stored."""
    return public_link(spec["path"], token=signing.derive_token(spec["purpose"], spec["salt"]))


def _values(row: OutboxMessage, member: Member | None, locale: str) -> tuple[str, dict[str, Any]]:
    """The template to render and everything it may use."""
    payload = row.payload
    category = payload["category"]
    params: dict[str, Any] = dict(payload.get("params") or {})
    values: dict[str, Any] = {
        "programme": get_program().display_name(locale),
        "public_url": get_settings().public_url,
        "name": member.display_name if member else None,
        "category": category,
        "preferences_url": public_link("/preferences"),
        "unsubscribe_url": None,
        "params": params,
        "link": public_link("/dashboard"),
    }
    if category != ACCOUNT and member is not None:
        token = preferences.unsubscribe_token(member.id, category)
        values["unsubscribe_url"] = public_link("/unsubscribe", token=token)
    template = payload["template"]
    if isinstance(params.get("link"), dict):
        values["link"] = _link(params["link"])
    if template == "notification":
        kind, notice = params["kind"], params.get("params") or {}
        values["title"], values["body"] = notifications.render(kind, notice, locale)
        values["params"] = notice
        values["link"] = public_link(notifications.email_path(kind, notice))
        specific = kind.lower()
        template = specific if rendering.exists(specific) else "notification"
    elif template == "email_change_notice":
        values["new_address"] = params["new_address"]
        values["reset_url"] = public_link("/forgot-password")
    return template, values


def sender_address() -> str:
    """The bare address in ``PATRON_MAIL_FROM`` (for the SMTP envelope and Message-ID's domain)."""
    return parseaddr(get_settings().mail_from)[1]


def _from_header(locale: str) -> str:
    configured = get_settings().mail_from
    name, address = parseaddr(configured)
    return configured if name else formataddr((get_program().display_name(locale), address))


def message_id(row: OutboxMessage) -> str:
    """The same for every attempt at one row; unguessable across installations."""
    domain = sender_address().rpartition("@")[2] or "localhost"
    tag = hashlib.sha256(f"{get_settings().secret_key}:message:{row.id}".encode()).hexdigest()[:12]
    return f"<patron.{row.id}.{tag}@{domain}>"


def build(row: OutboxMessage, member: Member | None, to: str, locale: str) -> EmailMessage:
    """The message for ``row``, to ``to``, in ``locale``: text and HTML alternatives."""
    template, values = _values(row, member, locale)
    rendered = rendering.render(template, locale, values)
    message = EmailMessage()
    message["From"] = _from_header(locale)
    message["To"] = to
    message["Subject"] = rendered.subject
    message["Date"] = format_datetime(clock.now())
    message["Message-ID"] = message_id(row)
    message["Auto-Submitted"] = "auto-generated"
    if values["unsubscribe_url"]:
        # RFC 8058: a mail client POSTs "List-Unsubscribe=One-Click" to this URL, no log-in needed.
        message["List-Unsubscribe"] = f"<{values['unsubscribe_url']}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    if values["category"] == MARKETING:
        message["Precedence"] = "bulk"
    message.set_content(rendered.text)
    message.add_alternative(rendered.html, subtype="html")
    message["Content-Language"] = locale  # after the body: setting content clears Content-* headers
    return message

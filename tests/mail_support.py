"""A real SMTP server for the e-mail tests (aiosmtpd on a free port) and helpers to read what it got.

:class:`SmtpServer` runs in its own thread; tests stop and start it on the same port to play an
outage. Messages are parsed with the standard library's ``email`` package, as a mail client
would read them.
"""

from __future__ import annotations

import re
import socket
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

from aiosmtpd.controller import Controller

LINK = re.compile(r"(https?://[^\s<>\"]+?/(?:reset-password|confirm-email|unsubscribe)\?token=[A-Za-z0-9_.\-%]+)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def parse(raw: bytes) -> EmailMessage:
    return BytesParser(policy=policy.default).parsebytes(raw)  # type: ignore[return-value]


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None, "no text/plain part"
    return part.get_content()


def html_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None, "no text/html part"
    return part.get_content()


def link_in(message: EmailMessage, path: str) -> str:
    """The first link to ``path`` in the text part (the HTML part carries the same)."""
    for link in LINK.findall(text_of(message)):
        if f"/{path}?" in link:
            return link
    raise AssertionError(f"no /{path} link in:\n{text_of(message)}")


def token_of(link: str) -> str:
    from urllib.parse import parse_qs, urlparse

    return parse_qs(urlparse(link).query)["token"][0]


class Mailbox:
    """aiosmtpd handler: keeps every accepted message; ``refuse[address]`` answers RCPT with that reply."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.refuse: dict[str, str] = {}

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        reply = self.refuse.get(address.lower())
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.messages.append(parse(envelope.original_content or envelope.content))
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address.lower() in str(m["To"]).lower()]

    def titled(self, address: str, subject: str) -> list[EmailMessage]:
        """Messages to ``address`` with ``subject`` (several messages sent in one pass arrive in any order)."""
        return [m for m in self.to(address) if str(m["Subject"]) == subject]


class SmtpServer:
    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.mailbox = Mailbox()
        self._controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> SmtpServer:
        self._controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


def eml_files(folder: Path) -> list[EmailMessage]:
    """Messages written as .eml files (development, no PATRON_SMTP_URL), oldest first."""
    return [parse(path.read_bytes()) for path in sorted(folder.glob("*.eml"))]

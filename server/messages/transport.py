"""Handing a finished message to the mail server (aiosmtplib), or, in development, to a file.

Outcomes follow SMTP's own split: a refused or dropped connection and 4xx replies are temporary
(try again), a 5xx reply to the recipient or the message is permanent (the address is
undeliverable). A 5xx to our sender address or our log-in is a problem with Patron's settings,
not the member's address, so it is retried until someone fixes the settings.

Without ``PATRON_SMTP_URL`` (development and tests) each message is written as an ``.eml`` file
under ``<var>/mail/`` and the log names the file, so a developer can open what would have gone out.
"""

from __future__ import annotations

import asyncio
import logging
import re
from email.message import EmailMessage
from pathlib import Path

import aiosmtplib

from server.core import clock
from server.core.config import SmtpServer, get_settings
from server.messages.outbox import Outcome

log = logging.getLogger("patron.mail")

TIMEOUT = 30.0  # seconds for connecting and for each SMTP reply


def mail_dir() -> Path:
    return get_settings().var_dir / "mail"


async def send(message: EmailMessage, sender: str, recipient: str, tag: str) -> Outcome:
    """Deliver ``message`` to ``recipient``; ``tag`` names it in file names and logs (the outbox id)."""
    settings = get_settings()
    if settings.smtp is None:
        if settings.production:
            return Outcome.retry("PATRON_SMTP_URL is not set")
        path = await asyncio.to_thread(_write_eml, mail_dir(), message, tag)
        log.info("e-mail %s to %s written to %s", tag, _masked(recipient), path)
        return Outcome.sent()
    return await _send_smtp(settings.smtp, message, sender, recipient, tag)


async def _send_smtp(server: SmtpServer, message: EmailMessage, sender: str, recipient: str, tag: str) -> Outcome:
    try:
        responses, _ = await aiosmtplib.send(
            message,
            sender=sender,
            recipients=[recipient],
            hostname=server.host,
            port=server.port,
            username=server.username,
            password=server.password,
            use_tls=server.implicit_tls,
            start_tls=server.starttls,
            timeout=TIMEOUT,
        )
    except aiosmtplib.SMTPRecipientsRefused as refused:
        codes = [r.code for r in refused.recipients] or [550]
        return _reply(codes[0], "; ".join(r.message for r in refused.recipients), "recipient refused")
    except aiosmtplib.SMTPRecipientRefused as refused:
        return _reply(refused.code, refused.message, "recipient refused")
    except aiosmtplib.SMTPDataError as refused:
        return _reply(refused.code, refused.message, "message refused")
    except (aiosmtplib.SMTPSenderRefused, aiosmtplib.SMTPAuthenticationError) as refused:
        log.error("mail server refused Patron's sender or log-in (%s %s): check PATRON_SMTP_URL/PATRON_MAIL_FROM",
                  refused.code, refused.message)
        return Outcome.retry(f"{refused.code} {refused.message} (sender/log-in refused)", refused.code)
    except aiosmtplib.SMTPResponseException as refused:
        if 400 <= refused.code < 500:
            return Outcome.retry(f"{refused.code} {refused.message}", refused.code)
        return Outcome.retry(f"{refused.code} {refused.message} (session refused)", refused.code)
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as failure:
        # Refused or dropped connections, timeouts, TLS failures: the server may be back soon.
        return Outcome.retry(f"{type(failure).__name__}: {failure}")
    reply = responses.get(recipient)
    if reply is not None and reply.code >= 400:  # partial refusals are reported here rather than raised
        return _reply(reply.code, reply.message, "recipient refused")
    log.info("e-mail %s to %s accepted by %s", tag, _masked(recipient), server.host)
    return Outcome.sent(250)


def _reply(code: int, text: str, what: str) -> Outcome:
    detail = f"{code} {text} ({what})"
    if 500 <= code < 600:
        return Outcome.give_up(detail, code)
    return Outcome.retry(detail, code)


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def _write_eml(folder: Path, message: EmailMessage, tag: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    stamp = clock.now().strftime("%Y%m%dT%H%M%S")
    path = folder / f"{stamp}-{_UNSAFE.sub('_', tag)}.eml"
    path.write_bytes(message.as_bytes())
    return path


def _masked(address: str) -> str:
    """Logs name the recipient without spelling out their address: l***@example.com."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain}"

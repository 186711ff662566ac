"""What ``patron mail`` shows operators: a test message through the real settings, and the queue."""

from __future__ import annotations

from datetime import timedelta

from server.core import clock
from server.core.config import get_settings
from server.core.validation import normalise_email
from server.messages import compose, transport
from server.messages.emails import ACCOUNT, CHANNEL
from server.messages.outbox import Outcome
from server.models import Member, OutboxMessage, OutboxStatus


async def send_test(email: str, locale: str = "en") -> Outcome:
    """Render and send the ``test`` message to ``email`` right away (no outbox: this is a settings check)."""
    address = normalise_email(email)
    row = OutboxMessage(id=0, channel=CHANNEL, payload={"template": "test", "category": ACCOUNT, "params": {}})
    message = compose.build(row, None, address, locale if locale in ("en", "zh-CN") else "en")
    return await transport.send(message, compose.sender_address(), address, "test")


async def status() -> list[str]:
    settings = get_settings()
    since = clock.now() - timedelta(hours=24)
    mail = OutboxMessage.filter(channel=CHANNEL)
    pending = await mail.filter(status=OutboxStatus.PENDING).count()
    retrying = await mail.filter(status=OutboxStatus.PENDING, attempts__gt=0).count()
    sent = await mail.filter(status=OutboxStatus.SENT, sent_at__gte=since).count()
    failed = await mail.filter(status=OutboxStatus.FAILED, created_at__gte=since).count()
    undeliverable = await Member.filter(email_undeliverable_at__isnull=False).count()
    target = f"{settings.smtp.host}:{settings.smtp.port}" if settings.smtp else f"files in {transport.mail_dir()}"
    return [
        f"delivery\t{target}",
        f"waiting\t{pending} ({retrying} after a failed attempt)",
        f"sent (24 h)\t{sent}",
        f"failed (24 h)\t{failed}",
        f"undeliverable addresses\t{undeliverable}",
    ]

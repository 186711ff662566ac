"""Webhook tests post to a real local HTTP receiver; the webhook channel is registered as patron serve does."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import server.webhooks.jobs  # noqa: F401  (registers the webhook channel, as patron serve does)
from tests.webhooks.receiver import Receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver().start()
    try:
        yield running
    finally:
        running.stop()

"""Fixed-window request counters behind :mod:`server.core.ratelimit`."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class RateLimitWindow(Model):
    """Requests counted per key and fixed window (password-reset links per address, per IP…)."""

    id = fields.BigIntField(primary_key=True)
    key = fields.CharField(max_length=191)
    window_start = fields.DatetimeField()
    count = fields.IntField(default=0)

    class Meta:
        table = "rate_limit_window"
        unique_together = (("key", "window_start"),)
        indexes = (("window_start",),)

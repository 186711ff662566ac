"""Links Patron hands out (e-mails, share links): always on ``PATRON_PUBLIC_URL``."""

from __future__ import annotations

from urllib.parse import urlencode

from server.core.config import get_settings


def public_link(path: str, **query: str) -> str:
    """``PATRON_PUBLIC_URL`` + ``path`` (+ the query, encoded); ``path`` starts with ``/``."""
    url = get_settings().public_url + path
    return f"{url}?{urlencode(query)}" if query else url

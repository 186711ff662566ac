"""GraphQL over HTTP at /graphql: media types in and out, and the cookie-session CSRF rule.

Pure functions over header values, so the view (``schema/endpoint.py``) stays a thin adapter and
each rule is decided in exactly one place.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable, Mapping
from email.message import Message
from urllib.parse import urlsplit

JSON = "application/json"
GRAPHQL_RESPONSE = "application/graphql-response+json"
REQUEST_MEDIA_TYPES = (JSON, GRAPHQL_RESPONSE)
CSRF_HEADER = "x-csrf-token"
UNSUPPORTED_MEDIA = "Send GraphQL requests as application/json (UTF-8)."


def _media_type(header: str) -> tuple[str, dict[str, str]]:
    """The lower-cased ``type/subtype`` of a Content-Type value and its parameters (RFC 9110 syntax)."""
    message = Message()
    message["content-type"] = header
    if message.get_content_type() == "text/plain" and not header.strip().lower().startswith("text/plain"):
        return "", {}  # the email parser's fallback for a malformed value
    params = {key.lower(): value for key, value in message.get_params(failobj=[])[1:]}
    return message.get_content_type(), params


def request_media_refusal(content_type: str | None) -> str | None:
    """Why a POST body of ``content_type`` is refused (a 415), or None when it is JSON.

    The media type is parsed, never substring-matched: ``text/plain;application/json`` (which a
    page on another site may send without a CORS preflight) is text/plain. Parameters are
    allowed; a charset other than UTF-8 is refused, as JSON is UTF-8.
    """
    media, params = _media_type(content_type or "")
    if media not in REQUEST_MEDIA_TYPES:
        return UNSUPPORTED_MEDIA
    if params.get("charset", "utf-8").lower() not in ("utf-8", "utf8"):
        return UNSUPPORTED_MEDIA
    return None


def response_media_type(accept: str | None) -> str:
    """``application/graphql-response+json`` when the client prefers it, else ``application/json``.

    No Accept header, ``*/*`` or ``application/*`` mean application/json (the GraphQL-over-HTTP
    spec's rule for legacy clients); on a tie the newer media type wins.
    """
    best = {JSON: 0.0, GRAPHQL_RESPONSE: 0.0}
    for part in (accept or "").split(","):
        media, _, rest = part.partition(";")
        media = media.strip().lower()
        quality = 1.0
        for param in rest.split(";"):
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if media in (JSON, "application/*", "*/*"):
            best[JSON] = max(best[JSON], quality)
        if media == GRAPHQL_RESPONSE:
            best[GRAPHQL_RESPONSE] = max(best[GRAPHQL_RESPONSE], quality)
    return GRAPHQL_RESPONSE if best[GRAPHQL_RESPONSE] > 0 and best[GRAPHQL_RESPONSE] >= best[JSON] else JSON


def _cross_site(headers: Mapping[str, str], own_hosts: Iterable[str]) -> bool:
    """Whether the browser says this request comes from a page on another site (or another origin)."""
    fetch_site = headers.get("sec-fetch-site", "").strip().lower()
    if fetch_site in ("cross-site", "same-site"):
        return True
    origin = headers.get("origin")
    if origin is None:
        return False
    try:
        netloc = urlsplit(origin.strip()).netloc.lower()
    except ValueError:
        return True
    return not netloc or netloc not in {host.lower() for host in own_hosts}


def session_csrf_refusal(
    headers: Mapping[str, str], session_csrf_token: str | None, own_hosts: Iterable[str]
) -> str | None:
    """Why a mutation whose only credential is the portal's session cookie is refused, or None.

    A browser attaches the cookie to requests a page on another site makes, so the cookie alone
    proves nothing. Such a mutation needs the session's CSRF token in ``X-CSRF-Token`` (the
    token the portal puts in its pages), and is refused whenever ``Origin`` or
    ``Sec-Fetch-Site`` says another site or origin, token or not. Callers with a bearer token or
    a partner key never get here: a page on another site cannot set those headers without a
    CORS preflight, which Patron does not grant.
    """
    if _cross_site(headers, own_hosts):
        return "Cross-site requests may not change anything with the session cookie."
    sent = headers.get(CSRF_HEADER, "")
    if not (session_csrf_token and sent and _same(sent, session_csrf_token)):
        return f"A mutation signed in by the session cookie needs the session's CSRF token in {CSRF_HEADER}."
    return None


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass"))

"""A fuzz pass over the whole HTTP surface: no 5xx, and the security headers on every answer.

Hypothesis drives three generators through the app over HTTP (in-process ASGI):

- GraphQL documents built from the exported schema by hypothesis-graphql (valid queries and
  mutations with arbitrary argument values, and invalid ones), sent by an anonymous caller, a
  member's bearer token, a partner key, staff, or the portal's session cookie with its CSRF
  token, asking for either GraphQL-over-HTTP media type;
- raw requests to /graphql: arbitrary bytes and JSON under arbitrary content types, and GETs
  with arbitrary parameters;
- portal URLs with arbitrary path segments and query strings, GET and POST.

The default budget (``FUZZ_EXAMPLES`` per generator) keeps `make test` quick; the
``fuzz_large`` tests run the same generators with ``FUZZ_LARGE_EXAMPLES`` each, only when chosen:
``.venv/bin/python -m pytest -m fuzz_large tests/test_fuzz.py``.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import UTC
from urllib.parse import quote

import httpx
import hypothesis_graphql
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import nodes

from schema.api import SCHEMA_FILE
from tests.rewards_portal_support import member_browser
from tests.support import Api

FUZZ_EXAMPLES = 80
FUZZ_LARGE_EXAMPLES = 1500
SECURITY_HEADERS = ("x-content-type-options", "referrer-policy", "x-frame-options", "content-security-policy")
ACCEPT = st.sampled_from([None, "application/json", "application/graphql-response+json", "*/*", "text/html"])


def _text_or(valid: st.SearchStrategy[str]) -> st.SearchStrategy:
    """Mostly well-formed scalar text, sometimes anything at all."""
    return st.one_of(valid, valid, st.text(max_size=30)).map(nodes.String)


SCALARS = {
    "Decimal": _text_or(st.from_regex(r"[0-9]{1,12}(\.[0-9]{1,3})?", fullmatch=True)),
    "Date": _text_or(st.dates().map(lambda d: d.isoformat())),
    "DateTime": _text_or(st.datetimes(timezones=st.just(UTC)).map(lambda d: d.isoformat())),
}
SDL = SCHEMA_FILE.read_text(encoding="utf-8")
DOCUMENTS = st.one_of(
    hypothesis_graphql.queries(SDL, custom_scalars=SCALARS),
    hypothesis_graphql.mutations(SDL, custom_scalars=SCALARS),
    hypothesis_graphql.from_schema(SDL, custom_scalars=SCALARS, mode=hypothesis_graphql.Mode.NEGATIVE),
)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
REQUEST_KEYS = st.sampled_from(["query", "variables", "operationName", "extensions", "qeury"])
RAW_BODIES = st.one_of(
    st.binary(max_size=400),
    JSON_VALUES.map(lambda v: json.dumps(v).encode()),
    st.dictionaries(REQUEST_KEYS, JSON_VALUES, max_size=4).map(lambda v: json.dumps(v).encode()),
)
CONTENT_TYPES = st.sampled_from(
    ["application/json", "application/json; charset=utf-8", "application/graphql-response+json", "text/plain",
     "text/plain;application/json", "application/x-www-form-urlencoded", "multipart/form-data", ""]
)
PORTAL_PREFIXES = st.sampled_from(
    ["/", "/dashboard", "/points", "/catalog", "/catalog/", "/redemptions/", "/reviews/s/", "/reviews/new",
     "/reviews/mine", "/referrals", "/notifications", "/profile", "/login", "/signup", "/static/", "/graphql"]
)
SEGMENTS = st.text(max_size=24).map(lambda s: quote(s, safe=""))
QUERY_STRINGS = st.dictionaries(st.text(max_size=8), st.text(max_size=24), max_size=3)

Send = Callable[[str, dict], Awaitable[httpx.Response]]
FUZZ_SETTINGS = {
    "deadline": None,
    "database": None,
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
}


def assert_safe(response: httpx.Response) -> None:
    assert response.status_code < 500, (response.status_code, response.request.url, response.text[:500])
    for header in SECURITY_HEADERS:
        assert header in response.headers, (header, response.status_code, response.request.url)
    assert len(response.headers.get("x-request-id", "")) == 16


@pytest.fixture
async def callers(app, api: Api, http: httpx.AsyncClient):
    """One sender per kind of caller; the cookie sender is a portal browser with its session and token."""
    member, partner, staff = await api.member(), await api.partner(), await api.staff()
    async with member_browser(app, api) as (browser, _):

        def by_headers(headers: dict[str, str]) -> Send:
            async def send(body: str, extra: dict) -> httpx.Response:
                merged = {"content-type": "application/json", **headers, **extra}
                return await http.post("/graphql", content=body, headers=merged)

            return send

        async def by_cookie(body: str, extra: dict) -> httpx.Response:
            headers = {"content-type": "application/json", "x-csrf-token": browser.csrf, **extra}
            return await browser.client.post("/graphql", content=body, headers=headers)

        yield [by_headers({}), by_headers(member.headers), by_headers(partner.headers), by_headers(staff.headers),
               by_cookie]


async def _graphql(callers: list[Send], document: str, who: int, accept: str | None) -> None:
    headers = {"accept": accept} if accept else {}
    response = await callers[who](json.dumps({"query": document}), headers)
    assert_safe(response)


async def _raw(http: httpx.AsyncClient, body: bytes, content_type: str, as_get: bool, params: dict) -> None:
    if as_get:
        response = await http.get("/graphql", params=params)
    else:
        headers = {"content-type": content_type} if content_type else {}
        response = await http.post("/graphql", content=body, headers=headers)
    assert_safe(response)


async def _portal(http: httpx.AsyncClient, prefix: str, segment: str, query: dict, post: bool) -> None:
    url = prefix + segment
    response = await (http.post(url, data=query) if post else http.get(url, params=query))
    assert_safe(response)


# -- the default budget (make test) -------------------------------------------------------------


@settings(max_examples=FUZZ_EXAMPLES, **FUZZ_SETTINGS)
@given(document=DOCUMENTS, who=st.integers(0, 4), accept=ACCEPT)
async def test_fuzz_graphql_documents(callers, document: str, who: int, accept: str | None) -> None:
    await _graphql(callers, document, who, accept)


@settings(max_examples=FUZZ_EXAMPLES, **FUZZ_SETTINGS)
@given(body=RAW_BODIES, content_type=CONTENT_TYPES, as_get=st.booleans(), params=QUERY_STRINGS)
async def test_fuzz_raw_graphql_requests(http, body: bytes, content_type: str, as_get: bool, params: dict) -> None:
    await _raw(http, body, content_type, as_get, params)


@settings(max_examples=FUZZ_EXAMPLES, **FUZZ_SETTINGS)
@given(prefix=PORTAL_PREFIXES, segment=SEGMENTS, query=QUERY_STRINGS, post=st.booleans())
async def test_fuzz_portal_urls(http, prefix: str, segment: str, query: dict, post: bool) -> None:
    await _portal(http, prefix, segment, query, post)


# -- the large budget (-m fuzz_large) -------------------------------------------------------------


@pytest.mark.fuzz_large
@settings(max_examples=FUZZ_LARGE_EXAMPLES, **FUZZ_SETTINGS)
@given(document=DOCUMENTS, who=st.integers(0, 4), accept=ACCEPT)
async def test_fuzz_graphql_documents_large(callers, document: str, who: int, accept: str | None) -> None:
    await _graphql(callers, document, who, accept)


@pytest.mark.fuzz_large
@settings(max_examples=FUZZ_LARGE_EXAMPLES, **FUZZ_SETTINGS)
@given(body=RAW_BODIES, content_type=CONTENT_TYPES, as_get=st.booleans(), params=QUERY_STRINGS)
async def test_fuzz_raw_graphql_requests_large(
    http, body: bytes, content_type: str, as_get: bool, params: dict
) -> None:
    await _raw(http, body, content_type, as_get, params)


@pytest.mark.fuzz_large
@settings(max_examples=FUZZ_LARGE_EXAMPLES, **FUZZ_SETTINGS)
@given(prefix=PORTAL_PREFIXES, segment=SEGMENTS, query=QUERY_STRINGS, post=st.booleans())
async def test_fuzz_portal_urls_large(http, prefix: str, segment: str, query: dict, post: bool) -> None:
    await _portal(http, prefix, segment, query, post)

"""The HTTP surface: how /graphql answers bad requests, headers on every response, static caching.

GraphQL-over-HTTP rules (malformed JSON, oversize bodies, mutations over GET, non-JSON bodies)
are answered before any resolver runs, with a 4xx status and no stack trace.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from server.app import create_app
from server.core.config import load_settings
from server.http import MAX_BODY
from server.models import Member
from tests.support import SIGN_UP

VIEWER = "{ viewer { email } }"
PROGRAM = "{ program { currency } }"
LOG_OUT = "mutation { logOut { ok } }"
SIGN_UP_VARIABLES = {
    "input": {"email": "get@example.com", "password": "long-enough-pw", "displayName": "Get"},
}


@pytest.fixture
async def production_http(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    settings = load_settings({"PATRON_ENV": "production", "PATRON_SECRET_KEY": "p" * 48, "DATABASE_URL": database_url})
    transport = httpx.ASGITransport(app=create_app(settings, manage_db=False))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@pytest.fixture
async def development_http(database_url: str, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    settings = load_settings(
        {"PATRON_ENV": "development", "PATRON_VAR_DIR": str(tmp_path), "DATABASE_URL": database_url}
    )
    transport = httpx.ASGITransport(app=create_app(settings, manage_db=False))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


def _assert_no_internals(text: str) -> None:
    assert "Traceback" not in text
    assert "File \"" not in text


async def test_malformed_json_is_a_400(http: httpx.AsyncClient) -> None:
    response = await http.post("/graphql", content=b'{"query": "{ viewer', headers={"content-type": "application/json"})

    assert response.status_code == 400
    _assert_no_internals(response.text)


@pytest.mark.parametrize(
    "body",
    [
        b"[]",
        b'[{"query": "{ viewer { email } }"}]',
        b'"just a string"',
        b"42",
        b"null",
        b'{"query": 5}',
        b'{"query": "{ viewer { email } }", "variables": "x"}',
        b'{"query": "\xff\xfe"}',
    ],
    ids=["empty-batch", "batch", "string", "number", "null", "query-not-string", "variables-not-object", "not-utf8"],
)
async def test_json_that_is_not_a_graphql_request_is_a_400(http: httpx.AsyncClient, body: bytes) -> None:
    response = await http.post("/graphql", content=body, headers={"content-type": "application/json"})

    assert response.status_code == 400, response.text
    _assert_no_internals(response.text)


async def test_body_over_one_mebibyte_is_a_413_when_declared(http: httpx.AsyncClient) -> None:
    query = "{ viewer { email } }" + " " * MAX_BODY

    response = await http.post("/graphql", json={"query": query})

    assert response.status_code == 413


async def test_body_over_one_mebibyte_is_a_413_when_streamed_without_length(http: httpx.AsyncClient) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"query": "{ viewer { email } }", "pad": "'
        for _ in range(12):
            yield b"x" * 100_000
        yield b'"}'

    response = await http.post("/graphql", content=chunks(), headers={"content-type": "application/json"})

    assert "content-length" not in response.request.headers
    assert response.status_code == 413


async def test_body_just_under_the_limit_is_served(http: httpx.AsyncClient) -> None:
    query = "{ viewer { email } }" + " " * (MAX_BODY - 200)

    response = await http.post("/graphql", json={"query": query})

    assert response.status_code == 200
    assert response.json() == {"data": {"viewer": None}}


async def test_mutation_over_get_is_refused_and_changes_nothing(http: httpx.AsyncClient) -> None:
    import json

    response = await http.get("/graphql", params={"query": SIGN_UP, "variables": json.dumps(SIGN_UP_VARIABLES)})

    assert response.status_code in (400, 405)
    assert "mutation" in response.text.lower()
    assert await Member.filter(email="get@example.com").count() == 0


async def test_query_over_get_is_allowed(http: httpx.AsyncClient) -> None:
    response = await http.get("/graphql", params={"query": PROGRAM})

    assert response.status_code == 200
    assert response.json() == {"data": {"program": {"currency": "CNY"}}}


@pytest.mark.parametrize(
    "kwargs",
    [
        {"data": {"query": LOG_OUT}},
        {"files": {"operations": (None, '{"query": "mutation { logOut { ok } }"}')}},
        {"content": LOG_OUT.encode(), "headers": {"content-type": "text/plain"}},
        {"content": LOG_OUT.encode(), "headers": {"content-type": "application/graphql"}},
    ],
    ids=["urlencoded-form", "multipart", "text-plain", "application-graphql"],
)
async def test_post_without_a_json_body_is_refused(http: httpx.AsyncClient, kwargs: dict) -> None:
    response = await http.post("/graphql", **kwargs)

    assert response.status_code == 415
    assert "application/json" in response.text


async def test_every_response_carries_security_headers_and_a_request_id(http: httpx.AsyncClient) -> None:
    responses = [
        await http.post("/graphql", json={"query": VIEWER}),
        await http.post("/graphql", content=b"{", headers={"content-type": "application/json"}),
        await http.post("/graphql", content=b"x" * (MAX_BODY + 1), headers={"content-type": "application/json"}),
        await http.get("/"),
    ]

    for response in responses:
        headers = response.headers
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "strict-origin-when-cross-origin"
        assert headers["x-frame-options"] == "DENY"
        csp = headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert len(headers["x-request-id"]) == 16
    assert len({r.headers["x-request-id"] for r in responses}) == len(responses)


async def test_production_adds_hsts_and_development_does_not(
    production_http: httpx.AsyncClient, http: httpx.AsyncClient
) -> None:
    production = await production_http.post("/graphql", json={"query": VIEWER})
    test = await http.post("/graphql", json={"query": VIEWER})

    assert production.headers["strict-transport-security"].startswith("max-age=")
    assert "strict-transport-security" not in test.headers


async def test_graphiql_is_served_in_development_only(
    development_http: httpx.AsyncClient, production_http: httpx.AsyncClient, http: httpx.AsyncClient
) -> None:
    accept = {"accept": "text/html"}

    development = await development_http.get("/graphql", headers=accept)
    production = await production_http.get("/graphql", headers=accept)
    test = await http.get("/graphql", headers=accept)

    assert development.status_code == 200
    assert "graphiql" in development.text.lower()
    assert production.status_code == 404 and "graphiql" not in production.text.lower()
    assert test.status_code == 404
    # The looser policy GraphiQL needs never leaks to production responses.
    assert "unsafe-inline" not in production.headers["content-security-policy"]


async def test_static_files_are_served_with_cache_headers(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import server.app

    (tmp_path / "site.css").write_text("body { color: #222; }")
    monkeypatch.setattr(server.app, "STATIC_DIR", tmp_path)
    app = create_app(load_settings(), manage_db=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        found = await client.get("/static/site.css")
        missing = await client.get("/static/nope.css")

    assert found.status_code == 200
    assert found.text == "body { color: #222; }"
    assert "max-age=" in found.headers["cache-control"]
    assert found.headers.get("etag") and found.headers.get("last-modified")
    assert missing.status_code == 404
    assert "max-age" not in missing.headers.get("cache-control", "")


async def test_real_static_directory_files_are_cached(http: httpx.AsyncClient) -> None:
    from server.app import STATIC_DIR

    files = sorted(p for p in STATIC_DIR.rglob("*") if p.is_file())
    if not files:
        pytest.skip("static/ holds no files yet")
    response = await http.get("/static/" + files[0].relative_to(STATIC_DIR).as_posix())

    assert response.status_code == 200
    assert "max-age=" in response.headers["cache-control"]

"""GraphQL execution rules: depth, alias and token limits, error masking, production hardening."""

from __future__ import annotations

import functools
import logging
from collections.abc import AsyncIterator

import httpx
import pytest
from strawberry.extensions import SchemaExtension

import schema.program.types
from schema.api import MAX_ALIASES, MAX_DEPTH, MAX_TOKENS, build_schema, get_schema
from server.app import create_app
from server.core.config import load_settings

PROGRAM = "{ program { currency checkInPoints } }"
INTROSPECTION = "{ __schema { queryType { name } } }"
TYPE_INTROSPECTION = '{ __type(name: "Member") { name } }'
# The contract has no cycles deep enough, so the over-deep query names made-up fields: the depth
# rule looks at the document's shape and must refuse it whatever else is wrong with it.
DEEP = "{ viewer { " + "".join(f"f{i} {{ " for i in range(MAX_DEPTH)) + "x" + " }" * MAX_DEPTH + " } }"
MISTAKES = {
    "field": "{ viewr { email } }",
    "argument": "{ benefits(firs: 1) { totalCount } }",
    "enum value": 'mutation { moderateReview(reviewId: "x", decision: PUBLISHH) { userErrors { code } } }',
    "input field": 'mutation { signUp(input: {emial: "a@b.c", password: "x", displayName: "x"}) { token } }',
    "type": "query Q($x: Strin) { program { currency } }",
}


@pytest.fixture
async def production_http(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    settings = load_settings({"PATRON_ENV": "production", "PATRON_SECRET_KEY": "p" * 48, "DATABASE_URL": database_url})
    transport = httpx.ASGITransport(app=create_app(settings, manage_db=False))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def _errors(http: httpx.AsyncClient, query: str) -> list[str]:
    response = await http.post("/graphql", json={"query": query})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body.get("data") is None
    return [e["message"] for e in body["errors"]]


async def test_query_deeper_than_the_limit_is_refused(http: httpx.AsyncClient) -> None:
    messages = await _errors(http, DEEP)

    assert any(f"exceeds maximum operation depth of {MAX_DEPTH}" in m for m in messages), messages


async def test_query_within_the_depth_limit_runs(http: httpx.AsyncClient) -> None:
    response = await http.post("/graphql", json={"query": "{ __schema { types { fields { type { name } } } } }"})

    assert response.status_code == 200
    assert "errors" not in response.json()


async def test_too_many_aliases_are_refused(http: httpx.AsyncClient) -> None:
    query = "{ " + " ".join(f"p{i}: program {{ currency }}" for i in range(MAX_ALIASES + 1)) + " }"

    messages = await _errors(http, query)

    assert messages == [f"{MAX_ALIASES + 1} aliases found. Allowed: {MAX_ALIASES}"]


async def test_aliases_up_to_the_limit_run(http: httpx.AsyncClient) -> None:
    query = "{ " + " ".join(f"p{i}: program {{ currency }}" for i in range(MAX_ALIASES)) + " }"

    response = await http.post("/graphql", json={"query": query})

    assert len(response.json()["data"]) == MAX_ALIASES


async def test_too_many_tokens_are_refused_without_echoing_the_document(
    http: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    query = "{ " + "program { currency } " * (MAX_TOKENS // 4 + 1) + "}"

    messages = await _errors(http, query)

    assert len(messages) == 1 and "more than 4000 tokens" in messages[0]
    # The refusal is logged as one short line, not with the whole document quoted.
    assert all(len(r.getMessage()) < 400 for r in caplog.records), max(len(r.getMessage()) for r in caplog.records)


async def test_unexpected_error_is_masked_and_logged_with_the_request_id(
    http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken() -> None:
        raise RuntimeError("connection to 10.0.0.7 refused: secret-internal-detail")

    monkeypatch.setattr(schema.program.types, "get_program", broken)
    caplog.set_level(logging.INFO, logger="patron.graphql")

    response = await http.post("/graphql", json={"query": PROGRAM})

    assert response.status_code == 200
    request_id = response.headers["x-request-id"]
    body = response.json()
    assert body["data"] is None
    assert body["errors"][0]["message"] == f"Unexpected error (request {request_id})."
    assert body["errors"][0]["path"] == ["program"]
    assert "secret-internal-detail" not in response.text
    assert "RuntimeError" not in response.text and "Traceback" not in response.text
    assert "extensions" not in body["errors"][0]
    logged = [r for r in caplog.records if r.name == "patron.graphql" and request_id in r.getMessage()]
    assert len(logged) == 1
    assert logged[0].levelno == logging.ERROR
    assert logged[0].exc_info and "secret-internal-detail" in str(logged[0].exc_info[1])


async def test_graphql_errors_of_the_client_are_not_masked(http: httpx.AsyncClient) -> None:
    messages = await _errors(http, "{ program { qqqq } }")  # no field name is close enough to suggest

    assert messages == ["Cannot query field 'qqqq' on type 'Program'."]


async def test_introspection_works_outside_production(http: httpx.AsyncClient) -> None:
    response = await http.post("/graphql", json={"query": INTROSPECTION})

    assert response.json() == {"data": {"__schema": {"queryType": {"name": "Query"}}}}


@pytest.mark.parametrize("query", [INTROSPECTION, TYPE_INTROSPECTION], ids=["__schema", "__type"])
async def test_introspection_is_off_in_production(production_http: httpx.AsyncClient, query: str) -> None:
    messages = await _errors(production_http, query)

    assert any("introspection has been disabled" in m for m in messages), messages


async def test_production_app_still_answers_ordinary_queries(production_http: httpx.AsyncClient) -> None:
    response = await production_http.post("/graphql", json={"query": PROGRAM})

    assert response.json()["data"]["program"]["currency"] == "CNY"


@pytest.mark.parametrize("kind", sorted(MISTAKES))
async def test_development_errors_suggest_names(http: httpx.AsyncClient, kind: str) -> None:
    messages = await _errors(http, MISTAKES[kind])

    assert any("Did you mean" in m for m in messages), messages


@pytest.mark.parametrize("kind", sorted(MISTAKES))
async def test_production_errors_never_suggest_names(production_http: httpx.AsyncClient, kind: str) -> None:
    messages = await _errors(production_http, MISTAKES[kind])

    assert messages
    assert not any("Did you mean" in m or "mean" in m.lower() for m in messages), messages


async def test_production_schema_object_disables_introspection_and_suggestions() -> None:
    production = build_schema(production=True)

    introspection = await production.execute(INTROSPECTION)
    mistake = await production.execute(MISTAKES["argument"])

    assert introspection.errors and "introspection" in introspection.errors[0].message
    assert mistake.errors and all("Did you mean" not in e.message for e in mistake.errors)


def test_extensions_are_classes_or_factories_never_shared_instances() -> None:
    for production in (False, True):
        extensions = get_schema(production=production).extensions

        assert len(extensions) >= 5
        for extension in extensions:
            assert not isinstance(extension, SchemaExtension), extension
            assert isinstance(extension, type | functools.partial), extension
            made_twice = [extension(), extension()] if isinstance(extension, functools.partial) else []
            assert made_twice == [] or made_twice[0] is not made_twice[1]


async def test_validation_runs_once_per_distinct_document(
    http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    import strawberry.schema.schema as strawberry_schema

    validations: list[object] = []
    real_validate = strawberry_schema.validate

    def counting_validate(*args, **kwargs):  # type: ignore[no-untyped-def]
        validations.append(args[1])
        return real_validate(*args, **kwargs)

    monkeypatch.setattr(strawberry_schema, "validate", counting_validate)
    query = "{ cacheProbe: program { currency } }"

    first = await http.post("/graphql", json={"query": query})
    second = await http.post("/graphql", json={"query": query})

    assert first.json() == second.json() == {"data": {"cacheProbe": {"currency": "CNY"}}}
    assert len(validations) == 1, "the limits' validation rules must stay cacheable (same rule classes per request)"

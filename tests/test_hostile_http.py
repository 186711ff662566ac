"""What a hostile or careless HTTP client sends to /graphql gets a clear, safe answer.

Deeply nested bodies, failures in any layer, Content-Type tricks, the GraphQL-over-HTTP media
types (graphql-http's audit, kept here as Python tests), and mutations that only carry the
portal's session cookie. Every case goes through HTTP, and every answer carries the security
headers and a request id.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest

from schema.endpoint import PatronGraphQL
from server.models import Member
from tests.rewards_portal_support import member_browser
from tests.support import Api

GRAPHQL_RESPONSE = "application/graphql-response+json"
TYPENAME = json.dumps({"query": "{ __typename }"})
UPDATE_NAME = """
mutation($n: String!) { updateProfile(input: {displayName: $n}) { member { displayName } userErrors { code } } }
"""
JSON = {"content-type": "application/json"}
SECURITY_HEADERS = ("x-content-type-options", "referrer-policy", "x-frame-options", "content-security-policy")


def assert_guarded(response: httpx.Response) -> None:
    """The security headers and a request id, whatever the status."""
    for header in SECURITY_HEADERS:
        assert header in response.headers, (response.status_code, header)
    assert len(response.headers["x-request-id"]) == 16
    assert "Traceback" not in response.text


def nested_json(depth: int) -> bytes:
    return b'{"query": "{ __typename }", "variables": {"v": ' + b"[" * depth + b"]" * depth + b"}}"


# -- deeply nested JSON and failures in any layer --------------------------------------------------


@pytest.mark.parametrize("depth", [1_000, 5_000, 100_000])
async def test_deeply_nested_json_is_a_400_with_a_clear_message(http: httpx.AsyncClient, depth: int) -> None:
    response = await http.post("/graphql", content=nested_json(depth), headers=JSON)

    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == "The request body is nested too deeply."
    assert_guarded(response)


async def test_a_failure_in_any_layer_answers_500_with_headers_and_request_id(
    http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # given a bug below strawberry's own error handling (building the request context)
    async def broken(self, request, response):
        raise RuntimeError("secret-internal-detail")

    monkeypatch.setattr(PatronGraphQL, "get_context", broken)
    # when a client calls the API
    response = await http.post("/graphql", content=TYPENAME, headers=JSON)
    # then it gets a 500 that names the request id, carries the headers and hides the detail
    assert response.status_code == 500
    assert_guarded(response)
    request_id = response.headers["x-request-id"]
    assert response.text == f"Unexpected error (request {request_id})."
    assert "secret-internal-detail" not in response.text
    assert any(request_id in r.getMessage() and r.exc_info for r in caplog.records)


async def test_413_400_and_415_carry_the_headers(http: httpx.AsyncClient) -> None:
    too_large = await http.post("/graphql", content=b"x" * (1024 * 1024 + 1), headers=JSON)
    malformed = await http.post("/graphql", content=b"{", headers=JSON)
    wrong_type = await http.post("/graphql", content=TYPENAME, headers={"content-type": "text/plain"})

    assert [r.status_code for r in (too_large, malformed, wrong_type)] == [413, 400, 415]
    for response in (too_large, malformed, wrong_type):
        assert_guarded(response)


@pytest.mark.server
async def test_a_nested_body_leaves_the_connection_serving_the_next_request(launch) -> None:
    """Over a real server: the request after a hostile one on the same keep-alive connection is answered."""
    server = await launch()
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    async with httpx.AsyncClient(base_url=server.url, limits=limits, timeout=30) as client:
        for _ in range(5):
            hostile = await client.post("/graphql", content=nested_json(2_000), headers=JSON)
            after = await client.post("/graphql", content=TYPENAME, headers=JSON)
            assert hostile.status_code == 400 and after.status_code == 200
            assert after.json() == {"data": {"__typename": "Query"}}
            assert_guarded(hostile)
    assert "Exception in ASGI application" not in server.log_tail(400)


# -- Content-Type, parsed as a media type ---------------------------------------------------------


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain;application/json",  # a type a page on another site may send without a preflight
        "text/plain",
        "application/json-seq",
        "application/jsonx",
        "application/x-www-form-urlencoded; a=application/json",
        "application/json; charset=latin-1",
        "",
    ],
)
async def test_a_body_that_is_not_declared_json_is_a_415(http: httpx.AsyncClient, content_type: str) -> None:
    headers = {"content-type": content_type} if content_type else {}
    response = await http.post("/graphql", content=TYPENAME, headers=headers)

    assert response.status_code == 415, response.text
    assert "application/json" in response.json()["errors"][0]["message"]
    assert_guarded(response)


@pytest.mark.parametrize(
    "content_type",
    ["application/json", "Application/JSON; charset=UTF-8", "application/json;charset=utf-8", GRAPHQL_RESPONSE],
)
async def test_json_media_types_with_parameters_are_served(http: httpx.AsyncClient, content_type: str) -> None:
    response = await http.post("/graphql", content=TYPENAME, headers={"content-type": content_type})

    assert response.status_code == 200
    assert response.json() == {"data": {"__typename": "Query"}}


# -- GraphQL over HTTP: media types and status codes (graphql-http's audit) -------------------------


async def _post(http: httpx.AsyncClient, body: dict, accept: str | None) -> httpx.Response:
    headers = {**JSON, **({"accept": accept} if accept else {})}
    return await http.post("/graphql", content=json.dumps(body), headers=headers)


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        (GRAPHQL_RESPONSE, GRAPHQL_RESPONSE),
        ("application/json", "application/json"),
        ("*/*", "application/json"),
        (None, "application/json"),
        (f"application/json;q=0.5, {GRAPHQL_RESPONSE}", GRAPHQL_RESPONSE),
        (f"{GRAPHQL_RESPONSE};q=0.2, application/json", "application/json"),
    ],
)
async def test_the_answer_comes_in_the_media_type_the_client_prefers(
    http: httpx.AsyncClient, accept: str | None, media_type: str
) -> None:
    response = await _post(http, {"query": "{ __typename }"}, accept)

    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type
    assert "charset=utf-8" in response.headers["content-type"]


REQUEST_ERRORS = {
    "parse": {"query": "{"},
    "validation": {"query": "{ noSuchField }"},
    "coercion": {"query": "query($id: ID!) { node(id: $id) { id } }", "variables": {"id": None}},
}


@pytest.mark.parametrize("case", ["parse", "validation", "coercion"])
async def test_request_errors_are_400_without_data_under_graphql_response_json(
    http: httpx.AsyncClient, case: str
) -> None:
    response = await _post(http, REQUEST_ERRORS[case], GRAPHQL_RESPONSE)

    assert response.status_code == 400
    assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    body = response.json()
    assert "data" not in body and body["errors"][0]["message"]
    assert_guarded(response)


@pytest.mark.parametrize("case", ["parse", "validation", "coercion"])
async def test_request_errors_stay_200_without_data_under_legacy_json(http: httpx.AsyncClient, case: str) -> None:
    response = await _post(http, REQUEST_ERRORS[case], "application/json")

    assert response.status_code == 200
    body = response.json()
    assert "data" not in body and body["errors"]


async def test_an_error_inside_execution_keeps_data_and_status_200(http: httpx.AsyncClient) -> None:
    response = await _post(http, {"query": "{ benefits(first: 500) { totalCount } }"}, GRAPHQL_RESPONSE)

    assert response.status_code == 200
    assert response.json()["data"] is None and response.json()["errors"][0]["path"] == ["benefits"]


@pytest.mark.parametrize(
    "body",
    [
        {"notquery": "{ __typename }"},
        {"query": "{ __typename }", "operationName": {"obj": "ect"}},
        {"query": "{ __typename }", "operationName": 0},
        {"query": "{ __typename }", "extensions": "string"},
        {"query": "{ __typename }", "variables": ["array"]},
    ],
    ids=["no-query", "operation-name-object", "operation-name-number", "extensions-string", "variables-array"],
)
async def test_invalid_parameters_are_a_400_in_json(http: httpx.AsyncClient, body: dict) -> None:
    response = await _post(http, body, GRAPHQL_RESPONSE)

    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_null_parameters_and_a_named_operation_are_served(http: httpx.AsyncClient) -> None:
    for accept in (GRAPHQL_RESPONSE, "application/json"):
        for body in (
            {"query": "{ __typename }", "variables": None, "operationName": None, "extensions": None},
            {"query": "query Query { __typename }", "operationName": "Query", "extensions": {"some": "value"}},
        ):
            response = await _post(http, body, accept)
            assert response.status_code == 200 and response.json() == {"data": {"__typename": "Query"}}


async def test_a_mutation_over_get_is_a_405_and_a_query_is_served(http: httpx.AsyncClient) -> None:
    accept = {"accept": GRAPHQL_RESPONSE}
    mutation = await http.get("/graphql", params={"query": "mutation { logOut { ok } }"}, headers=accept)
    query = await http.get("/graphql", params={"query": "{ __typename }"}, headers=accept)

    assert mutation.status_code == 405 and mutation.headers["allow"] == "POST"
    assert "mutation" in mutation.json()["errors"][0]["message"].lower()
    assert query.status_code == 200 and query.headers["content-type"].startswith(GRAPHQL_RESPONSE)


# -- mutations that carry only the portal's session cookie ----------------------------------------


@pytest.fixture
async def signed_in(app, api: Api) -> AsyncIterator[tuple[httpx.AsyncClient, str, str]]:
    """A browser's cookie jar with a portal session, that session's CSRF token, and the member's e-mail."""
    async with member_browser(app, api, displayName="Cookie Member") as (browser, caller):
        yield browser.client, browser.csrf, caller.email or ""


async def _rename(client: httpx.AsyncClient, name: str, **headers: str) -> httpx.Response:
    body = json.dumps({"query": UPDATE_NAME, "variables": {"n": name}})
    return await client.post("/graphql", content=body, headers={**JSON, **headers})


async def _name(email: str) -> str:
    return (await Member.get(email=email)).display_name


async def test_a_cookie_mutation_without_the_csrf_token_is_refused(signed_in) -> None:
    client, _token, email = signed_in

    response = await _rename(client, "Hijacked")

    assert response.status_code == 403
    assert "X-CSRF-Token" in response.json()["errors"][0]["message"].replace("x-csrf-token", "X-CSRF-Token")
    assert response.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert await _name(email) == "Cookie Member"


@pytest.mark.parametrize(
    "headers",
    [
        {"origin": "https://evil.example"},
        {"origin": "null"},
        {"sec-fetch-site": "cross-site"},
        {"sec-fetch-site": "same-site"},  # a sibling subdomain: SameSite=Lax lets its requests carry the cookie
        {"origin": "http://testserver.evil.example"},
    ],
)
async def test_a_cross_site_cookie_mutation_is_refused_even_with_the_token(signed_in, headers: dict) -> None:
    client, token, email = signed_in

    response = await _rename(client, "Hijacked", **{"x-csrf-token": token, **headers})

    assert response.status_code == 403
    assert await _name(email) == "Cookie Member"


@pytest.mark.parametrize(
    "headers",
    [{}, {"origin": "http://testserver"}, {"sec-fetch-site": "same-origin"}, {"origin": "http://127.0.0.1:8000"}],
)
async def test_a_same_origin_cookie_mutation_with_the_token_is_served(signed_in, headers: dict) -> None:
    client, token, email = signed_in

    response = await _rename(client, "Renamed", **{"x-csrf-token": token, **headers})

    assert response.status_code == 200, response.text
    assert response.json()["data"]["updateProfile"]["userErrors"] == []
    assert await _name(email) == "Renamed"


async def test_a_wrong_token_is_refused(signed_in) -> None:
    client, token, email = signed_in

    response = await _rename(client, "Hijacked", **{"x-csrf-token": token[:-2] + "xx"})

    assert response.status_code == 403 and await _name(email) == "Cookie Member"


async def test_a_cross_site_cookie_query_still_reads_nothing_it_should_not(signed_in) -> None:
    # Reading needs no token: a page on another site cannot read the answer (no CORS), and it changes nothing.
    client, _token, email = signed_in

    response = await client.post(
        "/graphql", json={"query": "{ viewer { email } }"}, headers={"origin": "https://evil.example"}
    )

    assert response.status_code == 200 and response.json()["data"]["viewer"]["email"] == email
    assert "access-control-allow-origin" not in response.headers


async def test_bearer_tokens_and_partner_keys_need_no_csrf_token(http: httpx.AsyncClient, api: Api) -> None:
    member = await api.member(displayName="Mobile Member")
    partner = await api.partner(["members:read"])
    foreign = {"origin": "https://app.example", "sec-fetch-site": "cross-site"}

    renamed = await _rename(http, "Mobile Renamed", **member.headers, **foreign)
    looked_up = await http.post(
        "/graphql",
        json={
            "query": "query($e: String!) { memberByEmail(email: $e) { displayName } }",
            "variables": {"e": member.email},
        },
        headers={**partner.headers, **foreign},
    )

    assert renamed.status_code == 200 and renamed.json()["data"]["updateProfile"]["userErrors"] == []
    assert looked_up.json()["data"]["memberByEmail"] == {"displayName": "Mobile Renamed"}


async def test_a_bearer_token_beside_the_cookie_is_what_authenticates(signed_in, api: Api) -> None:
    client, _token, email = signed_in
    other = await api.member(displayName="Other")

    response = await _rename(client, "By Bearer", **other.headers, origin="https://evil.example")

    assert response.status_code == 200
    assert await _name(email) == "Cookie Member" and await _name(other.email or "") == "By Bearer"


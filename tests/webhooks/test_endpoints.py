"""Managing endpoints through the API: the webhooks:manage scope, URL rules, deleting, other partners' ids."""

from __future__ import annotations

import base64

import pytest

from server.core.config import get_settings
from server.core.errors import DomainError
from server.models import OutboxMessage, OutboxStatus, WebhookEndpoint
from server.webhooks.endpoints import check_url
from tests.support import Api
from tests.webhooks.receiver import Receiver
from tests.webhooks.support import CREATE, DELETE, endpoints, hooks_partner, send, subscribe

NODE = "query Node($id: ID!) { node(id: $id) { ... on WebhookEndpoint { id url } } }"


async def _create(api: Api, caller, url: str, events: list[str]) -> dict:  # type: ignore[no-untyped-def]
    return (await api.run(CREATE, {"url": url, "events": events}, caller))["createWebhookEndpoint"]


async def test_only_a_key_with_webhooks_manage_may_list_create_or_delete(api: Api) -> None:
    shop = await api.partner(["purchases:write", "members:read"])
    member = await api.member()
    hooks = await hooks_partner(api)
    endpoint_id, _ = await subscribe(api, hooks, "https://hooks.example.com/patron")

    for caller, code in ((shop, "FORBIDDEN"), (member, "NOT_AUTHENTICATED"), (None, "NOT_AUTHENTICATED")):
        created = await _create(api, caller, "https://evil.example.com/", ["POINTS_EARNED"])
        assert [e["code"] for e in created["userErrors"]] == [code]
        assert created["endpoint"] is None and created["secret"] is None
        deleted = (await api.run(DELETE, {"id": endpoint_id}, caller))["deleteWebhookEndpoint"]
        assert [e["code"] for e in deleted["userErrors"]] == [code]
        assert (await api.run("{ webhookEndpoints { id } }", caller=caller))["webhookEndpoints"] == []
    assert await WebhookEndpoint.filter(deleted_at=None).count() == 1


async def test_the_secret_is_returned_once_and_the_list_shows_the_partners_own_endpoints(api: Api) -> None:
    hooks = await hooks_partner(api)
    chosen = ["POINTS_SPENT", "POINTS_EARNED", "POINTS_SPENT"]
    created = await _create(api, hooks, "https://hooks.example.com/a", chosen)
    assert created["userErrors"] == []
    assert created["secret"].startswith("whsec_") and len(created["secret"]) > 40
    assert created["endpoint"]["events"] == ["POINTS_EARNED", "POINTS_SPENT"]
    assert created["endpoint"]["active"] is True
    other = await hooks_partner(api)
    await subscribe(api, other, "https://other.example.com/b")

    [listed] = await endpoints(api, hooks)
    assert listed["id"] == created["endpoint"]["id"] and listed["url"] == "https://hooks.example.com/a"
    assert "secret" not in listed
    assert (await api.run(NODE, {"id": listed["id"]}, hooks))["node"]["url"] == "https://hooks.example.com/a"


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.example.com/x",  # plain http to another host
        "ftp://hooks.example.com/x",
        "hooks.example.com/x",
        "https://",
        "https://user:pass@hooks.example.com/x",
        "https://hooks.example.com/x#frag",
        "https://hooks.example.com/a b",
        "https://hooks.example.com:99999/",
        "http://127.0.0.2/x",
        "http://localhost.example.com/x",
        "https://hooks.example.com/" + "a" * 2000,
        "",
    ],
)
async def test_urls_other_than_https_or_loopback_http_are_refused_on_url(api: Api, url: str) -> None:
    hooks = await hooks_partner(api)
    created = await _create(api, hooks, url, ["POINTS_EARNED"])
    assert [(e["field"], e["code"]) for e in created["userErrors"]] == [("url", "INVALID_INPUT")]
    assert created["endpoint"] is None
    assert await WebhookEndpoint.all().count() == 0


@pytest.mark.parametrize("url", ["http://localhost:8080/hook", "http://127.0.0.1/h", "http://[::1]:9000/h"])
async def test_http_to_loopback_is_allowed_outside_production_only(
    api: Api, url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    hooks = await hooks_partner(api)
    assert (await _create(api, hooks, url, ["POINTS_EARNED"]))["userErrors"] == []
    monkeypatch.setenv("PATRON_ENV", "production")
    get_settings.cache_clear()
    try:
        with pytest.raises(DomainError) as refused:
            check_url(url)
        assert refused.value.field == "url"
        assert check_url("https://hooks.example.com/") == "https://hooks.example.com/"
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()


async def test_no_events_is_refused_on_events(api: Api) -> None:
    created = await _create(api, await hooks_partner(api), "https://hooks.example.com/", [])
    assert [(e["field"], e["code"]) for e in created["userErrors"]] == [("events", "INVALID_INPUT")]


async def test_another_partners_endpoint_answers_not_found_like_a_missing_one(api: Api) -> None:
    owner = await hooks_partner(api)
    intruder = await hooks_partner(api)
    endpoint_id, _ = await subscribe(api, owner, "https://hooks.example.com/owner")
    missing = base64.b64encode(b"WebhookEndpoint:999999").decode()

    answers = []
    for target in (endpoint_id, missing):
        deleted = (await api.run(DELETE, {"id": target}, intruder))["deleteWebhookEndpoint"]
        answers.append([(e["field"], e["code"], e["message"]) for e in deleted["userErrors"]])
        assert (await api.run(NODE, {"id": target}, intruder))["node"] is None
    assert answers[0] == answers[1] == [("id", "NOT_FOUND", "No such webhook endpoint.")]
    assert [e["id"] for e in await endpoints(api, owner)] == [endpoint_id]


async def test_a_deleted_endpoint_leaves_the_list_and_gets_nothing_more(api: Api, receiver: Receiver) -> None:
    hooks = await hooks_partner(api)
    endpoint_id, _ = await subscribe(api, hooks, receiver.url, ["POINTS_EARNED"])
    member = await api.member()
    shop = await api.partner()
    await api.purchase(shop, member.email or "", "10.00")  # queued, not sent yet

    deleted = (await api.run(DELETE, {"id": endpoint_id}, hooks))["deleteWebhookEndpoint"]
    assert deleted["userErrors"] == [] and deleted["endpoint"]["id"] == endpoint_id
    assert deleted["secret"] is None
    assert await endpoints(api, hooks) == []
    await api.purchase(shop, member.email or "", "10.00")
    assert (await send()).sent == 0
    assert receiver.received == []
    assert await OutboxMessage.filter(channel="webhook", status=OutboxStatus.PENDING).count() == 0
    # deleting twice: it is gone
    again = (await api.run(DELETE, {"id": endpoint_id}, hooks))["deleteWebhookEndpoint"]
    assert [e["code"] for e in again["userErrors"]] == ["NOT_FOUND"]


async def test_subscribing_a_url_again_updates_its_events_rather_than_making_a_twin(api: Api) -> None:
    hooks = await hooks_partner(api)
    first_id, secret = await subscribe(api, hooks, "https://hooks.example.com/x", ["POINTS_EARNED"])
    again_id, again_secret = await subscribe(api, hooks, "https://hooks.example.com/x", ["TIER_CHANGED"])
    assert (again_id, again_secret) == (first_id, secret)
    assert [(e["id"], e["events"]) for e in await endpoints(api, hooks)] == [(first_id, ["TIER_CHANGED"])]


async def test_a_partner_may_subscribe_at_most_twenty_urls(api: Api) -> None:
    hooks = await hooks_partner(api)
    for n in range(20):
        await subscribe(api, hooks, f"https://hooks.example.com/{n}", ["POINTS_EARNED"])
    refused = await _create(api, hooks, "https://hooks.example.com/one-more", ["POINTS_EARNED"])
    assert [(e["field"], e["code"]) for e in refused["userErrors"]] == [("url", "INVALID_INPUT")]
    # an existing URL may still be updated, and deleting one makes room
    assert (await _create(api, hooks, "https://hooks.example.com/3", ["TIER_CHANGED"]))["userErrors"] == []
    first = (await endpoints(api, hooks))[0]["id"]
    assert (await api.run(DELETE, {"id": first}, hooks))["deleteWebhookEndpoint"]["userErrors"] == []
    assert (await _create(api, hooks, "https://hooks.example.com/one-more", ["POINTS_EARNED"]))["userErrors"] == []

"""Recovery and operations from the command line: patron webhooks replay / list, jobs run, partner scopes."""

from __future__ import annotations

import base64
from datetime import timedelta

from server.core import clock
from server.models import Partner, WebhookEndpoint
from server.webhooks import sending
from tests.support import Api, Caller
from tests.webhooks.receiver import Receiver
from tests.webhooks.support import hooks_partner, patron, send, subscribe


async def test_replay_sends_the_same_events_again_to_one_endpoint_only(api: Api, receiver: Receiver) -> None:
    hooks = await hooks_partner(api)
    endpoint_id, secret = await subscribe(api, hooks, receiver.url + "?to=one", ["POINTS_EARNED"])
    await subscribe(api, hooks, receiver.url + "?to=other", ["POINTS_EARNED"])
    member = await api.member()
    shop = await api.partner()
    before = clock.now() - timedelta(seconds=1)
    for amount in ("10.00", "20.00", "30.00"):
        await api.purchase(shop, member.email or "", amount)
    await send()
    first = [r.document["eventId"] for r in receiver.received if r.path.endswith("to=one")]
    assert len(first) == 3

    # when an operator replays since before the purchases, then the job sends them
    code, out, err = await patron("webhooks", "replay", "--since", before.isoformat(), "--endpoint", endpoint_id)
    assert code == 0, err
    assert "Queued 3 event(s)" in out
    code, out, err = await patron("jobs", "run", "--only", "webhooks")
    assert code == 0, err
    assert "sent 3" in out

    # the endpoint got the same three events again (same ids, freshly signed); the other nothing more
    again = [r for r in receiver.received[6:]]
    assert sorted(r.document["eventId"] for r in again) == sorted(first)
    assert all(r.path.endswith("to=one") and r.signed_by(secret) for r in again)


async def test_replay_recovers_events_missed_while_disabled(api: Api, receiver: Receiver) -> None:
    hooks = await hooks_partner(api)
    endpoint_id, _ = await subscribe(api, hooks, receiver.url, ["POINTS_EARNED"])
    member = await api.member()
    shop = await api.partner()
    await sending.disable(await WebhookEndpoint.get(), "test")
    missed_from = clock.now() - timedelta(seconds=1)
    await api.purchase(shop, member.email or "", "10.00")
    await send()
    assert receiver.received == []

    # a disabled endpoint cannot be replayed to until the partner subscribes it again
    code, _, err = await patron("webhooks", "replay", "--since", missed_from.isoformat(), "--endpoint", endpoint_id)
    assert code == 1 and "disabled" in err
    await subscribe(api, hooks, receiver.url, ["POINTS_EARNED"])
    row_id = base64.b64decode(endpoint_id).decode().split(":")[1]
    code, out, err = await patron("webhooks", "replay", "--since", missed_from.isoformat(), "--endpoint", row_id)
    assert code == 0 and "Queued 1 event(s)" in out, err
    await send()
    [request] = receiver.received
    assert request.document["type"] == "POINTS_EARNED"


async def test_replay_refuses_unknown_endpoints_and_bad_times(api: Api) -> None:
    code, _, err = await patron("webhooks", "replay", "--since", "2026-12-01", "--endpoint", "999")
    assert code == 1 and "No webhook endpoint 999" in err
    code, _, err = await patron("webhooks", "replay", "--since", "yesterday", "--endpoint", "1")
    assert code == 1 and "ISO 8601" in err


async def test_list_shows_every_partners_endpoints_and_scopes_can_be_granted(api: Api) -> None:
    await api.partner(["purchases:write"], name="Tea House")
    code, out, err = await patron("partner", "scopes", "Tea House", "--add", "webhooks:manage")
    assert code == 0, err
    assert "webhooks:manage" in (await Partner.get(name="Tea House")).scopes
    key_partner = await Partner.get(name="Tea House")
    from server.models import WebhookEventType
    from server.webhooks import create_endpoint

    await create_endpoint(key_partner, "https://tea.example.com/hooks", [WebhookEventType.TIER_CHANGED])
    code, out, err = await patron("webhooks", "list")
    assert code == 0, err
    header, line = out.strip().splitlines()
    assert header.split("\t") == ["id", "partner", "state", "failures", "waiting", "events", "url"]
    assert line.split("\t")[1:] == ["Tea House", "active", "0", "0", "TIER_CHANGED", "https://tea.example.com/hooks"]
    code, _, err = await patron("partner", "scopes", "Tea House", "--add", "webhooks:everything")
    assert code == 1 and "Unknown scope" in err


async def test_a_partner_whose_scope_was_taken_away_gets_nothing(api: Api, receiver: Receiver) -> None:
    hooks: Caller = await api.partner(["webhooks:manage"], name="Fickle")
    await subscribe(api, hooks, receiver.url, ["POINTS_EARNED"])
    member = await api.member()
    await api.purchase(await api.partner(), member.email or "", "10.00")
    code, _, err = await patron("partner", "scopes", "Fickle", "--remove", "webhooks:manage")
    assert code == 0, err
    report = await send()
    assert report.sent == 0 and report.cancelled == 1 and receiver.received == []

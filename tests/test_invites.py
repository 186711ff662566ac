"""Partner invite codes: issuing them, signing up with them, and counting their uses atomically."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest

from server.accounts import tokens
from server.accounts.partners import revoke_partner
from server.core import clock
from server.core.config import get_settings
from server.models import LedgerEntry, LedgerKind, Member, Notification, Referral, ReferralInvite, ReferralStatus
from server.points.program import Program
from tests.server_process import ServerProcess
from tests.support import SIGN_UP, Api

ISSUE = """
mutation Issue($input: ReferralInviteInput!) {
  issueReferralInvite(input: $input) {
    invite { code url maxUses uses expiresAt campaign }
    userErrors { field code message }
  }
}
"""


def _later(days: int = 7) -> str:
    return (clock.now() + timedelta(days=days)).isoformat()


async def _issue(api: Api, **fields) -> dict:
    partner = await api.partner()
    payload = (await api.run(ISSUE, {"input": fields}, partner))["issueReferralInvite"]
    assert payload["userErrors"] == []
    return payload["invite"]


async def _sign_up(api: Api, email: str, code: str) -> dict:
    variables = {"email": email, "password": "long-enough-pw", "displayName": "Li Wei", "referralCode": code}
    return (await api.run(SIGN_UP, {"input": variables}))["signUp"]


def _codes(payload: dict) -> list[tuple[str | None, str]]:
    return [(e["field"], e["code"]) for e in payload["userErrors"]]


async def test_a_partner_issues_an_invite_with_a_code_and_url(api: Api) -> None:
    expires = _later()

    invite = await _issue(api, campaign="Spring fair", maxUses=3, expiresAt=expires)

    assert len(invite["code"]) == 10 and set(invite["code"]) <= set(tokens.UNAMBIGUOUS)
    assert invite["url"] == f"{get_settings().base_url}/signup?ref={invite['code']}"
    assert (invite["maxUses"], invite["uses"], invite["campaign"]) == (3, 0, "Spring fair")
    row = await ReferralInvite.get(code=invite["code"])
    assert (row.max_uses, row.uses, row.campaign) == (3, 0, "Spring fair")
    assert row.expires_at == datetime.fromisoformat(expires)


async def test_an_invite_without_limits_is_allowed(api: Api) -> None:
    invite = await _issue(api)

    assert (invite["maxUses"], invite["expiresAt"], invite["campaign"]) == (None, None, None)


async def test_issuing_needs_a_partner_key_with_the_referrals_scope(api: Api) -> None:
    member = await api.member()
    no_scope = await api.partner(["purchases:write"])

    for caller, code in ((None, "NOT_AUTHENTICATED"), (member, "NOT_AUTHENTICATED"), (no_scope, "FORBIDDEN")):
        payload = (await api.run(ISSUE, {"input": {"maxUses": 1}}, caller))["issueReferralInvite"]
        assert payload["invite"] is None and [e["code"] for e in payload["userErrors"]] == [code]
    assert await ReferralInvite.all().count() == 0


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"maxUses": 0}, "maxUses"),
        ({"maxUses": -5}, "maxUses"),
        ({"expiresAt": "2020-01-01T00:00:00+00:00"}, "expiresAt"),
        ({"expiresAt": "2999-01-01T00:00:00"}, "expiresAt"),
        ({"campaign": "x" * 81}, "campaign"),
    ],
)
async def test_invalid_invite_input_names_the_field(api: Api, fields: dict, field: str) -> None:
    partner = await api.partner()

    payload = (await api.run(ISSUE, {"input": fields}, partner))["issueReferralInvite"]

    assert payload["invite"] is None and _codes(payload) == [(field, "INVALID_INPUT")]
    assert await ReferralInvite.all().count() == 0


async def test_signing_up_with_an_invite_counts_a_use_and_records_the_referral(api: Api) -> None:
    invite = await _issue(api, maxUses=2)

    payload = await _sign_up(api, "guest@example.com", invite["code"].lower())

    assert payload["userErrors"] == []
    row = await ReferralInvite.get(code=invite["code"])
    assert row.uses == 1
    referral = await Referral.get(referee__email="guest@example.com")
    assert (referral.invite_id, referral.referrer_id, referral.status) == (row.id, None, ReferralStatus.PENDING)


async def test_a_used_up_invite_refuses_and_creates_no_account(api: Api) -> None:
    invite = await _issue(api, maxUses=1)
    assert (await _sign_up(api, "first@example.com", invite["code"]))["userErrors"] == []

    payload = await _sign_up(api, "second@example.com", invite["code"])

    assert payload["token"] is None and _codes(payload) == [("referralCode", "INVALID_REFERRAL_CODE")]
    assert not await Member.exists(email="second@example.com")
    assert (await ReferralInvite.get(code=invite["code"])).uses == 1


async def test_an_expired_invite_refuses(api: Api) -> None:
    invite = await _issue(api, expiresAt=_later(1))

    with clock.travel(clock.now() + timedelta(days=2)):
        payload = await _sign_up(api, "late@example.com", invite["code"])

    assert _codes(payload) == [("referralCode", "INVALID_REFERRAL_CODE")]
    assert not await Member.exists(email="late@example.com")


async def test_an_invite_of_a_revoked_partner_refuses(api: Api) -> None:
    invite = await _issue(api)
    row = await ReferralInvite.get(code=invite["code"]).select_related("partner")
    await revoke_partner(row.partner.name)

    payload = await _sign_up(api, "orphan@example.com", invite["code"])

    assert _codes(payload) == [("referralCode", "INVALID_REFERRAL_CODE")]
    assert not await Member.exists(email="orphan@example.com")


async def test_first_purchase_through_an_invite_rewards_only_the_referee(api: Api) -> None:
    program = Program()
    invite = await _issue(api)
    await _sign_up(api, "guest@example.com", invite["code"])
    partner = await api.partner()

    await api.purchase(partner, "guest@example.com", "10.00")
    await api.purchase(partner, "guest@example.com", "10.00")

    guest = await Member.get(email="guest@example.com")
    assert guest.balance == 20 + program.referee_points
    assert await LedgerEntry.filter(kind=LedgerKind.REFERRAL).values_list("member_id", "delta") == [
        (guest.id, program.referee_points)
    ]
    assert (await Referral.get(referee_id=guest.id)).status is ReferralStatus.REWARDED
    assert await Notification.all().values_list("member_id", "kind") == [(guest.id, "REFEREE_REWARDED")]


async def test_six_simultaneous_sign_ups_on_an_invite_for_two_make_exactly_two_accounts(api: Api) -> None:
    invite = await _issue(api, maxUses=2, expiresAt=_later())

    payloads = await asyncio.gather(*(_sign_up(api, f"rush{n}@example.com", invite["code"]) for n in range(6)))

    accepted = [p for p in payloads if not p["userErrors"]]
    refused = [p for p in payloads if p["userErrors"]]
    assert len(accepted) == 2 and all(p["token"] for p in accepted)
    assert all(_codes(p) == [("referralCode", "INVALID_REFERRAL_CODE")] for p in refused)
    assert await Member.filter(email__startswith="rush").count() == 2
    assert await Referral.all().count() == 2
    assert (await ReferralInvite.get(code=invite["code"])).uses == 2


async def test_sign_ups_racing_across_two_server_processes_stay_within_max_uses(api: Api, tmp_path: Path) -> None:
    invite = await _issue(api, maxUses=2)
    servers = [ServerProcess({}, tmp_path / f"server{n}.log") for n in range(2)]

    async with contextlib.AsyncExitStack() as stack:
        for server in servers:
            await server.start()
            stack.push_async_callback(server.stop)
        async with httpx.AsyncClient(timeout=60) as client:
            responses = await asyncio.gather(
                *(
                    client.post(
                        f"{servers[n % 2].url}/graphql",
                        json={
                            "query": SIGN_UP,
                            "variables": {
                                "input": {
                                    "email": f"far{n}@example.com",
                                    "password": "long-enough-pw",
                                    "displayName": "Li Wei",
                                    "referralCode": invite["code"],
                                }
                            },
                        },
                    )
                    for n in range(6)
                )
            )

    payloads = [r.json()["data"]["signUp"] for r in responses]
    assert sum(not p["userErrors"] for p in payloads) == 2
    assert {e["code"] for p in payloads for e in p["userErrors"]} == {"INVALID_REFERRAL_CODE"}
    assert await Member.filter(email__startswith="far").count() == 2
    assert (await ReferralInvite.get(code=invite["code"])).uses == 2


async def test_invite_input_no_database_can_store_is_refused_with_the_field(api: Api) -> None:
    partner = await api.partner(["referrals:write"])
    cases = [
        ({"campaign": "spring\ud800"}, "campaign"),
        ({"expiresAt": "9999-12-31T23:59:59-14:00"}, "expiresAt"),
    ]

    for override, field in cases:
        payload = (await api.run_escaped(ISSUE, {"input": override}, partner))["issueReferralInvite"]
        assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [(field, "INVALID_INPUT")], override
        assert payload["invite"] is None
    assert await ReferralInvite.all().count() == 0

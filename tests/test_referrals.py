"""Referrals between members: share codes at sign-up, rewards on the referee's first purchase."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from server.accounts import tokens
from server.accounts.public_names import masked_name
from server.core import clock
from server.core.config import get_settings
from server.models import LedgerEntry, LedgerKind, Member, Notification, Referral, ReferralStatus
from server.points.program import Program
from tests.support import SIGN_UP, Api, Caller

PROFILE = """
{ viewer { referral {
    code shareUrl rewardedCount pendingCount
    referrals(first: 10) { totalCount edges { node { id refereeName status createdAt rewardedAt } } }
} } }
"""
BALANCE = "{ viewer { points { balance } } }"
NODE = "query Node($id: ID!) { node(id: $id) { ... on Referral { refereeName status } } }"


async def _sign_up(api: Api, email: str, code: str, name: str = "Li Wei") -> dict:
    variables = {"email": email, "password": "long-enough-pw", "displayName": name, "referralCode": code}
    return (await api.run(SIGN_UP, {"input": variables}))["signUp"]


async def _code(api: Api, caller: Caller) -> str:
    return (await api.run(PROFILE, caller=caller))["viewer"]["referral"]["code"]


async def _balance(api: Api, caller: Caller) -> int:
    return (await api.run(BALANCE, caller=caller))["viewer"]["points"]["balance"]


@pytest.fixture
def cap_of(monkeypatch: pytest.MonkeyPatch):
    def set_cap(cap: int) -> None:
        capped = replace(Program(), referrals_per_month_cap=cap)
        monkeypatch.setattr("server.social.referrals.get_program", lambda: capped)

    return set_cap


async def test_every_member_has_a_share_code_and_url(api: Api) -> None:
    member = await api.member()

    profile = (await api.run(PROFILE, caller=member))["viewer"]["referral"]

    assert len(profile["code"]) == 8 and set(profile["code"]) <= set(tokens.UNAMBIGUOUS)
    assert profile["shareUrl"] == f"{get_settings().base_url}/signup?ref={profile['code']}"
    assert profile["referrals"]["totalCount"] == profile["rewardedCount"] == profile["pendingCount"] == 0


async def test_sign_up_with_a_share_code_records_a_pending_referral(api: Api) -> None:
    referrer = await api.member(displayName="Ann Referrer")
    code = await _code(api, referrer)

    # Codes are case-insensitive and survive stray spaces.
    payload = await _sign_up(api, "li.wei@example.com", f"  {code.lower()} ")

    assert payload["userErrors"] == []
    profile = (await api.run(PROFILE, caller=referrer))["viewer"]["referral"]
    assert profile["pendingCount"] == 1 and profile["rewardedCount"] == 0
    [edge] = profile["referrals"]["edges"]
    assert edge["node"]["refereeName"] == "Li W."
    assert edge["node"]["status"] == "PENDING" and edge["node"]["rewardedAt"] is None
    row = await Referral.get(referee__email="li.wei@example.com")
    assert row.referrer_id == (await Member.get(email=referrer.email)).id and row.invite_id is None


@pytest.mark.parametrize(
    "code", ["NOPE2345", "ZZZZZZZZZZ", "x", "ABCDEFGHJKMNPQRSTUVW", "0O1IL000", "AB'; --", "ÄÖÜ23456"]
)
async def test_an_unknown_code_creates_no_account(api: Api, code: str) -> None:
    await api.member()

    payload = await _sign_up(api, "new@example.com", code)

    assert payload["token"] is None and payload["member"] is None
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [("referralCode", "INVALID_REFERRAL_CODE")]
    assert not await Member.exists(email="new@example.com")
    assert await Referral.all().count() == 0


async def test_a_code_that_cannot_be_encoded_is_refused_not_a_500(api: Api) -> None:
    variables = {
        "email": "odd@example.com",
        "password": "long-enough-pw",
        "displayName": "X",
        "referralCode": "AB\ud800",
    }

    # httpx refuses to encode a lone surrogate, so send the JSON escape as a client might.
    response = await api.http.post(
        "/graphql",
        content=json.dumps({"query": SIGN_UP, "variables": {"input": variables}}),
        headers={"Content-Type": "application/json"},
    )

    payload = response.json()["data"]["signUp"]
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [("referralCode", "INVALID_REFERRAL_CODE")]
    assert not await Member.exists(email="odd@example.com")


@pytest.mark.parametrize("alias", ["ann+second@example.com", "ANN+x@Example.com"])
async def test_own_share_code_from_another_address_of_the_same_mailbox_is_self_referral(api: Api, alias: str) -> None:
    referrer = await api.member("ann@example.com")

    payload = await _sign_up(api, alias, await _code(api, referrer))

    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [("referralCode", "SELF_REFERRAL")]
    assert await Member.all().count() == 1


async def test_gmail_dots_are_the_same_mailbox(api: Api) -> None:
    referrer = await api.member("ann.lee@gmail.com")

    payload = await _sign_up(api, "annlee+promo@googlemail.com", await _code(api, referrer))

    assert payload["userErrors"][0]["code"] == "SELF_REFERRAL"
    assert not await Member.exists(email="annlee+promo@googlemail.com")


async def test_first_purchase_rewards_both_once_and_notifies_both(api: Api) -> None:
    program = Program()
    partner = await api.partner()
    referrer = await api.member(displayName="Ann Referrer")
    await _sign_up(api, "li.wei@example.com", await _code(api, referrer))
    bystander = await api.member("other@example.com")  # nobody else is credited

    await api.purchase(partner, "li.wei@example.com", "10.00")
    await api.purchase(partner, "li.wei@example.com", "10.00")

    assert await _balance(api, referrer) == program.referrer_points
    assert await _balance(api, bystander) == 0
    li = await Member.get(email="li.wei@example.com")
    assert li.balance == 20 + program.referee_points
    entries = await LedgerEntry.filter(kind=LedgerKind.REFERRAL).order_by("id").values_list("member__email", "delta")
    assert sorted(entries) == sorted(
        [("li.wei@example.com", program.referee_points), (referrer.email, program.referrer_points)]
    )
    referral = await Referral.get(referee_id=li.id)
    assert referral.status is ReferralStatus.REWARDED and referral.rewarded_at is not None
    profile = (await api.run(PROFILE, caller=referrer))["viewer"]["referral"]
    assert (profile["rewardedCount"], profile["pendingCount"]) == (1, 0)
    assert profile["referrals"]["edges"][0]["node"]["status"] == "REWARDED"
    kinds = await Notification.all().order_by("id").values_list("member__email", "kind", "params")
    assert ("li.wei@example.com", "REFEREE_REWARDED", {"points": program.referee_points}) in kinds
    assert (referrer.email, "REFERRAL_REWARDED", {"points": program.referrer_points, "name": "Li W."}) in kinds
    assert len([k for k in kinds if k[1].startswith("REFER")]) == 2


async def test_concurrent_first_purchases_reward_the_referral_once(api: Api) -> None:
    program = Program()
    partner = await api.partner()
    referrer = await api.member()
    await _sign_up(api, "racer@example.com", await _code(api, referrer))

    await asyncio.gather(*(api.purchase(partner, "racer@example.com", "1.00", f"RACE-{i}") for i in range(8)))

    assert await LedgerEntry.filter(kind=LedgerKind.REFERRAL).count() == 2
    assert await _balance(api, referrer) == program.referrer_points
    assert (await Member.get(email="racer@example.com")).balance == 8 + program.referee_points
    assert await Notification.filter(kind__in=["REFERRAL_REWARDED", "REFEREE_REWARDED"]).count() == 2


async def test_monthly_cap_rejects_further_referrals_with_a_reason(api: Api, cap_of) -> None:
    cap_of(2)
    program = Program()
    partner = await api.partner()
    referrer = await api.member()
    code = await _code(api, referrer)
    with clock.travel(datetime(2026, 3, 10, 12, tzinfo=UTC)):
        for n in range(4):
            await _sign_up(api, f"friend{n}@example.com", code)
        for n in range(3):
            await api.purchase(partner, f"friend{n}@example.com", "5.00")

        rejected = await Referral.get(referee__email="friend2@example.com")
        assert rejected.status is ReferralStatus.REJECTED and "cap" in (rejected.reason or "")
        assert (await Member.get(email="friend2@example.com")).balance == 5
        assert await _balance(api, referrer) == 2 * program.referrer_points

    # A new calendar month starts a new count.
    with clock.travel(datetime(2026, 4, 1, 0, 30, tzinfo=UTC)):
        await api.purchase(partner, "friend3@example.com", "5.00")
    assert (await Referral.get(referee__email="friend3@example.com")).status is ReferralStatus.REWARDED
    assert await _balance(api, referrer) == 3 * program.referrer_points
    profile = (await api.run(PROFILE, caller=referrer))["viewer"]["referral"]
    assert (profile["rewardedCount"], profile["pendingCount"]) == (3, 0)
    assert [e["node"]["status"] for e in profile["referrals"]["edges"]] == [
        "REWARDED",
        "REJECTED",
        "REWARDED",
        "REWARDED",
    ]


async def test_cap_holds_when_referees_buy_at_the_same_time(api: Api, cap_of) -> None:
    cap_of(3)
    partner = await api.partner()
    referrer = await api.member()
    code = await _code(api, referrer)
    for n in range(8):
        await _sign_up(api, f"crowd{n}@example.com", code)

    await asyncio.gather(*(api.purchase(partner, f"crowd{n}@example.com", "2.00") for n in range(8)))

    statuses = await Referral.all().values_list("status", flat=True)
    assert sorted(statuses) == ["REJECTED"] * 5 + ["REWARDED"] * 3
    assert await _balance(api, referrer) == 3 * Program().referrer_points
    assert await LedgerEntry.filter(kind=LedgerKind.REFERRAL).count() == 6


async def test_a_member_is_never_rewarded_for_referring_themselves(api: Api) -> None:
    # Sign-up refuses this; the reward step still checks in case such a row ever exists.
    partner = await api.partner()
    member = await api.member()
    row = await Member.get(email=member.email)
    await Referral.create(referrer_id=row.id, referee_id=row.id, created_at=clock.now())

    await api.purchase(partner, member.email or "", "10.00")

    referral = await Referral.get(referee_id=row.id)
    assert referral.status is ReferralStatus.REJECTED and "Self-referral" in (referral.reason or "")
    assert await LedgerEntry.filter(kind=LedgerKind.REFERRAL).count() == 0
    assert await _balance(api, member) == 10


async def test_a_referral_is_visible_only_to_its_referrer(api: Api) -> None:
    referrer = await api.member()
    await _sign_up(api, "seen@example.com", await _code(api, referrer))
    referee = await api.member("seen2@example.com")  # signs in as someone else
    staff = await api.staff()
    node_id = (await api.run(PROFILE, caller=referrer))["viewer"]["referral"]["referrals"]["edges"][0]["node"]["id"]

    assert (await api.run(NODE, {"id": node_id}, referrer))["node"] == {"refereeName": "Li W.", "status": "PENDING"}
    for caller in (referee, staff, None):
        assert (await api.run(NODE, {"id": node_id}, caller))["node"] is None


async def test_referee_name_is_never_an_email(api: Api) -> None:
    referrer = await api.member()

    await _sign_up(api, "hidden@example.com", await _code(api, referrer), name="hidden@example.com")

    profile = (await api.run(PROFILE, caller=referrer))["viewer"]["referral"]
    assert profile["referrals"]["edges"][0]["node"]["refereeName"] == "Member"


@pytest.mark.parametrize(
    ("display_name", "masked"),
    [
        ("Li Wei", "Li W."),
        ("  Mary Ann   Smith ", "Mary S."),
        ("Madonna", "M."),
        ("王小明", "王*"),
        ("王 小明", "王*"),
        ("Li 小明", "L*"),
        ("bob@example.com", "Member"),
        ("Bob bob@example.com", "B."),
    ],
)
def test_masked_name(display_name: str, masked: str) -> None:
    assert masked_name(display_name) == masked

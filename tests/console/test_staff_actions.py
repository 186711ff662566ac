"""Staff actions on a member over GraphQL: adjustments (reason codes, idempotency, the daily cap, real
concurrency), tier overrides, birthday corrections — audited, refused to analysts and members."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from server.core import clock
from server.models import AuditEntry, LedgerEntry, Member, Role
from tests.console.support import with_role
from tests.points_support import assert_ledger_consistent, member_of, programme, race, two_servers
from tests.support import Api, Caller

ADJUST = """
mutation Adjust($memberId: ID!, $delta: Int!, $reason: String!, $key: String!, $code: AdjustmentReason) {
  adjustPoints(memberId: $memberId, delta: $delta, reason: $reason, idempotencyKey: $key, reasonCode: $code) {
    entry { id delta balanceAfter }
    member { points { balance } }
    userErrors { field code message }
  }
}
"""
OVERRIDE = """
mutation Override($memberId: ID!, $tier: String!, $reason: String!, $until: Date!) {
  overrideTier(memberId: $memberId, tierCode: $tier, reason: $reason, until: $until) {
    member { tier { code } tierOverrideUntil tierReviewOn }
    userErrors { field code message }
  }
}
"""
CORRECT = """
mutation Correct($memberId: ID!, $birthday: Date!, $reason: String!) {
  correctBirthday(memberId: $memberId, birthday: $birthday, reason: $reason) {
    member { birthday }
    userErrors { field code message }
  }
}
"""
UPDATE_PROFILE = """
mutation Update($birthday: Date) {
  updateProfile(input: {birthday: $birthday}) { member { birthday } userErrors { field code message } }
}
"""
T0 = datetime(2026, 5, 10, 2, tzinfo=UTC)


def codes(payload: dict) -> list[tuple[str | None, str]]:
    return [(e["field"], e["code"]) for e in payload["userErrors"]]


async def adjust(api: Api, staff: Caller, member: Caller, delta: int, key: str, *, code: str = "GOODWILL",
                 reason: str = "Late parcel") -> dict:
    variables = {"memberId": member.member_id, "delta": delta, "reason": reason, "key": key, "code": code}
    return (await api.run(ADJUST, variables, staff))["adjustPoints"]


async def test_an_adjustment_is_audited_with_its_reason_code_and_a_retry_applies_it_once(api: Api) -> None:
    staff, member = await with_role(api, Role.STAFF), await api.member()
    first = await adjust(api, staff, member, 250, "form-1", code="SERVICE_RECOVERY")
    again = await adjust(api, staff, member, 250, "form-1", code="SERVICE_RECOVERY")
    other = await adjust(api, staff, member, 250, "form-1", code="GOODWILL")
    assert first["userErrors"] == [] and again["entry"]["id"] == first["entry"]["id"]
    assert codes(other) == [("idempotencyKey", "IDEMPOTENCY_CONFLICT")]
    assert (await assert_ledger_consistent((await member_of(member)).id)).balance == 250
    [entry] = await AuditEntry.filter(action="points.adjust")
    assert entry.actor_email == staff.email and entry.member_id == (await member_of(member)).id
    assert entry.before == {"balance": 0}
    assert entry.after == {"balance": 250, "delta": 250, "reasonCode": "SERVICE_RECOVERY"}
    assert entry.reason == "SERVICE_RECOVERY: Late parcel"


async def test_the_daily_cap_counts_absolute_points_per_staff_member_and_programme_day(api: Api, tmp_path) -> None:
    staff, other_staff = await with_role(api, Role.STAFF), await with_role(api, Role.STAFF)
    member = await api.member()
    text = 'adjustment_cap_per_staff_day = 1000\ntime_zone = "Asia/Shanghai"\n'
    with programme(text, tmp_path):
        with clock.travel(datetime(2026, 5, 10, 15, 30, tzinfo=UTC)):  # 23:30 in Shanghai
            assert (await adjust(api, staff, member, 600, "a"))["userErrors"] == []
            assert (await adjust(api, staff, member, -300, "b"))["userErrors"] == []  # 900 used
            refused = await adjust(api, staff, member, 101, "c")
            assert (await adjust(api, other_staff, member, 1000, "d"))["userErrors"] == []  # their own cap
            assert (await adjust(api, staff, member, 100, "e"))["userErrors"] == []  # exactly the cap
        with clock.travel(datetime(2026, 5, 10, 16, 0, tzinfo=UTC)):  # midnight in Shanghai: a new day
            next_day = await adjust(api, staff, member, 1000, "f")
            retry = await adjust(api, staff, member, 100, "e")  # a retry of yesterday's key is no new adjustment
    assert codes(refused) == [("delta", "LIMIT_REACHED")]
    assert refused["userErrors"][0]["message"] == "You can adjust at most 1,000 points a day; 100 are left today."
    assert next_day["userErrors"] == [] and retry["userErrors"] == []
    assert (await assert_ledger_consistent((await member_of(member)).id)).balance == 600 - 300 + 1000 + 100 + 1000
    assert await AuditEntry.filter(action="points.adjust").count() == 5


async def test_the_cap_holds_under_concurrent_requests_from_one_staff_member(api: Api, tmp_path) -> None:
    staff = await with_role(api, Role.STAFF)
    members = [await api.member() for _ in range(3)]
    requests = [
        (ADJUST, {"memberId": members[n % 3].member_id, "delta": 1000, "reason": "Burst", "key": f"burst-{n}",
                  "code": "GOODWILL"}, staff)
        for n in range(14)
    ]
    async with two_servers(tmp_path) as urls:  # default cap: 10,000 points a day
        results = await race(urls, requests)
    errors = [codes(r["adjustPoints"]) for r in results]
    assert errors.count([]) == 10 and errors.count([("delta", "LIMIT_REACHED")]) == 4
    total = 0
    for member in members:
        total += (await assert_ledger_consistent((await member_of(member)).id)).balance
    assert total == 10_000 and await LedgerEntry.all().count() == 10
    assert await AuditEntry.filter(action="points.adjust").count() == 10


async def test_two_staff_adjusting_one_member_at_once_both_land_exactly(api: Api, tmp_path) -> None:
    staff = [await with_role(api, Role.STAFF), await with_role(api, Role.STAFF)]
    member = await api.member()
    requests = [
        (ADJUST, {"memberId": member.member_id, "delta": 100 if n % 3 else -1, "reason": "Race", "key": f"r-{n}",
                  "code": "CORRECTION"}, staff[n % 2])
        for n in range(20)
    ]
    await adjust(api, staff[0], member, 10, "seed")
    async with two_servers(tmp_path) as urls:
        results = await race(urls, requests)
    assert all(r["adjustPoints"]["userErrors"] == [] for r in results)
    credits, debits = sum(1 for n in range(20) if n % 3), sum(1 for n in range(20) if not n % 3)
    row = await assert_ledger_consistent((await member_of(member)).id)
    assert row.balance == 10 + 100 * credits - debits
    balances = sorted(r["adjustPoints"]["entry"]["balanceAfter"] for r in results)
    assert len(set(balances)) == 20  # each change saw the one before it


@pytest.mark.parametrize("mutation", ["adjust", "override", "correct"])
async def test_analysts_and_members_are_refused_every_staff_change(api: Api, mutation: str) -> None:
    analyst, member, target = await with_role(api, Role.ANALYST), await api.member(), await api.member()
    documents = {
        "adjust": (ADJUST, {"memberId": target.member_id, "delta": 5, "reason": "x", "key": "k", "code": "OTHER"}),
        "override": (OVERRIDE, {"memberId": target.member_id, "tier": "gold", "reason": "x", "until": "2099-01-01"}),
        "correct": (CORRECT, {"memberId": target.member_id, "birthday": "1990-01-01", "reason": "x"}),
    }
    document, variables = documents[mutation]
    for caller in (analyst, member):
        payload = next(iter((await api.run(document, variables, caller)).values()))
        assert codes(payload) == [(None, "FORBIDDEN")]
    row = await member_of(target)
    assert (row.balance, row.tier_code, row.birthday) == (0, "silver", None)
    assert await AuditEntry.all().count() == 0


async def test_a_tier_override_needs_a_reason_a_known_tier_and_a_future_day_and_is_audited(api: Api) -> None:
    staff, member = await with_role(api, Role.STAFF), await api.member()

    async def override(tier: str, reason: str, until: date) -> dict:
        variables = {"memberId": member.member_id, "tier": tier, "reason": reason, "until": until.isoformat()}
        return (await api.run(OVERRIDE, variables, staff))["overrideTier"]

    with clock.travel(T0):
        today = T0.date()
        assert codes(await override("gold", "  ", today + timedelta(days=30))) == [("reason", "INVALID_INPUT")]
        assert codes(await override("platinum", "VIP", today + timedelta(days=30))) == [("tierCode", "INVALID_INPUT")]
        assert codes(await override("gold", "VIP", today)) == [("until", "INVALID_INPUT")]
        assert codes(await override("gold", "VIP", today + timedelta(days=365 * 6))) == [("until", "INVALID_INPUT")]
        done = await override("gold", "Key account", today + timedelta(days=90))
    assert done["userErrors"] == []
    # The tier holds through the override's last day, which is its next review.
    assert done["member"] == {"tier": {"code": "gold"}, "tierOverrideUntil": "2026-08-08", "tierReviewOn": "2026-08-08"}
    row = await member_of(member)
    assert (row.tier_code, row.tier_override_until) == ("gold", date(2026, 8, 8))
    [entry] = await AuditEntry.filter(action="member.tier_override")
    assert entry.before == {"tier": "silver", "overrideUntil": None}
    assert entry.after == {"tier": "gold", "overrideUntil": "2026-08-08"} and entry.reason == "Key account"
    # The member sees their new tier; another member sees no override date.
    other = await api.member()
    query = "query($id: ID!) { node(id: $id) { ... on Member { tierOverrideUntil } } }"
    assert (await api.run(query, {"id": member.member_id}, member))["node"]["tierOverrideUntil"] == "2026-08-08"
    assert (await api.run(query, {"id": member.member_id}, other))["node"] is None


async def test_a_member_sets_a_birthday_once_then_only_staff_correct_it(api: Api) -> None:
    staff = await with_role(api, Role.STAFF)
    member = await api.member()
    with clock.travel(T0):
        first = (await api.run(UPDATE_PROFILE, {"birthday": "1990-04-01"}, member))["updateProfile"]
        same = (await api.run(UPDATE_PROFILE, {"birthday": "1990-04-01"}, member))["updateProfile"]
        changed = (await api.run(UPDATE_PROFILE, {"birthday": "1991-04-01"}, member))["updateProfile"]
        empty_reason = (await api.run(CORRECT, {"memberId": member.member_id, "birthday": "1991-04-01",
                                                "reason": ""}, staff))["correctBirthday"]
        future = (await api.run(CORRECT, {"memberId": member.member_id, "birthday": "2030-01-01",
                                          "reason": "Typo"}, staff))["correctBirthday"]
    with clock.travel(T0 + timedelta(hours=1)):
        corrected = (await api.run(CORRECT, {"memberId": member.member_id, "birthday": "1991-04-01",
                                             "reason": "ID card checked"}, staff))["correctBirthday"]
    assert first["userErrors"] == [] and same["userErrors"] == []
    assert codes(changed) == [("birthday", "BIRTHDAY_LOCKED")]
    assert codes(empty_reason) == [("reason", "INVALID_INPUT")] and codes(future) == [("birthday", "INVALID_INPUT")]
    assert corrected == {"member": {"birthday": "1991-04-01"}, "userErrors": []}
    row = await member_of(member)
    assert row.birthday == date(1991, 4, 1) and timedelta(hours=1) <= row.birthday_set_at - T0 < timedelta(minutes=61)
    [entry] = await AuditEntry.filter(action="member.birthday_correct")
    assert (entry.before, entry.after, entry.reason) == ({"birthday": "1990-04-01"}, {"birthday": "1991-04-01"},
                                                         "ID card checked")


async def test_a_birthday_given_at_sign_up_is_locked_too(api: Api) -> None:
    with clock.travel(T0):
        member = await api.member(birthday="1985-12-24")
        changed = (await api.run(UPDATE_PROFILE, {"birthday": "1985-12-25"}, member))["updateProfile"]
    row = await Member.get(email=member.email)
    assert timedelta(0) <= row.birthday_set_at - T0 < timedelta(minutes=1)
    assert codes(changed) == [("birthday", "BIRTHDAY_LOCKED")]

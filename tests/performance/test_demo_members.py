"""``patron demo --members N``: synthetic members whose history keeps every ledger promise."""

from __future__ import annotations

from collections import defaultdict

from server.demo_members import EMAIL, PASSWORD, load_members
from server.models import CheckIn, LedgerEntry, LedgerKind, Member, Purchase
from server.points import tiers
from server.points.program import get_program
from tests.support import Api

LOG_IN = "mutation($e: String!, $p: String!) { logIn(email: $e, password: $p) { token userErrors { code } } }"
DASHBOARD = """{ viewer { points { balance ledger(first: 20) { totalCount edges { node { kind delta balanceAfter } } }
  expiring { points } } tierProgress { qualifyingPoints current { code } } checkIn { streak } } }"""


async def test_generated_members_keep_the_ledger_s_invariants(api: Api) -> None:
    lines = await load_members(120, months=13)
    assert "added 120" in lines[0]

    members = {m.id: m for m in await Member.filter(email__startswith="member")}
    assert len(members) == 120
    entries = defaultdict(list)
    for entry in await LedgerEntry.all().order_by("id"):
        entries[entry.member_id].append(entry)
    purchases = {p.id: p for p in await Purchase.all()}
    qualifying = await tiers.qualifying_points_for(list(members))
    program = get_program()
    for member_id, member in members.items():
        running = 0
        for entry in entries[member_id]:
            running += entry.delta
            assert entry.balance_after == running  # in id order
            assert entry.expires_at is not None and entry.remaining == entry.delta > 0
            if entry.kind is LedgerKind.PURCHASE:
                bought = purchases[int(entry.reference.split(":")[1])]
                assert bought.member_id == member_id and bought.points_earned == entry.delta
        assert member.balance == running == member.lifetime_earned
        assert member.tier_code == program.tier_for(qualifying[member_id]).code
    assert sum(len(e) for e in entries.values()) > 120 * 10  # about twenty rows a member
    days = await CheckIn.filter(member_id__in=list(members)).values_list("member_id", "day")
    assert len(days) == len(set(days))


async def test_a_second_run_adds_only_the_missing_members_and_they_can_log_in(api: Api) -> None:
    await load_members(30)
    assert "already there" in (await load_members(30))[0]
    assert "added 10" in (await load_members(40))[0]
    assert await Member.filter(email__startswith="member").count() == 40

    login = (await api.run(LOG_IN, {"e": EMAIL.format(40), "p": PASSWORD}))["logIn"]
    assert login["userErrors"] == []
    viewer = (await api.run(DASHBOARD, caller=_bearer(login["token"])))["viewer"]
    row = await Member.get(email=EMAIL.format(40))
    assert viewer["points"]["balance"] == row.balance
    assert viewer["points"]["ledger"]["totalCount"] == await LedgerEntry.filter(member_id=row.id).count()


def _bearer(token: str):
    from tests.support import Caller

    return Caller({"Authorization": f"Bearer {token}"})

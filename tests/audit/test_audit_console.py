"""The audit trail for the back office: Query.auditLog with its filters and paging, the console page, the CLI."""

from __future__ import annotations

from datetime import timedelta

import pytest
from strawberry import relay

from server import audit
from server.accounts import set_role
from server.core import clock
from server.models import AuditEntry, Member, Role
from tests.care.support import utc
from tests.points_support import new_member
from tests.rewards_portal_support import member_browser
from tests.support import Api
from tests.test_cli import patron

LOG = """
query Log($actor: ID, $action: String, $first: Int, $after: String) {
  auditLog(actorId: $actor, action: $action, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { actorEmail action actionLabel targetType targetId reason member { email }
                   changes { field before after } } }
  }
  auditActions { action label }
  auditActors { email memberId }
}
"""
T0 = utc(2026, 11, 30, 9)


async def _trail() -> tuple[Member, Member, Member]:
    """Alice changed a benefit, Bob published a review, Alice rejected one; oldest first."""
    alice, bob, author = await new_member(), await new_member(), await new_member()
    with clock.travel(T0):
        await audit.record(alice, "benefit.update", target_type="benefit", target_id="coffee",
                           before={"points_cost": 100, "title": "Coffee"}, after={"points_cost": 120})
    with clock.travel(T0 + timedelta(minutes=1)):
        await audit.record(bob, "review.publish", target_type="review", target_id=7, member_id=author.id,
                           before={"status": "PENDING"}, after={"status": "PUBLISHED"})
    with clock.travel(T0 + timedelta(minutes=2)):
        await audit.record(alice, "review.reject", target_type="review", target_id=8, member_id=author.id,
                           before={"status": "PENDING"}, after={"status": "REJECTED"}, reason="spam")
    return alice, bob, author


@pytest.mark.parametrize("role", [Role.STAFF, Role.ANALYST])
async def test_the_back_office_reads_the_trail_newest_first_with_filters_and_paging(api: Api, role: Role) -> None:
    alice, bob, author = await _trail()
    reader = await api.member()
    await set_role(reader.email or "", role)
    everything = (await api.run(LOG, {}, reader))
    by_alice = await api.run(LOG, {"actor": relay.to_base64("Member", alice.id)}, reader)
    rejections = await api.run(LOG, {"action": "review.reject"}, reader)
    first = await api.run(LOG, {"first": 2}, reader)
    rest = await api.run(LOG, {"first": 2, "after": first["auditLog"]["pageInfo"]["endCursor"]}, reader)

    nodes = [e["node"] for e in everything["auditLog"]["edges"]]
    assert [n["action"] for n in nodes] == ["review.reject", "review.publish", "benefit.update"]
    assert nodes[0] == {
        "actorEmail": alice.email, "action": "review.reject", "actionLabel": "Review rejected",
        "targetType": "review", "targetId": "8", "reason": "spam", "member": {"email": author.email},
        "changes": [{"field": "status", "before": "PENDING", "after": "REJECTED"}],
    }
    assert nodes[2]["changes"] == [
        {"field": "points_cost", "before": "100", "after": "120"},
        {"field": "title", "before": "Coffee", "after": None},
    ]
    assert [e["node"]["action"] for e in by_alice["auditLog"]["edges"]] == ["review.reject", "benefit.update"]
    assert [e["node"]["actorEmail"] for e in rejections["auditLog"]["edges"]] == [alice.email]
    assert first["auditLog"]["pageInfo"]["hasNextPage"] is True and first["auditLog"]["totalCount"] == 3
    assert [e["node"]["action"] for e in rest["auditLog"]["edges"]] == ["benefit.update"]
    assert {"action": "benefit.deactivate", "label": "Benefit deactivated"} in everything["auditActions"]
    assert sorted(a["email"] for a in everything["auditActors"]) == sorted([alice.email, bob.email])


async def test_members_and_partners_see_no_trail_and_a_forged_actor_is_an_error(api: Api) -> None:
    await _trail()
    member, staff = await api.member(), await api.staff()
    as_member = await api.run(LOG, {}, member)
    as_partner = await api.run(LOG, {}, await api.partner())
    forged = (await api.raw(LOG, {"actor": relay.to_base64("Review", 1)}, staff)).json()
    assert as_member == as_partner == {
        "auditLog": {"totalCount": 0, "pageInfo": {"hasNextPage": False, "endCursor": None}, "edges": []},
        "auditActions": [], "auditActors": [],
    }
    assert forged["errors"][0]["extensions"] == {"code": "INVALID_INPUT", "field": "actorId"}


async def test_the_console_page_filters_by_staff_member_and_kind_in_the_url(app, api: Api) -> None:
    alice, _bob, _author = await _trail()
    async with member_browser(app, api) as (browser, me):
        await set_role(me.email or "", Role.ANALYST)
        page = await browser.get("/staff/audit")
        actor = relay.to_base64("Member", alice.id).rstrip("=")
        mine = await browser.get(f"/staff/audit?actor={actor}&action=benefit.update")
        await browser.post("/language", {"locale": "zh-CN", "next": "/staff/audit"})
        chinese = await browser.get("/staff/audit")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    rows = page.text.split("<tbody>")[1]
    assert "Entries: 3" in page.text and "spam" in rows
    assert rows.index("Review rejected") < rows.index("Review published") < rows.index("Benefit changed")
    assert "Entries: 1" in mine.text
    assert "Benefit changed" in mine.text.split("<tbody>")[1] and "Review rejected" not in mine.text.split("<tbody>")[1]
    assert f'<option value="{actor}" selected>' in mine.text
    assert "审计日志" in chinese.text and "评价已拒绝" in chinese.text


async def test_patron_audit_prints_the_trail_with_its_filters(database_url: str, tmp_path) -> None:
    alice, _bob, _author = await _trail()
    env = {"DATABASE_URL": database_url, "PATRON_VAR_DIR": str(tmp_path / "var")}
    everything = await patron("audit", env=env)
    mine = await patron("audit", "--actor", (alice.email or "").upper(), "--action", "benefit.update", env=env)
    last = await patron("audit", "--limit", "1", env=env)
    none = await patron("audit", "--action", "points.adjust", env=env)
    assert everything.code == 0 and len(everything.out.splitlines()) == 3
    assert everything.out.splitlines()[0].startswith("2026-11-30 09:02:00 UTC")
    assert mine.out.splitlines() == [
        f"2026-11-30 09:00:00 UTC  {alice.email}  benefit.update  benefit:coffee  points_cost: 100 → 120; "
        "title: Coffee → —"
    ]
    assert "reason: spam" in last.out and len(last.out.splitlines()) == 1
    assert none.out.strip() == "No audit entries match."


async def test_patron_staff_grant_and_revoke_are_in_the_trail_as_the_systems(api: Api, database_url, tmp_path) -> None:
    member = await api.member()
    env = {"DATABASE_URL": database_url, "PATRON_VAR_DIR": str(tmp_path / "var")}
    await patron("staff", "grant", member.email or "", "--role", "analyst", env=env)
    await patron("staff", "grant", member.email or "", "--role", "analyst", env=env)  # no change: no entry
    await patron("staff", "revoke", member.email or "", env=env)
    shown = await patron("audit", "--action", "role.grant", env=env)
    trail = [(e.actor_email, e.actor_id, e.before, e.after) for e in await AuditEntry.all().order_by("id")]
    assert trail == [
        ("system", None, {"role": "MEMBER"}, {"role": "ANALYST"}),
        ("system", None, {"role": "ANALYST"}, {"role": "MEMBER"}),
    ]
    assert "system  role.grant" in shown.out and "role: ANALYST → MEMBER" in shown.out.splitlines()[0]

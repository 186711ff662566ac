"""Creating and changing campaigns: validation, status moves, roles and the audit trail."""

from __future__ import annotations

import pytest

from server.models import AuditEntry
from tests.campaigns.support import CAMPAIGN, CAMPAIGNS, active_campaign, purchase, set_status, upsert
from tests.care.support import analyst
from tests.support import Api


@pytest.mark.parametrize(
    ("fields", "code", "field"),
    [
        ({"multiplier": "10.5"}, "INVALID_INPUT", "multiplier"),
        ({"multiplier": "0.5"}, "INVALID_INPUT", "multiplier"),
        ({"recurrence": "FREQ=HOURLY"}, "INVALID_SCHEDULE", "recurrence"),
        ({"recurrence": "FREQ=SOMETIMES"}, "INVALID_SCHEDULE", "recurrence"),
        ({"recurrence": "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30"}, "INVALID_SCHEDULE", "recurrence"),
        ({"endsAt": "2019-12-31T00:00:00+00:00"}, "INVALID_SCHEDULE", "endsAt"),
        ({"holdoutPercent": 51}, "INVALID_INPUT", "holdoutPercent"),
        ({"tierCodes": ["platinum"]}, "INVALID_INPUT", "tierCodes"),
        ({"budgetPoints": 0}, "INVALID_INPUT", "budgetPoints"),
        ({"minAmount": "0"}, "INVALID_INPUT", "minAmount"),
        ({"minAmount": "5.00", "trigger": "CHECK_IN"}, "INVALID_INPUT", "minAmount"),
        ({"name": "  "}, "INVALID_INPUT", "name"),
        ({"trigger": "GRANT", "multiplier": None, "bonusPoints": None}, "INVALID_INPUT", "bonusPoints"),
        ({"trigger": "GRANT", "multiplier": None, "bonusPoints": 5, "recurrence": "FREQ=DAILY"},
         "INVALID_SCHEDULE", "recurrence"),
    ],
)
async def test_bad_input_is_a_typed_error_and_nothing_is_saved(api: Api, fields, code, field) -> None:
    staff = await api.staff()
    answer = await upsert(api, staff, **fields)
    assert answer["campaign"] is None
    assert [(e["code"], e["field"]) for e in answer["userErrors"]] == [(code, field)]
    assert (await api.run(CAMPAIGNS, {}, staff))["campaigns"]["totalCount"] == 0


async def test_status_moves(api: Api) -> None:
    staff = await api.staff()
    made = (await upsert(api, staff))["campaign"]
    assert made["status"] == "DRAFT"
    cid = made["id"]

    async def move(status: str) -> str:
        answer = await set_status(api, staff, cid, status)
        return answer["userErrors"][0]["code"] if answer["userErrors"] else answer["campaign"]["status"]

    assert await move("PAUSED") == "INVALID_STATUS_CHANGE"  # a draft is not running
    assert await move("DRAFT") == "INVALID_STATUS_CHANGE"
    assert await move("ACTIVE") == "ACTIVE"
    assert await move("ACTIVE") == "INVALID_STATUS_CHANGE"
    assert await move("PAUSED") == "PAUSED"
    assert await move("ACTIVE") == "ACTIVE"
    assert await move("ENDED") == "ENDED"
    assert await move("ACTIVE") == "INVALID_STATUS_CHANGE"
    assert await move("PAUSED") == "INVALID_STATUS_CHANGE"
    changed = await upsert(api, staff, cid, name="Too late")
    assert [e["code"] for e in changed["userErrors"]] == ["INVALID_STATUS_CHANGE"]
    draft_to_end = (await upsert(api, staff))["campaign"]["id"]
    assert (await set_status(api, staff, draft_to_end, "ENDED"))["campaign"]["status"] == "ENDED"


async def test_a_spent_budget_cannot_be_activated_again(api: Api) -> None:
    staff = await api.staff()
    partner = await api.partner()
    buyer = await api.member()
    campaign = await active_campaign(api, staff, multiplier=None, bonusPoints=30, budgetPoints=50)
    await purchase(api, partner, buyer.email, "10.00")
    second = await purchase(api, partner, buyer.email, "10.00")
    assert second["pointsEarned"] == 10 + 20
    third = await purchase(api, partner, buyer.email, "10.00")
    assert third["pointsEarned"] == 10  # the purchase still succeeds
    assert (await set_status(api, staff, campaign["id"], "PAUSED"))["userErrors"] == []
    refused = await set_status(api, staff, campaign["id"], "ACTIVE")
    assert [(e["code"], e["field"]) for e in refused["userErrors"]] == [("BUDGET_EXHAUSTED", "status")]
    raised = await upsert(api, staff, campaign["id"], multiplier=None, bonusPoints=30, budgetPoints=80)
    assert raised["userErrors"] == []
    assert (await set_status(api, staff, campaign["id"], "ACTIVE"))["campaign"]["status"] == "ACTIVE"
    got = (await api.run(CAMPAIGN, {"id": campaign["id"]}, staff))["campaign"]
    assert (got["pointsAwarded"], got["membersReached"], got["budgetPoints"]) == (50, 1, 80)


async def test_staff_write_analysts_read_members_and_partners_are_refused(api: Api) -> None:
    staff = await api.staff()
    reader = await analyst(api)
    member = await api.member()
    partner = await api.partner()
    cid = (await upsert(api, staff))["campaign"]["id"]

    for caller in (reader, member, partner):
        answer = await upsert(api, caller)
        assert [e["code"] for e in answer["userErrors"]] in (["FORBIDDEN"], ["NOT_AUTHENTICATED"])
        moved = await set_status(api, caller, cid, "ACTIVE")
        assert moved["campaign"] is None and moved["userErrors"]
    assert (await api.run(CAMPAIGNS, {}, reader))["campaigns"]["totalCount"] == 1
    assert (await api.run(CAMPAIGN, {"id": cid}, reader))["campaign"]["status"] == "DRAFT"
    for caller in (member, partner):
        assert (await api.run(CAMPAIGNS, {}, caller))["campaigns"]["totalCount"] == 0
        assert (await api.run(CAMPAIGN, {"id": cid}, caller))["campaign"] is None


async def test_every_change_is_audited(api: Api) -> None:
    staff = await api.staff()
    cid = (await upsert(api, staff, name="First name"))["campaign"]["id"]
    await upsert(api, staff, cid, name="Second name", budgetPoints=500)
    await set_status(api, staff, cid, "ACTIVE")
    await set_status(api, staff, cid, "ACTIVE")  # refused: leaves no trace
    rows = await AuditEntry.filter(target_type="campaign").order_by("id")
    assert [r.action for r in rows] == ["campaign.create", "campaign.update", "campaign.status"]
    assert rows[1].before["name"] == "First name" and rows[1].after["budget_points"] == 500
    assert (rows[2].before, rows[2].after) == ({"status": "DRAFT"}, {"status": "ACTIVE"})
    assert {r.actor_email for r in rows} == {staff.email}


async def test_the_list_is_newest_first_and_filters_by_status(api: Api) -> None:
    staff = await api.staff()
    first = (await upsert(api, staff, name="One"))["campaign"]["id"]
    await upsert(api, staff, name="Two")
    await set_status(api, staff, first, "ACTIVE")
    every = (await api.run(CAMPAIGNS, {}, staff))["campaigns"]
    assert [e["node"]["name"] for e in every["edges"]] == ["Two", "One"]
    active = (await api.run(CAMPAIGNS, {"status": "ACTIVE"}, staff))["campaigns"]
    assert [e["node"]["name"] for e in active["edges"]] == ["One"]

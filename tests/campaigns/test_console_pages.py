"""The console's campaign pages over ASGI: list with budget bars, editor with prefill, errors beside
fields, simulation, status buttons and results; analysts read only."""

from __future__ import annotations

import re

from server.accounts import set_role
from server.models import Campaign, CampaignStatus, Role
from tests.campaigns.support import active_campaign, purchase
from tests.rewards_portal_support import member_browser
from tests.support import Api

LOCATION = re.compile(r"/staff/campaigns/([A-Za-z0-9_-]+)$")

FORM = {
    "name": "Member day", "trigger": "PURCHASE", "startsAt": "2026-01-01T00:00", "endsAt": "",
    "recurrence": "FREQ=MONTHLY;BYMONTHDAY=8", "multiplier": "2", "bonusPoints": "", "minAmount": "",
    "budgetPoints": "1000", "perMemberCap": "", "holdoutPercent": "0", "days": "30", "action": "save",
}


async def test_staff_create_a_campaign_with_errors_beside_fields_simulate_and_activate(app, api: Api) -> None:
    async with member_browser(app, api) as (browser, me):
        await set_role(me.email or "", Role.STAFF)

        refused = await browser.post("/staff/campaigns/new", {**FORM, "multiplier": "12"})
        assert refused.status_code == 422
        assert 'id="f-multiplier" name="multiplier" inputmode="decimal" value="12" aria-invalid="true"' in refused.text
        assert 'id="e-multiplier"' in refused.text and "from 1 to 10" in refused.text
        bad_rule = await browser.post("/staff/campaigns/new", {**FORM, "recurrence": "FREQ=HOURLY"})
        assert bad_rule.status_code == 422 and 'id="e-recurrence"' in bad_rule.text
        assert await Campaign.all().count() == 0

        simulated = await browser.post("/staff/campaigns/new", {**FORM, "action": "simulate", "days": "7"})
        assert simulated.status_code == 200
        assert "Simulation over the last 7 days" in simulated.text and "reached 0 members" in simulated.text
        assert await Campaign.all().count() == 0

        saved = await browser.post("/staff/campaigns/new", FORM)
        assert saved.status_code == 303
        url_id = LOCATION.search(saved.headers["location"]).group(1)
        page = await browser.get(f"/staff/campaigns/{url_id}")
        assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
        assert "0 of 1,000 points given (0%)" in page.text and "Attributed revenue" in page.text
        moved = await browser.post(f"/staff/campaigns/{url_id}/status", {"status": "ACTIVE"})
        assert moved.status_code == 303
        assert (await Campaign.get()).status is CampaignStatus.ACTIVE
        again = await browser.post(f"/staff/campaigns/{url_id}/status", {"status": "ACTIVE"})
        followed = await browser.get(again.headers["location"])
        assert "cannot move to that status" in followed.text

        listed = await browser.get("/staff/campaigns")
        assert "Member day" in listed.text and "0 of 1,000 points given (0%)" in listed.text
        assert '<progress id="budget-1"' in listed.text


async def test_the_editor_takes_an_audience_from_the_url(app, api: Api) -> None:
    async with member_browser(app, api) as (browser, me):
        await set_role(me.email or "", Role.STAFF)
        page = await browser.get("/staff/campaigns/new?trigger=GRANT&stages=AT_RISK,CHURNED,BOGUS&name=Win%20back"
                                 "&tiers=gold&segments=CANNOT_LOSE")
    assert page.status_code == 200
    assert '<option value="GRANT" selected>' in page.text
    assert 'value="AT_RISK" checked' in page.text and 'value="CHURNED" checked' in page.text
    assert 'value="SLEEPING" checked' not in page.text and 'value="BOGUS"' not in page.text
    assert 'value="gold" checked' in page.text and 'value="CANNOT_LOSE" checked' in page.text
    assert 'value="Win back"' in page.text


async def test_results_show_beside_the_budget_and_analysts_only_read(app, api: Api) -> None:
    staff = await api.staff()
    partner = await api.partner()
    buyer = await api.member()
    made = await active_campaign(api, staff, name="Bonus", multiplier=None, bonusPoints=100, budgetPoints=400)
    await purchase(api, partner, buyer.email, "250.00")
    from portal.pages.redemptions import url_id

    async with member_browser(app, api) as (browser, me):
        await set_role(me.email or "", Role.ANALYST)
        page = await browser.get(f"/staff/campaigns/{url_id(made['id'])}")
        listed = await browser.get("/staff/campaigns")
        new = await browser.get("/staff/campaigns/new")
        post = await browser.post(f"/staff/campaigns/{url_id(made['id'])}/status", {"status": "PAUSED"})
    assert page.status_code == 200
    assert "100 of 400 points given (25%)" in page.text
    assert "250.00" in page.text and "1.00" in page.text  # attributed revenue; 100 points × 0.01
    assert "<fieldset class=\"plain\" disabled>" in page.text and "Save campaign" not in page.text
    assert listed.status_code == 200 and "New campaign" not in listed.text
    assert new.status_code == 403 and post.status_code == 403
    assert (await Campaign.get()).status is CampaignStatus.ACTIVE

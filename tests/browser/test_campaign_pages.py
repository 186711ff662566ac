"""Campaigns in a real browser: staff open the editor from a prefill link, see errors beside fields,
simulate, save and activate; the list shows the budget as text beside its bar; a member sees the offer
on the dashboard, in English and Chinese. axe-core finds no violation at all on these pages."""

from __future__ import annotations

import asyncio
import re

from playwright.async_api import expect

from tests.browser.conftest import _tab
from tests.browser.support import PASSWORD, api, check_axe, join, shoot, unique_email
from tests.browser.test_care_pages import _staff

END_CAMPAIGN = "mutation End($id: ID!) { setCampaignStatus(id: $id, status: ENDED) { userErrors { code } } }"


async def _axe_clean(page, name: str) -> None:
    summary = await check_axe(page, name)
    assert all(found == [] for found in summary.values()), summary


async def _staff_tab(browser, server, locale: str = "en"):
    email = unique_email("campaigns")
    tab_cm = _tab(browser, server)
    tab = await tab_cm.__aenter__()
    await tab.goto("/signup")
    await tab.get_by_label("Your name").fill("Sam Staff")
    await tab.get_by_label("E-mail", exact=True).fill(email)
    await tab.get_by_label("Password").fill(PASSWORD)
    await tab.get_by_role("button", name="Create my account").click()
    await tab.wait_for_url("**/dashboard")
    await asyncio.to_thread(server.cli, "staff", "grant", email)
    return tab_cm, tab


async def test_staff_set_up_a_member_day_and_members_see_the_offer(page, browser, portal_server) -> None:
    tab_cm, console = await _staff_tab(browser, portal_server)
    try:
        # The churn page's link opens the editor with the audience filled in
        await console.goto("/staff/campaigns/new?trigger=GRANT&stages=AT_RISK,CHURNED")
        await expect(console.get_by_role("heading", name="New campaign", level=1)).to_be_visible()
        await expect(console.get_by_label("Rewards")).to_have_value("GRANT")
        stages = console.get_by_role("group", name=re.compile("Lifecycle stages"))
        await expect(stages.get_by_label("At risk")).to_be_checked()
        await expect(stages.get_by_label("Churned")).to_be_checked()
        await expect(stages.get_by_label("Sleeping")).not_to_be_checked()
        await _axe_clean(console, "staff-campaign-prefilled")

        # A member day with a multiplier out of range: the error sits beside the field
        await console.goto("/staff/campaigns/new")
        await console.get_by_label("Name").fill("Member day")
        await console.get_by_label("Starts").fill("2026-01-01T00:00")
        await console.get_by_label("Repeats (RRULE, optional)").fill("FREQ=DAILY")
        await console.get_by_label("Points multiplier (1–10)").fill("12")
        await console.get_by_label("Budget (points)").fill("5000")
        await console.get_by_role("button", name="Save campaign").click()
        multiplier = console.get_by_label("Points multiplier (1–10)")
        await expect(multiplier).to_have_attribute("aria-invalid", "true")
        await expect(console.locator("#e-multiplier")).to_have_text(re.compile("from 1 to 10"))
        await shoot(console, "staff-campaign-error")
        await _axe_clean(console, "staff-campaign-error")

        await multiplier.fill("2")
        await console.get_by_role("button", name="Simulate").click()
        await expect(console.get_by_text("Simulation over the last 30 days")).to_be_visible()
        await _axe_clean(console, "staff-campaign-simulated")
        await console.get_by_role("button", name="Save campaign").click()
        await expect(console.get_by_text("Campaign saved.")).to_be_visible()
        await console.get_by_role("button", name="Activate").click()
        await expect(console.get_by_text("Campaign status changed.")).to_be_visible()
        await expect(console.get_by_text("0 of 5,000 points given (0%)")).to_be_visible()
        await shoot(console, "staff-campaign")
        await _axe_clean(console, "staff-campaign")

        await console.goto("/staff/campaigns")
        row = console.locator("tr", has_text="Member day")
        await expect(row.get_by_text("0 of 5,000 points given (0%)")).to_be_visible()
        await _axe_clean(console, "staff-campaigns")

        # The same pages in Chinese
        await console.locator("#lang-select").select_option("zh-CN")
        await expect(console.get_by_role("heading", name="营销活动", level=1)).to_be_visible()
        await expect(console.get_by_text("已发放 0 / 5,000 积分（0%）")).to_be_visible()
        await _axe_clean(console, "staff-campaigns-zh")
        await console.get_by_role("link", name="Member day").click()
        await expect(console.get_by_role("heading", name="效果")).to_be_visible()
        await _axe_clean(console, "staff-campaign-zh")
    finally:
        await tab_cm.__aexit__(None, None, None)

    # A member sees the offer on the dashboard, in their language
    await join(page, name="Mia Member")
    offers = page.get_by_role("region", name="Offers for you")
    await expect(offers.get_by_text("Member day: double points")).to_be_visible()
    await _axe_clean(page, "dashboard-offers")
    await page.locator("#lang-select").select_option("zh-CN")
    await expect(page.get_by_text("Member day：双倍积分")).to_be_visible()
    await _axe_clean(page, "dashboard-offers-zh")
    await _end_active_campaigns(portal_server)


async def _end_active_campaigns(server) -> None:
    """The browser tests share one server: leave no campaign running to change others' points."""
    _, headers = await _staff(server, "Campaign Cleaner")
    data = await api(server, "{ campaigns(first: 100, status: ACTIVE) { edges { node { id } } } }", {}, headers)
    for edge in data["campaigns"]["edges"]:
        ended = await api(server, END_CAMPAIGN, {"id": edge["node"]["id"]}, headers)
        assert ended["setCampaignStatus"]["userErrors"] == []

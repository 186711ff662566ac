"""The console's KPI dashboard in real Chromium: staff open it from the console's navigation, read the cards,
name every chart, open its numbers, pick periods (presets and custom days, a refusal beside the field), in English
and Chinese; analysts read it; members are refused. axe-core finds no violation at all on any state of the page."""

from __future__ import annotations

import asyncio
import re

from playwright.async_api import expect

from tests.browser.conftest import _tab
from tests.browser.support import PASSWORD, api, check_axe, purchase, shoot, unique_email

SIGN_UP = "mutation SignUp($input: SignUpInput!) { signUp(input: $input) { token userErrors { code } } }"
CAMPAIGN = """
mutation Make($input: CampaignInput!) { upsertCampaign(input: $input) { campaign { id } userErrors { code } } }
"""
STATUS = """
mutation Move($id: ID!, $status: CampaignStatus!) {
  setCampaignStatus(id: $id, status: $status) { userErrors { code } }
}
"""


_tokens: dict[str, str] = {}


async def _account(server, name: str, locale: str = "en", role: str | None = None) -> str:
    email = unique_email("kpis")
    data = await api(server, SIGN_UP, {"input": {"email": email, "password": PASSWORD, "displayName": name,
                                                 "locale": locale}})
    assert data["signUp"]["userErrors"] == []
    _tokens[email] = data["signUp"]["token"]
    if role:
        await asyncio.to_thread(server.cli, "staff", "grant", email, "--role", role)
    return email


async def _campaign(server, staff: str, name: str) -> str:
    headers = {"Authorization": f"Bearer {_tokens[staff]}"}
    made = await api(server, CAMPAIGN, {"input": {"name": name, "trigger": "PURCHASE", "multiplier": "2",
                                                  "startsAt": "2020-01-01T00:00:00+00:00"}}, headers)
    assert made["upsertCampaign"]["userErrors"] == []
    campaign_id = made["upsertCampaign"]["campaign"]["id"]
    await _move(server, staff, campaign_id, "ACTIVE")
    return campaign_id


async def _move(server, staff: str, campaign_id: str, status: str) -> None:
    headers = {"Authorization": f"Bearer {_tokens[staff]}"}
    moved = await api(server, STATUS, {"id": campaign_id, "status": status}, headers)
    assert moved["setCampaignStatus"]["userErrors"] == []


async def _log_in(tab, email: str) -> None:
    await tab.goto("/login")
    await tab.locator("#f-email").fill(email)
    await tab.locator("#f-password").fill(PASSWORD)
    await tab.locator("main form button[type=submit]").first.click()
    await tab.wait_for_url(re.compile(r".*/(dashboard|staff|catalog).*"))


async def _no_violations(tab, name: str) -> None:
    summary = await check_axe(tab, name)
    assert all(found == [] for found in summary.values()), summary


async def test_staff_read_the_kpis_charts_and_numbers_and_pick_periods(browser, portal_server) -> None:
    staff = await _account(portal_server, "Sam Staff", role="staff")
    campaign = await _campaign(portal_server, staff, "Double points weekend")
    buyer = await _account(portal_server, "Bo Buyer")
    await purchase(portal_server, buyer, "88.00")
    await purchase(portal_server, buyer, "12.50")
    await _move(portal_server, staff, campaign, "ENDED")  # the server is shared: other tests' purchases stay single

    async with _tab(browser, portal_server) as tab:
        await _log_in(tab, staff)
        await tab.goto("/staff")
        await tab.get_by_role("navigation", name="Staff console").get_by_role("link", name="KPIs").click()
        await expect(tab.get_by_role("heading", name="Programme KPIs", level=1)).to_be_visible()
        await expect(tab.get_by_role("link", name="Last 30 days")).to_have_attribute("aria-current", "page")
        revenue = tab.locator(".kpi-card", has=tab.locator("dt", has_text="Revenue"))
        await expect(revenue.locator(".kpi-value")).to_have_text(re.compile(r"^CNY [\d,]+\.\d\d$"))
        for name in ("Points issued and redeemed", "Active and new members", "Members per tier"):
            await expect(tab.get_by_role("img", name=name)).to_be_visible()
        chart = tab.get_by_role("region", name="Points issued and redeemed", exact=True)
        await chart.get_by_text("Show the numbers").click()
        numbers = chart.get_by_role("table", name="Points issued and redeemed")
        await expect(numbers).to_be_visible()
        await expect(numbers.locator("tbody tr")).to_have_count(30)
        today = await numbers.locator("tbody tr").last.locator("td").first.text_content()
        assert int((today or "0").replace(",", "")) >= 201  # 100 points and 101 more from the campaign
        returns = tab.get_by_role("region", name="Campaign returns", exact=True)
        row = returns.get_by_role("row", name=re.compile("Double points weekend"))
        await expect(row.get_by_role("cell").nth(0)).to_have_text("Ended")
        # 88 + 13 extra points (12.50 × 2 earns 25, not 24) at 0.01 a point
        await expect(row.get_by_role("cell").nth(2)).to_have_text("CNY 1.01")
        await shoot(tab, "staff-kpis")
        await _no_violations(tab, "staff-kpis")

        await tab.get_by_role("link", name="Last 365 days").click()
        await expect(tab.get_by_role("link", name="Last 365 days")).to_have_attribute("aria-current", "page")
        tiers = tab.get_by_role("region", name="Members per tier", exact=True)
        await tiers.get_by_text("Show the numbers").click()
        await expect(tiers.get_by_role("row", name=re.compile("Silver"))).to_be_visible()
        members = tab.get_by_role("region", name="Active and new members", exact=True)
        await members.get_by_text("Show the numbers").click()
        await expect(members.get_by_role("columnheader", name="Month")).to_be_visible()

        await tab.get_by_label("From").fill("2026-03-02")
        await tab.get_by_label("To").fill("2026-03-01")
        await tab.get_by_role("button", name="Show").click()
        to_field = tab.get_by_label("To")
        await expect(to_field).to_have_attribute("aria-invalid", "true")
        await expect(to_field).to_have_accessible_description("The last day must not be before the first.")
        await expect(tab.get_by_role("img", name="Members per tier")).to_have_count(0)
        await shoot(tab, "staff-kpis-refused")
        await _no_violations(tab, "staff-kpis-refused")


async def test_the_dashboard_in_chinese_for_analysts_and_refused_to_members(browser, portal_server) -> None:
    analyst = await _account(portal_server, "安分析", locale="zh-CN", role="analyst")
    member = await _account(portal_server, "Mo Member")

    async with _tab(browser, portal_server) as tab:
        await _log_in(tab, analyst)
        await tab.goto("/staff/kpis?days=90")
        await expect(tab.get_by_role("heading", name="会员计划指标", level=1)).to_be_visible()
        await expect(tab.get_by_role("img", name="积分发放与兑换")).to_be_visible()
        chart = tab.get_by_role("region", name="活跃会员与新会员", exact=True)
        await chart.get_by_text("查看数据").click()
        await expect(chart.get_by_role("columnheader", name="周（起始日）")).to_be_visible()
        await shoot(tab, "staff-kpis-zh")
        await _no_violations(tab, "staff-kpis-zh")

    async with _tab(browser, portal_server) as tab:
        await _log_in(tab, member)
        response = await tab.goto("/staff/kpis")
        assert response is not None and response.status in (403, 404)
        await expect(tab.get_by_role("img", name="Points issued and redeemed")).to_have_count(0)

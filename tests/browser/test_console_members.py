"""The console's member pages in real Chromium: staff find a member from the navigation, open their page and
adjust points (a double submit adjusts once); analysts see no action forms; the pages in Chinese. axe-core
reports no violation at all on these pages."""

from __future__ import annotations

import asyncio
import re

from playwright.async_api import expect

from tests.browser.conftest import _tab
from tests.browser.support import api, check_axe, purchase, shoot
from tests.browser.test_care_pages import _api_member, _log_in, _staff

LEDGER = """
query($email: String!) { memberByEmail(email: $email) { points { balance ledger(first: 50) {
  edges { node { kind delta } } } } } }
"""


async def axe_clean(page, name: str) -> None:
    summary = await check_axe(page, name)
    assert all(found == [] for found in summary.values()), summary


async def _adjustments(server, staff_headers: dict, email: str) -> tuple[int, list[int]]:
    data = await api(server, LEDGER, {"email": email}, staff_headers)
    points = data["memberByEmail"]["points"]
    edges = points["ledger"]["edges"]
    return points["balance"], [e["node"]["delta"] for e in edges if e["node"]["kind"] == "ADJUSTMENT"]


async def test_staff_find_a_member_and_adjust_their_points_once(browser, portal_server) -> None:
    member_email, _ = await _api_member(portal_server, "Qiao Browser")
    await purchase(portal_server, member_email, "100.00")
    staff_email, staff_headers = await _staff(portal_server, "Sam Staff")
    async with _tab(browser, portal_server) as console:
        await _log_in(console, staff_email)
        await console.goto("/staff")
        await console.get_by_role("navigation", name="Staff console").get_by_role("link", name="Members").click()
        await expect(console.get_by_role("heading", name="Members", level=1)).to_be_visible()
        await console.get_by_label("E-mail or name").fill("qiao")
        await console.get_by_role("button", name="Search").click()
        await console.wait_for_url(re.compile(r".*/staff/members\?q=qiao"))
        await expect(console.get_by_role("heading", name="1 members")).to_be_visible()
        await shoot(console, "staff-members")
        await axe_clean(console, "staff-members")
        await console.get_by_role("link", name="Qiao Browser").click()
        await expect(console.get_by_role("heading", name="Qiao Browser", level=1)).to_be_visible()
        # other browser tests share this server (an active campaign may add a CAMPAIGN entry)
        await expect(console.get_by_text(re.compile(r"Points history \(\d+ entries\)"))).to_be_visible()
        await axe_clean(console, "staff-member")

        # A form left incomplete shows its errors beside the fields, and the page stays accessible.
        await console.get_by_label("Points (negative to take away)").fill("lots")
        await console.get_by_role("button", name="Adjust points").click()
        await expect(console.get_by_text("Enter a whole number of points")).to_be_visible()
        await axe_clean(console, "staff-member-errors")

        # The adjustment, clicked twice in a hurry: applied once.
        await console.get_by_label("Points (negative to take away)").fill("30")
        await console.get_by_label("Kind of adjustment").select_option("SERVICE_RECOVERY")
        await console.get_by_label("What happened (the member sees this)").fill("Parcel arrived late")
        await console.get_by_role("button", name="Adjust points").dblclick()
        await expect(console.get_by_text("Points adjusted by +30.")).to_be_visible()
        await shoot(console, "staff-member-adjusted")
        assert await _adjustments(portal_server, staff_headers, member_email) == (130, [30])

        # The same form sent twice at once (what a double submit is, made certain): still once.
        await console.get_by_label("Points (negative to take away)").fill("-20")
        await console.get_by_label("Kind of adjustment").select_option("CORRECTION")
        await console.get_by_label("What happened (the member sees this)").fill("Double credit")
        statuses = await console.evaluate("""async () => {
            const form = document.querySelector('form[action$="/adjust"]');
            const send = () => fetch(form.action, {method: 'POST', body: new FormData(form), redirect: 'manual'});
            const answers = await Promise.all([send(), send()]);
            return answers.map(a => a.type === 'opaqueredirect' ? 303 : a.status);
        }""")
        assert statuses == [303, 303]
        assert await _adjustments(portal_server, staff_headers, member_email) == (110, [-20, 30])


async def test_analysts_read_a_member_without_any_action_form(browser, portal_server) -> None:
    member_email, _ = await _api_member(portal_server, "Rui Readonly")
    analyst_email, _ = await _api_member(portal_server, "Ana Analyst")
    await asyncio.to_thread(portal_server.cli, "staff", "grant", analyst_email, "--role", "analyst")
    async with _tab(browser, portal_server) as console:
        await _log_in(console, analyst_email)
        await console.goto("/staff/members?q=" + member_email)
        await console.get_by_role("link", name="Rui Readonly").click()
        await expect(console.get_by_role("heading", name="Rui Readonly", level=1)).to_be_visible()
        await expect(console.get_by_text("Analysts can look at members but not change")).to_be_visible()
        assert await console.locator("main form[method=post]").count() == 0
        await axe_clean(console, "staff-member-analyst")


async def test_the_member_pages_in_chinese(browser, portal_server) -> None:
    member_email, _ = await _api_member(portal_server, "张伟")
    staff_email, _ = await _staff(portal_server, "王芳", locale="zh-CN")
    async with _tab(browser, portal_server) as console:
        await _log_in(console, staff_email)
        await console.goto("/staff/members?segment=NO_PURCHASES&stage=NEW")
        await expect(console.get_by_role("heading", name="会员", level=1)).to_be_visible()
        await expect(console.get_by_text("分群与阶段")).to_be_visible()
        await axe_clean(console, "staff-members-zh")
        await console.goto("/staff/members?q=" + member_email)
        await console.get_by_role("link", name="张伟").click()
        await expect(console.get_by_role("heading", name="调整积分")).to_be_visible()
        await console.get_by_role("button", name="更正生日").click()
        await expect(console.get_by_text("请输入出生日期。")).to_be_visible()
        await shoot(console, "staff-member-zh")
        await axe_clean(console, "staff-member-zh")

"""The console's catalog, audit log (and, below, moderation and home) in real Chromium, with axe-core finding
no violation at all in each state: empty, errors shown, filled; the analyst sees them read-only."""

from __future__ import annotations

import asyncio
import itertools
import re

from playwright.async_api import expect

from tests.browser.conftest import _tab
from tests.browser.support import PASSWORD, api, check_axe, shoot, unique_email

SIGN_UP = "mutation SignUp($input: SignUpInput!) { signUp(input: $input) { token userErrors { code } } }"
_n = itertools.count(1)


async def no_violations(page, name: str) -> None:
    """axe-core: not one violation, whatever its impact, at phone and desktop widths."""
    summary = await check_axe(page, name)
    assert all(found == [] for found in summary.values()), f"{name}: {summary}"


async def team_member(server, role: str = "staff", name: str = "Sam Staff") -> str:
    email = unique_email(role)
    data = await api(server, SIGN_UP, {"input": {"email": email, "password": PASSWORD, "displayName": name}})
    assert data["signUp"]["userErrors"] == []
    await asyncio.to_thread(server.cli, "staff", "grant", email, "--role", role)
    return email


async def log_in(tab, email: str, then: str) -> None:
    await tab.goto("/login")
    await tab.locator("#f-email").fill(email)
    await tab.locator("#f-password").fill(PASSWORD)
    await tab.locator("main form button[type=submit]").first.click()
    await tab.wait_for_url(re.compile(r".*/(dashboard|staff).*"))
    await tab.goto(then)


async def test_staff_create_fix_and_deactivate_a_benefit_and_find_it_in_the_audit_log(page, portal_server) -> None:
    slug = f"browser-tea-{next(_n)}-{id(page) % 997}"
    email = await team_member(portal_server)
    await log_in(page, email, "/staff/catalog")
    await expect(page.get_by_role("heading", name="Catalog", level=1)).to_be_visible()
    await page.get_by_role("link", name="New benefit").click()
    await expect(page.get_by_role("heading", name="New benefit", level=1)).to_be_visible()
    await no_violations(page, "staff-benefit-new")

    # Mistakes come back beside their fields, what was typed stays
    await page.get_by_label("Slug").fill("Tea Pot!")
    await page.get_by_label("Category").fill("dining")
    await page.get_by_label("Title (English)").fill("Browser tea")
    await page.get_by_label("Title (Chinese)").fill("浏览器茶")
    await page.get_by_label("Points cost").fill("0")
    await page.get_by_role("button", name="Create benefit").click()
    await expect(page.locator("#e-slug")).to_contain_text("lower-case letters")
    await expect(page.locator("#e-pointsCost")).to_contain_text("from 1 to")
    await expect(page.get_by_label("Title (English)")).to_have_value("Browser tea")
    await shoot(page, "staff-benefit-errors")
    await no_violations(page, "staff-benefit-errors")

    await page.get_by_label("Slug").fill(slug)
    await page.get_by_label("Points cost").fill("120")
    await page.get_by_label("Stock").fill("10")
    await page.get_by_role("button", name="Create benefit").click()
    await expect(page.get_by_text("Benefit saved.")).to_be_visible()
    row = page.locator("tr", has_text=slug)
    await expect(row).to_contain_text("10 of 10 left")
    await shoot(page, "staff-catalog")
    await no_violations(page, "staff-catalog")

    # Deactivated from the list, in one keyboard-reachable button
    await row.get_by_role("button", name="Deactivate").click()
    await expect(page.get_by_text("is deactivated: members no longer see it.")).to_be_visible()
    await expect(page.locator("tr", has_text=slug)).to_contain_text("Inactive")

    # Edit: the stored texts come back in the form
    await page.get_by_role("link", name="Browser tea").first.click()
    await expect(page.get_by_label("Title (Chinese)")).to_have_value("浏览器茶")
    await page.get_by_label("Points cost").fill("150")
    await page.get_by_role("button", name="Save changes").click()
    await expect(page.get_by_text("Benefit saved.")).to_be_visible()

    # The audit log shows all three, newest first, and filters by kind
    await page.get_by_role("link", name="Audit log").click()
    mine = page.locator("tbody tr", has_text=slug)
    await expect(mine).to_have_count(3)
    await expect(mine.first).to_contain_text("Benefit changed")
    await expect(mine.first).to_contain_text("points_cost: 120 → 150")
    await shoot(page, "staff-audit")
    await no_violations(page, "staff-audit")
    await page.get_by_label("Kind of action").select_option("benefit.deactivate")
    await page.get_by_role("button", name="Filter").click()
    await expect(page).to_have_url(re.compile(r"action=benefit.deactivate"))
    await expect(page.locator("tbody tr", has_text=slug)).to_contain_text("Benefit deactivated")
    await page.get_by_label("Kind of action").select_option("member.birthday_correct")
    await page.get_by_role("button", name="Filter").click()
    await expect(page.get_by_text("No staff action matches these filters.")).to_be_visible()
    await no_violations(page, "staff-audit-empty")


async def test_an_analyst_reads_the_catalog_and_audit_log_without_any_form(browser, portal_server) -> None:
    email = await team_member(portal_server, "analyst", "Ana Analyst")
    async with _tab(browser, portal_server) as tab:
        await log_in(tab, email, "/staff/catalog/new")
        await expect(tab.get_by_text("Analysts can read the catalog but not change it.")).to_be_visible()
        await expect(tab.get_by_label("Slug")).to_be_disabled()
        await expect(tab.get_by_role("button", name="Create benefit")).to_have_count(0)
        await no_violations(tab, "staff-benefit-analyst")
        await tab.goto("/staff/catalog")
        await expect(tab.get_by_role("link", name="New benefit")).to_have_count(0)
        await expect(tab.get_by_role("button", name="Deactivate")).to_have_count(0)
        await tab.goto("/staff/audit")
        await expect(tab.get_by_role("heading", name="Audit log", level=1)).to_be_visible()
        await expect(tab.get_by_text("Analyst · read-only")).to_be_visible()


SUBMIT = "mutation S($i: ReviewInput!) { submitReview(input: $i) { review { id } userErrors { code } } }"


async def _review(server, title: str) -> None:
    email = unique_email("author")
    data = await api(server, SIGN_UP, {"input": {"email": email, "password": PASSWORD, "displayName": "Rita Writer"}})
    headers = {"Authorization": f"Bearer {data['signUp']['token']}"}
    sent = await api(server, SUBMIT, {"i": {"subject": f"sku:{title.lower().replace(' ', '-')}", "rating": 4,
                                            "title": title, "body": "Nice.\nWould buy again."}}, headers)
    assert sent["submitReview"]["userErrors"] == []


async def test_staff_work_the_moderation_queue_from_the_home_page_in_bulk_and_one_by_one(page, portal_server) -> None:
    run = next(_n)
    titles = [f"Queue review {run}-{n}" for n in range(3)]
    for title in titles:
        await _review(portal_server, title)
    email = await team_member(portal_server)
    await log_in(page, email, "/staff")
    waiting = page.locator(".figure", has_text="Reviews to moderate")
    await expect(waiting.locator(".figure-value")).to_have_text(re.compile(r"[1-9]\d*"))
    await shoot(page, "staff-home")
    await no_violations(page, "staff-home")

    await waiting.get_by_role("link").click()
    await expect(page.get_by_role("heading", name="Reviews waiting for moderation")).to_be_visible()
    await expect(page.locator("tbody tr", has_text=titles[0])).to_contain_text("Rita Writer")
    await shoot(page, "staff-reviews")
    await no_violations(page, "staff-reviews")
    for title in titles[:2]:
        await page.get_by_role("checkbox", name=f"Select {title}").check()
    await page.get_by_role("button", name="Publish selected").click()
    await expect(page.get_by_text("Reviews published: 2.")).to_be_visible()
    await expect(page.locator("tbody tr", has_text=titles[0])).to_have_count(0)
    await page.get_by_role("button", name=f"Reject {titles[2]}").click()
    await expect(page.get_by_text("Reviews rejected: 1.")).to_be_visible()
    await expect(page.get_by_text("No review is waiting. Well done!")).to_be_visible()
    await no_violations(page, "staff-reviews-empty")

    await page.get_by_role("link", name="Audit log").click()
    await expect(page.locator("tbody tr", has_text="Review published")).to_have_count(2)
    await expect(page.locator("tbody tr", has_text="Review rejected").first).to_contain_text("PENDING → REJECTED")


async def test_an_analyst_reads_the_queue_and_the_home_page_without_forms(browser, portal_server) -> None:
    title = f"Analyst sees {next(_n)}"
    await _review(portal_server, title)
    email = await team_member(portal_server, "analyst", "Ann Analyst")
    async with _tab(browser, portal_server) as tab:
        await log_in(tab, email, "/staff/reviews")
        await expect(tab.locator("tbody tr", has_text=title)).to_be_visible()
        await expect(tab.get_by_role("checkbox")).to_have_count(0)
        await expect(tab.get_by_role("button", name="Publish selected")).to_have_count(0)
        await no_violations(tab, "staff-reviews-analyst")
        await tab.goto("/staff")
        await expect(tab.locator(".figure", has_text="Reviews to moderate")).to_be_visible()

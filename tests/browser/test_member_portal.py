"""The member portal in a real browser: joining by referral link, check-in, language, history, log-out."""

from __future__ import annotations

import re

from playwright.async_api import expect

from tests.browser.support import api_member, check_axe, join, purchase, shoot


async def test_join_by_referral_link_check_in_twice_and_log_out(page, portal_server) -> None:
    # given a member's share link
    referrer = await api_member(portal_server)
    assert referrer["shareUrl"] == f"{portal_server.url}/signup?ref={referrer['code']}"
    # when a friend opens it, the code is filled in for them
    await page.goto(referrer["shareUrl"])
    await expect(page.get_by_label("Referral code (optional)")).to_have_value(referrer["code"])
    await shoot(page, "signup")
    await check_axe(page, "signup")
    await join(page, name="Bo Chen", ref=referrer["code"])
    await expect(page.locator("#flash")).to_contain_text("Welcome to Patron, Bo Chen!")
    # checking in swaps the card in place (no page load) and shows points and streak
    await page.evaluate("window.__samePage = true")
    await page.get_by_role("button", name="Check in").click()
    await expect(page.locator("#check-in-result")).to_contain_text("Checked in! +5 points · 1-day streak")
    await expect(page.locator("#balance-value")).to_have_text("5")
    # a second press says so
    await page.get_by_role("button", name="Checked in").click()
    await expect(page.locator("#check-in-result")).to_have_text("You've already checked in today. Come back tomorrow!")
    assert await page.evaluate("window.__samePage") is True
    await expect(page.locator("#balance-value")).to_have_text("5")
    await shoot(page, "dashboard")
    await check_axe(page, "dashboard")
    # logging out ends the session: the dashboard now asks to log in
    await page.get_by_role("button", name="Log out").click()
    await page.wait_for_url("**/login")
    await expect(page.locator("#flash")).to_contain_text("You have been logged out.")
    await shoot(page, "login")
    await check_axe(page, "login")
    await page.goto("/dashboard")
    await expect(page).to_have_url(re.compile(r"/login\?next=%2Fdashboard$"))


async def test_switch_to_chinese_and_back(page, portal_server) -> None:
    await join(page, name="Wang Fang")
    await page.get_by_label("Language").select_option("zh-CN")
    await expect(page.locator("h1")).to_contain_text("你好，Wang Fang")
    await expect(page.locator("html")).to_have_attribute("lang", "zh-Hans-CN")
    await expect(page.get_by_role("button", name="签到")).to_be_visible()
    await shoot(page, "dashboard-zh")
    await check_axe(page, "dashboard-zh")
    await page.get_by_role("button", name="签到").click()
    await expect(page.locator("#check-in-result")).to_contain_text("签到成功")
    await page.goto("/points")
    await expect(page.locator("h1")).to_have_text("积分明细")
    await expect(page.locator(".kind-pill").first).to_have_text("每日签到")
    await shoot(page, "points-zh")
    await check_axe(page, "points-zh")
    # the choice is saved on the profile, so it survives a new browser session
    await page.goto("/profile")
    await expect(page.get_by_label("简体中文")).to_be_checked()
    await shoot(page, "profile-zh")
    await page.locator("#lang-select").select_option("en")
    await expect(page.locator("h1")).to_have_text("Your profile")


async def test_points_history_loads_more_in_place(page, portal_server) -> None:
    email = await join(page, name="Li Hua")
    for i in range(24):
        await purchase(portal_server, email, f"{10 + i}.00")
    await page.get_by_role("button", name="Check in").click()
    await expect(page.locator("#check-in-result")).to_contain_text("Checked in!")
    await page.goto("/points")
    rows = page.locator("tr.ledger-row")
    await expect(rows).to_have_count(20)
    await expect(rows.first.locator(".kind-pill")).to_have_text("Daily check-in")
    await shoot(page, "points")
    await check_axe(page, "points")
    await page.get_by_role("link", name="Load more").click()
    await expect(rows).to_have_count(25)
    await expect(page).to_have_url(re.compile(r"/points$"))  # appended in place, no navigation
    await expect(page.get_by_role("link", name="Load more")).to_have_count(0)
    # the oldest row's running balance is its own amount; signs are shown
    await expect(rows.last.locator(".delta")).to_have_text(re.compile(r"^\+\d+$"))
    await shoot(page, "points-all")


async def test_profile_notifications_and_home_pages(page, portal_server) -> None:
    await page.goto("/")
    await expect(page.get_by_role("link", name="Join for free")).to_be_visible()
    await shoot(page, "home")
    await check_axe(page, "home")
    email = await join(page, name="Zhao Min")
    await purchase(portal_server, email, "6000.00")  # enough to reach Gold: a tier-upgrade notification
    await page.goto("/dashboard")
    await expect(page.locator("#unread-badge")).to_contain_text("1")
    await expect(page.locator(".tier-name")).to_have_text("Gold")
    await shoot(page, "dashboard-gold")
    await page.locator("#notif-link").click()
    await expect(page.locator(".notif").first).to_contain_text("Welcome to Gold")
    await expect(page.locator("#unread-badge")).to_have_count(0)
    await shoot(page, "notifications")
    await check_axe(page, "notifications")
    await page.goto("/profile")
    await page.get_by_label("Display name").fill("Zhao Min Jr.")
    await page.get_by_label("Time zone").select_option("Europe/Paris")
    await page.get_by_role("button", name="Save changes").click()
    await expect(page.locator("#flash")).to_contain_text("Your profile is saved.")
    await expect(page.get_by_label("Time zone")).to_have_value("Europe/Paris")
    await shoot(page, "profile")
    await check_axe(page, "profile")
    await page.goto("/nowhere")
    await shoot(page, "not-found")
    await check_axe(page, "not-found")


async def test_without_javascript_join_and_check_in_work_as_plain_forms(nojs_page, portal_server) -> None:
    page = nojs_page
    referrer = await api_member(portal_server)
    await page.goto(referrer["shareUrl"])
    await expect(page.get_by_label("Referral code (optional)")).to_have_value(referrer["code"])
    await join(page, name="No Script", ref=referrer["code"])
    await page.get_by_role("button", name="Check in").click()
    await page.wait_for_url("**/dashboard")
    await expect(page.locator("#flash")).to_contain_text("Checked in! +5 points")
    await expect(page.locator("#balance-value")).to_have_text("5")
    await page.get_by_role("button", name="Checked in").click()
    await page.wait_for_url("**/dashboard")
    await expect(page.locator("#flash")).to_contain_text("already checked in today")
    await expect(page.locator("#balance-value")).to_have_text("5")
    # the language switcher has a visible submit button without JavaScript
    await page.get_by_label("Language").select_option("zh-CN")
    await page.get_by_role("button", name="Change").click()
    await expect(page.locator("h1")).to_contain_text("你好")
    await shoot(page, "dashboard-nojs-zh")
    await page.get_by_role("button", name="退出登录").click()
    await page.wait_for_url("**/login")

"""Data rights in a real browser: download my data, then delete my account (accessible, en and zh-CN)."""

from __future__ import annotations

import json
import re

from playwright.async_api import expect

from tests.browser.support import PASSWORD, check_axe, join, purchase, shoot


async def test_downloading_my_data_then_deleting_my_account(page, portal_server) -> None:
    email = await join(page, name="Data Owner")
    await purchase(portal_server, email, "30.00")
    await page.goto("/profile")
    await check_axe(page, "profile-with-data-rights")

    async with page.expect_download() as waiting:
        await page.get_by_role("link", name="Download my data").click()
    download = await waiting.value
    assert re.fullmatch(r"patron-my-data-\d{4}-\d{2}-\d{2}\.json", download.suggested_filename)
    data = json.loads((await download.path()).read_text(encoding="utf-8"))
    assert data["profile"]["email"] == email and data["ledger"][0]["kind"] == "PURCHASE"

    await page.get_by_role("link", name="Delete my account").click()
    await expect(page.locator("h1")).to_have_text("Delete my account")
    await check_axe(page, "delete-account")
    await page.get_by_label("Your password").fill(PASSWORD)
    await page.get_by_role("button", name="Delete my account").click()
    await expect(page.locator("#e-understood")).to_contain_text("Tick the box")
    await check_axe(page, "delete-account-error")
    await shoot(page, "delete-account-error")

    await page.get_by_label("Your password").fill(PASSWORD)
    await page.get_by_label("I understand").check()
    await page.get_by_role("button", name="Delete my account").click()
    await expect(page.locator("#flash")).to_contain_text("Your account is deleted")
    await page.goto("/profile")
    await page.wait_for_url(re.compile(r".*/login\?next=.*"))


async def test_the_deletion_page_in_chinese_is_accessible(page, portal_server) -> None:
    await join(page, name="Zhou Xin")
    await page.get_by_label("Language").select_option("zh-CN")
    await expect(page.locator("html")).to_have_attribute("lang", "zh-Hans-CN")
    await page.goto("/profile/delete")
    await expect(page.locator("h1")).to_have_text("删除我的账户")
    await check_axe(page, "delete-account-zh")
    await shoot(page, "delete-account-zh")

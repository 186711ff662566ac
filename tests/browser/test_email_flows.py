"""E-mail flows in a real browser: forgotten password, confirming the address, changing it and the
password, choosing e-mails and one-click unsubscribe. The server has no PATRON_SMTP_URL (development),
so messages land as .eml files under its var directory, where the test reads them like a mailbox."""

from __future__ import annotations

import asyncio
import re
import time
from email.message import EmailMessage
from pathlib import Path

from playwright.async_api import expect

from tests.browser.support import PASSWORD, check_axe, join, purchase, shoot, unique_email
from tests.mail_support import eml_files, link_in


async def mail_for(server, address: str, subject: str, within: float = 20) -> EmailMessage:
    """Wait for the server's sender loop to write the message (it runs every 2 s)."""
    folder = Path(server.env["PATRON_VAR_DIR"]) / "mail"
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if folder.exists():
            found = [m for m in eml_files(folder) if m["To"] == address and m["Subject"] == subject]
            if found:
                return found[-1]
        await asyncio.sleep(0.3)
    raise AssertionError(f"no e-mail {subject!r} to {address} within {within} s")


def local(link: str, server) -> str:
    assert link.startswith(server.url), link  # links are built on the server's public address
    return link.removeprefix(server.url)


async def test_forgot_password_without_javascript_resets_and_signs_in(nojs_page, portal_server) -> None:
    page = nojs_page
    email = await join(page, name="Forgetful Fan")
    await page.get_by_role("button", name="Log out").click()
    await page.wait_for_url("**/login")
    await page.get_by_role("link", name="Forgot your password?").click()
    await page.get_by_label("E-mail").fill(email)
    await page.get_by_role("button", name="Send me a link").click()
    await expect(page.get_by_role("status").filter(has_text="we have sent it a link")).to_be_visible()
    await shoot(page, "forgot-password-sent")

    message = await mail_for(portal_server, email, "Reset your Patron password")
    response = await page.goto(local(link_in(message, "reset-password"), portal_server))
    assert response is not None and response.headers["referrer-policy"] == "no-referrer"
    await shoot(page, "reset-password")
    await page.get_by_label("New password", exact=True).fill("my-new-secret-1")
    await page.get_by_label("New password, again").fill("my-new-secret-2")
    await page.get_by_role("button", name="Save my new password").click()
    await expect(page.locator("#e-repeatPassword")).to_have_text("The two passwords are not the same.")
    await page.get_by_label("New password", exact=True).fill("my-new-secret-1")
    await page.get_by_label("New password, again").fill("my-new-secret-1")
    await page.get_by_role("button", name="Save my new password").click()
    await page.wait_for_url("**/dashboard")
    await expect(page.locator("#flash")).to_contain_text("Your new password is set.")

    # the old password no longer works, the new one does
    await page.get_by_role("button", name="Log out").click()
    await page.get_by_label("E-mail").fill(email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await expect(page.get_by_role("alert")).to_contain_text("don't match")
    await page.get_by_label("Password").fill("my-new-secret-1")
    await page.get_by_role("button", name="Log in").click()
    await page.wait_for_url("**/dashboard")
    assert (await mail_for(portal_server, email, "Your password was changed"))["To"] == email


async def test_forgot_and_reset_pages_are_accessible(page, portal_server) -> None:
    email = await join(page, name="Axe Checker")
    await page.get_by_role("button", name="Log out").click()
    await page.goto("/forgot-password")
    await check_axe(page, "forgot-password")
    await page.get_by_label("E-mail").fill(email)
    await page.get_by_role("button", name="Send me a link").click()
    await check_axe(page, "forgot-password-sent")
    message = await mail_for(portal_server, email, "Reset your Patron password")
    await page.goto(local(link_in(message, "reset-password"), portal_server))
    await check_axe(page, "reset-password")
    await page.goto("/reset-password?token=used-or-made-up")
    await expect(page.get_by_role("alert")).to_contain_text("expired or was already used")
    await check_axe(page, "reset-password-expired")


async def test_confirming_the_address_removes_the_reminder(page, portal_server) -> None:
    email = await join(page, name="New Joiner")
    banner = page.get_by_role("region", name="Confirm your e-mail address")
    await expect(banner).to_contain_text(f"we sent a link to {email}")
    await shoot(page, "dashboard-unconfirmed")
    await check_axe(page, "dashboard-unconfirmed")
    await banner.get_by_role("button", name="Send it again").click()
    await expect(page.locator("#flash")).to_contain_text(f"We sent a new link to {email}.")

    message = await mail_for(portal_server, email, "Confirm your e-mail address for Patron")
    await page.goto(local(link_in(message, "confirm-email"), portal_server))
    await check_axe(page, "confirm-email")
    await page.get_by_role("button", name="Confirm my e-mail address").click()
    await page.wait_for_url("**/profile")
    await expect(page.locator("#flash")).to_contain_text("your e-mail address is confirmed")
    await expect(page.get_by_text("Confirmed", exact=True)).to_be_visible()
    await expect(page.get_by_role("region", name="Confirm your e-mail address")).to_have_count(0)


async def test_changing_address_and_password_in_the_profile(page, portal_server) -> None:
    email = await join(page, name="Mover Lin")
    await page.goto("/profile")
    new_address = unique_email("moved")
    await page.get_by_label("New e-mail address").fill(new_address)
    await page.get_by_label("Your password").fill("wrong-password-1")
    await page.get_by_role("button", name="Change e-mail address").click()
    await expect(page.locator("#e-password")).to_contain_text("don't match")
    await page.get_by_label("Your password").fill(PASSWORD)
    await page.get_by_role("button", name="Change e-mail address").click()
    await expect(page.locator("#flash")).to_contain_text(f"We sent a link to {new_address}.")
    notice = await mail_for(portal_server, email, "Your Patron e-mail address is about to change")
    assert "m***@example.com" in notice.get_body(preferencelist=("plain",)).get_content()
    message = await mail_for(portal_server, new_address, "Confirm your new e-mail address for Patron")
    await page.goto(local(link_in(message, "confirm-email"), portal_server))
    await page.get_by_role("button", name="Confirm my e-mail address").click()
    await page.wait_for_url("**/profile")
    await expect(page.get_by_text(new_address).first).to_be_visible()

    await page.get_by_label("Current password").fill(PASSWORD)
    await page.get_by_label("New password").fill("changed-secret-99")
    await page.get_by_role("button", name="Change password").click()
    await expect(page.locator("#flash")).to_contain_text("Your password is changed.")
    await shoot(page, "profile-email-password")
    await check_axe(page, "profile-email-password")


async def test_preferences_and_one_click_unsubscribe_in_chinese(page, browser, portal_server) -> None:
    email = await join(page, name="Zhou Xin")
    await page.get_by_label("Language").select_option("zh-CN")
    await expect(page.locator("html")).to_have_attribute("lang", "zh-Hans-CN")
    await page.goto("/preferences")
    await expect(page.locator("h1")).to_have_text("邮件偏好")
    await page.get_by_label(re.compile("资讯与优惠")).check()
    await page.get_by_role("button", name="保存我的选择").click()
    await expect(page.locator("#flash")).to_contain_text("您的邮件偏好已保存")
    await expect(page.get_by_text(re.compile("您于 .* 同意接收资讯与优惠"))).to_be_visible()
    await shoot(page, "preferences-zh")
    await check_axe(page, "preferences-zh")

    await purchase(portal_server, email, "6000.00")  # Gold: a service e-mail, with an unsubscribe link
    message = await mail_for(portal_server, email, "欢迎升级至黄金")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = message["List-Unsubscribe"].strip().strip("<>")
    stranger = await browser.new_context(base_url=portal_server.url, locale="zh-CN")
    try:
        tab = await stranger.new_page()
        await tab.goto(local(url, portal_server))
        await expect(tab.get_by_role("button", name="退订")).to_be_visible()
        await check_axe(tab, "unsubscribe-zh")
        await tab.get_by_role("button", name="退订").click()
        await expect(tab.locator(".alert-info")).to_contain_text("我们不会再向您发送服务邮件")
        await shoot(tab, "unsubscribed-zh")
    finally:
        await stranger.close()
    await page.goto("/preferences")
    await expect(page.get_by_label(re.compile("服务邮件"))).not_to_be_checked()

"""Member care in a real browser: a member asks for help, staff answer from the console queue, the member writes
back and closes; a survey on the dashboard is answered in one click (also without JavaScript); the console's
queue, ticket page and report in Chinese. axe-core finds no serious violation on any of these pages."""

from __future__ import annotations

import asyncio
import re

from playwright.async_api import expect

from tests.browser.conftest import _tab
from tests.browser.support import PASSWORD, api, check_axe, join, shoot, unique_email

SIGN_UP = "mutation SignUp($input: SignUpInput!) { signUp(input: $input) { token userErrors { code } } }"
OPEN = "mutation Open($i: TicketInput!) { openTicket(input: $i) { ticket { id } userErrors { code } } }"
REPLY = "mutation R($id: ID!, $b: String!) { replyToTicket(ticketId: $id, body: $b) { userErrors { code } } }"
RESOLVE = "mutation R($id: ID!) { resolveTicket(ticketId: $id) { userErrors { code } } }"


async def _api_member(server, name: str, locale: str = "en") -> tuple[str, dict[str, str]]:
    email = unique_email("care")
    data = await api(server, SIGN_UP, {"input": {"email": email, "password": PASSWORD, "displayName": name,
                                                 "locale": locale}})
    assert data["signUp"]["userErrors"] == []
    return email, {"Authorization": f"Bearer {data['signUp']['token']}"}


async def _staff(server, name: str = "Sam Support", locale: str = "en") -> tuple[str, dict[str, str]]:
    email, headers = await _api_member(server, name, locale)
    await asyncio.to_thread(server.cli, "staff", "grant", email)
    return email, headers


async def _log_in(tab, email: str) -> None:
    await tab.goto("/login")
    await tab.locator("#f-email").fill(email)
    await tab.locator("#f-password").fill(PASSWORD)
    await tab.locator("form.auth-form button[type=submit], main form button[type=submit]").first.click()
    await tab.wait_for_url(re.compile(r".*/(dashboard|staff).*"))


async def test_a_member_asks_for_help_and_staff_answer_from_the_console(page, browser, portal_server) -> None:
    # The member opens a request from the Help page
    await join(page, name="Mia Member")
    await page.get_by_role("link", name="Help", exact=True).click()
    await expect(page.get_by_role("heading", name="Help", level=1)).to_be_visible()
    await check_axe(page, "support-empty")
    await page.get_by_role("link", name="Ask a question").click()
    await expect(page.get_by_text("within 48 hours")).to_be_visible()
    await page.get_by_label("Subject").fill("My points did not arrive")
    await page.get_by_label("Your message").fill("I bought a coffee machine yesterday.\nNo points yet.")
    await shoot(page, "support-new")
    await check_axe(page, "support-new")
    await page.get_by_role("button", name="Send request").click()
    await expect(page.get_by_role("heading", name="My points did not arrive")).to_be_visible()
    await expect(page.locator(".ticket-status")).to_have_text("Waiting for us")
    await check_axe(page, "support-ticket-open")

    # Staff find it at the top of the queue and answer it
    staff_email, _ = await _staff(portal_server)
    async with _tab(browser, portal_server) as console:
        await _log_in(console, staff_email)
        await console.goto("/staff/tickets")
        row = console.locator("tr", has_text="My points did not arrive")
        await expect(row).to_be_visible()
        await shoot(console, "staff-tickets")
        await check_axe(console, "staff-tickets")
        await row.get_by_role("link", name="My points did not arrive").click()
        await expect(console.get_by_text("Mia Member").first).to_be_visible()
        await check_axe(console, "staff-ticket")
        await console.get_by_label("Answer the member").fill("Sorry! 120 points are on their way.")
        await console.get_by_role("button", name="Send answer").click()
        await expect(console.get_by_text("Answer sent. The member has been notified.")).to_be_visible()
        await shoot(console, "staff-ticket-answered")

    # The member sees the answer, writes back (in place, with htmx), and closes the request
    await page.reload()
    await expect(page.get_by_text("Sorry! 120 points are on their way.")).to_be_visible()
    await expect(page.locator(".ticket-status")).to_have_text("Answered")
    await expect(page.locator("#unread-badge")).to_be_visible()
    await page.get_by_label("Write back").fill("Got them, thank you!")
    await page.get_by_role("button", name="Send", exact=True).click()
    await expect(page.locator(".message-body").last).to_have_text("Got them, thank you!")
    await expect(page.locator(".ticket-status")).to_have_text("Waiting for us")
    await shoot(page, "support-ticket-conversation")
    await page.get_by_role("button", name="My problem is solved: close this request").click()
    await expect(page.get_by_text("This request is closed. Need more help?")).to_be_visible()
    await check_axe(page, "support-ticket-closed")


async def test_a_survey_is_answered_in_one_click_and_a_low_score_reaches_the_queue(page, browser, portal_server):
    # A member (no recent purchase) whose request staff resolved gets a satisfaction survey from the scheduler
    email, member = await _api_member(portal_server, "Sid Survey")
    _, staff = await _staff(portal_server)
    opened = await api(portal_server, OPEN, {"i": {"category": "QUESTION", "subject": "Voucher code", "body": "?"}},
                       member)
    ticket_id = opened["openTicket"]["ticket"]["id"]
    await api(portal_server, REPLY, {"id": ticket_id, "b": "Here it is: ABC."}, staff)
    await api(portal_server, RESOLVE, {"id": ticket_id}, staff)
    await asyncio.to_thread(portal_server.cli, "jobs", "run", "--only", "care-surveys")

    await _log_in(page, email)
    card = page.locator(".survey-card")
    question = "How satisfied are you with how we handled your request?"
    await expect(card.get_by_role("heading", name=question)).to_be_visible()
    await expect(card.get_by_text("Your request “Voucher code”")).to_be_visible()
    await shoot(page, "dashboard-survey")
    await check_axe(page, "dashboard-survey")
    await card.get_by_label("Anything to add? (optional)").fill("The code did not work.")
    await card.get_by_role("button", name="30 out of 100").click()
    thanks = page.locator(".survey-card")
    await expect(thanks.get_by_text("Thank you for your answer!")).to_be_visible()
    await expect(thanks.get_by_text("You gave 30 out of 100.")).to_be_visible()
    await check_axe(page, "dashboard-survey-answered")
    await thanks.get_by_role("link", name="Follow it in Help").click()
    await expect(page.get_by_text("The code did not work.")).to_be_visible()

    # The complaint is in the staff queue, marked as coming from the survey
    staff_email, _ = await _staff(portal_server, "Sue Support")
    async with _tab(browser, portal_server) as console:
        await _log_in(console, staff_email)
        await console.goto("/staff/tickets?category=COMPLAINT")
        row = console.locator("tr", has_text="Survey answer: 30 of 100")
        await expect(row.locator(".mark-detractor")).to_have_text("Survey 30/100")


async def test_without_javascript_the_survey_and_a_request_work_as_plain_forms(nojs_page, portal_server) -> None:
    page = nojs_page
    email, member = await _api_member(portal_server, "Nora Nojs")
    _, staff = await _staff(portal_server)
    opened = await api(portal_server, OPEN, {"i": {"category": "SUGGESTION", "subject": "Dark mode", "body": "!"}},
                       member)
    await api(portal_server, RESOLVE, {"id": opened["openTicket"]["ticket"]["id"]}, staff)
    await asyncio.to_thread(portal_server.cli, "jobs", "run", "--only", "care-surveys")

    await _log_in(page, email)
    await page.locator(".survey-card").get_by_role("button", name="100 out of 100").click()
    await page.wait_for_url("**/dashboard")
    await expect(page.get_by_text("Thank you for your answer!")).to_be_visible()
    await expect(page.locator(".survey-card")).to_have_count(0)
    await page.goto("/support")
    await page.get_by_role("link", name="Dark mode").click()
    await expect(page.get_by_label("Write back")).to_have_count(0)  # resolved: nothing more can be added
    await page.get_by_role("link", name="Start a new request").click()
    await page.get_by_label("Suggestion").check()
    await page.get_by_label("Subject").fill("Dark mode, again")
    await page.get_by_label("Your message").fill("Please reconsider.")
    await page.get_by_role("button", name="Send request").click()
    await expect(page.get_by_text("Thanks! We've received your request and will answer here.")).to_be_visible()
    await page.get_by_label("Write back").fill("Also for the e-mails.")
    await page.get_by_role("button", name="Send", exact=True).click()
    await expect(page.get_by_text("Your message was sent.")).to_be_visible()
    await expect(page.locator(".message-body")).to_have_count(2)
    await page.get_by_role("button", name="My problem is solved: close this request").click()
    await expect(page.get_by_text("Your request is closed. Thanks for letting us know.")).to_be_visible()


async def test_help_and_the_console_speak_chinese(page, browser, portal_server) -> None:
    await join(page, name="Wang Fang")
    await page.get_by_label("Language").select_option("zh-CN")
    await page.wait_for_load_state()
    await page.get_by_role("link", name="帮助", exact=True).click()
    await page.get_by_role("link", name="提个问题").click()
    await expect(page.get_by_role("heading", name="新建咨询")).to_be_visible()
    await page.get_by_label("售后").check()
    await page.get_by_label("标题").fill("杯子有裂纹")
    await page.get_by_label("您的留言").fill("收到时就坏了。")
    await page.get_by_label("订单号（选填）").fill("NO-SUCH-ORDER")
    await page.get_by_role("button", name="提交咨询").click()
    await expect(page.get_by_text("在您的消费记录中找不到这个订单号")).to_be_visible()
    await check_axe(page, "support-new-error-zh")
    await page.get_by_label("订单号（选填）").fill("")
    await page.get_by_role("button", name="提交咨询").click()
    await expect(page.locator(".ticket-status")).to_have_text("等待我们回复")
    await shoot(page, "support-ticket-zh")
    await check_axe(page, "support-ticket-zh")

    staff_email, _ = await _staff(portal_server, "Li Kefu", locale="zh-CN")
    async with _tab(browser, portal_server) as console:
        await _log_in(console, staff_email)
        await console.goto("/staff/tickets")
        await expect(console.get_by_role("heading", name="工单", level=1)).to_be_visible()
        await expect(console.locator("tr", has_text="杯子有裂纹")).to_be_visible()
        await check_axe(console, "staff-tickets-zh")
        await console.get_by_role("link", name="首次响应报告").click()
        await expect(console.get_by_role("rowheader", name="全部等级")).to_be_visible()
        await shoot(console, "staff-ticket-report-zh")
        await check_axe(console, "staff-ticket-report-zh")

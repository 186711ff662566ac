"""The console's care pages over ASGI: the queue with its marks and URL filters, the CSV of what is on screen,
a ticket with the member's context, answering and resolving (staff only), and the first-response report."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest

from server.accounts import set_role
from server.core import clock
from server.models import AuditEntry, Notification, Role, Ticket, TicketStatus
from tests.care.support import member_of_tier, open_ticket, reply, run, utc
from tests.rewards_portal_support import Browser, member_browser
from tests.support import Api

ROW_LINK = re.compile(r'<a href="/staff/tickets/([A-Za-z0-9_-]+)">([^<]+)</a>')
T0 = utc(2026, 8, 3, 1)


async def as_role(browser: Browser, email: str, role: Role) -> None:
    await set_role(email, role)
    await browser.get("/staff")


async def test_staff_work_the_queue_escalated_first_with_filters_in_the_url(app, api: Api) -> None:
    partner, staff = await api.partner(), await api.staff()
    silver, gold = await api.member(), await member_of_tier(api, partner, "gold")
    with clock.travel(T0):
        await open_ticket(api, silver, "Silver question")
        late = await open_ticket(api, gold, "=HYPERLINK(evil)")
    with clock.travel(T0 + timedelta(hours=25)):
        await reply(api, staff, late["id"], "Sorry for the wait.")  # 1 hour late: breached
    async with member_browser(app, api) as (browser, me):
        await as_role(browser, me.email or "", Role.STAFF)
        with clock.travel(T0 + timedelta(hours=37)):  # the silver one at 77% of 48 h: escalated
            await run("care-escalations")
            waiting = await browser.get("/staff/tickets")
            page = await browser.get("/staff/tickets?status=ALL")
            breached = await browser.get("/staff/tickets?breached=yes&status=ALL")
            gold_only = await browser.get("/staff/tickets?tier=gold&status=ALL")
            exported = await browser.get("/staff/tickets.csv?status=ALL")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert [subject for _, subject in ROW_LINK.findall(waiting.text)] == ["Silver question"]
    assert [subject for _, subject in ROW_LINK.findall(page.text)] == ["Silver question", "=HYPERLINK(evil)"]
    assert page.text.count('class="mark mark-escalated"') == 1 and page.text.count('class="mark mark-breached"') == 1
    assert "2 tickets" in page.text and 'class="is-escalated"' in page.text
    assert [s for _, s in ROW_LINK.findall(breached.text)] == ["=HYPERLINK(evil)"]
    assert '<option value="yes" selected>' in breached.text  # the filter shows as chosen
    assert [s for _, s in ROW_LINK.findall(gold_only.text)] == ["=HYPERLINK(evil)"]
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [r["subject"] for r in rows] == ["Silver question", "'=HYPERLINK(evil)"]
    assert (rows[0]["escalated"], rows[1]["breached"]) == ("True", "True")
    assert exported.headers["content-type"].startswith("text/csv")


async def test_a_ticket_page_shows_the_member_context_and_staff_answer_and_resolve(app, api: Api) -> None:
    partner = await api.partner()
    member = await member_of_tier(api, partner, "gold", displayName="Grace Gold")
    await api.purchase(partner, member.email or "", "88.00", order_id="ORD-CTX")
    ticket = await open_ticket(api, member, "Points for ORD-CTX", orderId="ORD-CTX")
    async with member_browser(app, api) as (browser, me):
        await as_role(browser, me.email or "", Role.STAFF)
        url = "/staff/tickets/" + ticket["id"].rstrip("=")
        page = await browser.get(url)
        answered = await browser.post(url + "/reply", {"body": "Credited 88 points."})
        empty = await browser.post(url + "/reply", {"body": ""})
        resolved = await browser.post(url + "/resolve", {})
        after = await browser.get(url)
    assert page.status_code == 200
    assert "Grace Gold" in page.text and member.email in page.text and "Gold" in page.text
    assert "ORD-CTX" in page.text and "This ticket" in page.text and "Latest points activity" in page.text
    assert "Target 24 h (Gold)" in page.text and 'action="' + url + '/reply"' in page.text
    assert answered.status_code == 303 and empty.status_code == 422 and resolved.status_code == 303
    assert "Credited 88 points." in after.text and "This ticket is closed" in after.text
    row = await Ticket.get()
    assert row.status is TicketStatus.RESOLVED and row.first_responded_at is not None
    assert await Notification.filter(member_id=row.member_id, kind="TICKET_ANSWERED").count() == 1
    assert [e.action for e in await AuditEntry.all().order_by("id")] == ["ticket.reply", "ticket.resolve"]


@pytest.mark.parametrize("role", [Role.ANALYST, None])
async def test_analysts_read_without_the_forms_and_members_get_403(app, api: Api, role: Role | None) -> None:
    member = await api.member()
    ticket = await open_ticket(api, member, "Read me")
    async with member_browser(app, api) as (browser, me):
        if role is not None:
            await as_role(browser, me.email or "", role)
        url = "/staff/tickets/" + ticket["id"].rstrip("=")
        page = await browser.get(url)
        posted = await browser.post(url + "/reply", {"body": "Not allowed"})
        resolved = await browser.post(url + "/resolve", {})
        report = await browser.get("/staff/tickets/report")
    if role is Role.ANALYST:
        assert page.status_code == 200 and "Read me" in page.text
        assert "/reply" not in page.text and "Analysts can read tickets" in page.text
        assert report.status_code == 200
    else:
        assert page.status_code == 403 and report.status_code == 403
    assert posted.status_code == 403 and resolved.status_code == 403
    assert (await Ticket.get()).status is TicketStatus.OPEN and await AuditEntry.all().count() == 0


async def test_the_report_page_shows_each_tier_in_both_languages(app, api: Api) -> None:
    partner = await api.partner()
    gold = await member_of_tier(api, partner, "gold")
    with clock.travel(T0):
        await open_ticket(api, gold, "Late one")
    async with member_browser(app, api) as (browser, me):
        await as_role(browser, me.email or "", Role.STAFF)
        with clock.travel(T0 + timedelta(days=2)):
            english = await browser.get("/staff/tickets/report?days=7")
            await browser.post("/language", {"locale": "zh-CN", "next": "/staff/tickets/report"})
            chinese = await browser.get("/staff/tickets/report?days=90")
    assert english.status_code == 200
    for name in ("Silver", "Gold", "Diamond", "All tiers"):
        assert f"<th scope=\"row\">{name}</th>" in english.text
    assert 'aria-current="page">7 days' in english.text and "First-response breaches" in english.text
    assert "首次响应报告" in chinese.text and "全部等级" in chinese.text
    assert "<th scope=\"row\">黄金</th>" in chinese.text

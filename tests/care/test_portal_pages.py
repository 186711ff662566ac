"""The member's Help pages and survey cards over ASGI: opening a request (with friendly errors), following and
answering the conversation, closing it, and answering a survey in one click from the dashboard or notifications."""

from __future__ import annotations

import re
from datetime import timedelta

from server.core import clock
from server.models import Survey, Ticket, TicketStatus
from tests.care.support import open_ticket, reply, run, utc
from tests.rewards_portal_support import member_browser
from tests.support import Api

TICKET_LINK = re.compile(r'href="/support/([A-Za-z0-9_-]+)"')
SCORE_BUTTONS = re.compile(r'<button type="submit" name="score" value="(\d+)"')
SURVEY_FORM = re.compile(r'action="/surveys/([A-Za-z0-9_-]+)"')


async def test_a_member_opens_a_request_follows_the_answer_writes_back_and_closes_it(app, api: Api) -> None:
    partner, staff = await api.partner(), await api.staff()
    async with member_browser(app, api) as (browser, member):
        await api.purchase(partner, member.email or "", "49.00", order_id="ORD-77")
        form = await browser.get("/support/new?order=ORD-77")
        assert form.status_code == 200
        assert "within 48 hours" in form.text and 'value="ORD-77"' in form.text
        assert 'value="AFTER_SALES" checked' in form.text

        # A wrong order number is explained in care's words, and nothing is opened
        request = {"category": "AFTER_SALES", "subject": "Mug cracked", "body": "On arrival."}
        wrong = await browser.post("/support/new", {**request, "orderId": "X-1"})
        assert wrong.status_code == 422
        assert "find this order number among your purchases" in wrong.text and await Ticket.all().count() == 0

        sent = await browser.post("/support/new", {**request, "body": "Hi.\n<b>really</b>", "orderId": "ORD-77"})
        assert sent.status_code == 303
        url = sent.headers["location"]
        page = await browser.get(url)
        assert "Mug cracked" in page.text and "Order ORD-77" in page.text and "Waiting for us" in page.text
        assert "&lt;b&gt;really&lt;/b&gt;" in page.text  # shown as written, never as markup

        ticket_id = (await api.run("{ viewer { tickets { edges { node { id } } } } }", caller=member))["viewer"][
            "tickets"
        ]["edges"][0]["node"]["id"]
        await reply(api, staff, ticket_id, "A new mug is on its way.")
        answered = await browser.get(url)
        assert "A new mug is on its way." in answered.text and "Support team" in answered.text
        listing = await browser.get("/support")
        assert TICKET_LINK.findall(listing.text) == ["new", url.rsplit("/", 1)[1]] and "Answered" in listing.text

        back = await browser.post(url + "/reply", {"body": "Thanks, it arrived broken again."})
        assert back.status_code == 303
        swapped = await browser.post(url + "/reply", {"body": "Photo attached."}, htmx=True)
        assert swapped.status_code == 200 and 'id="ticket-conversation"' in swapped.text
        assert "<html" not in swapped.text and "Photo attached." in swapped.text
        empty = await browser.post(url + "/reply", {"body": "  "})
        assert empty.status_code == 422 and "Tell us what happened" in empty.text

        closed = await browser.post(url + "/close", {})
        assert closed.status_code == 303
        after = await browser.get(url)
        assert "This request is closed." in after.text and 'action="' + url + '/reply"' not in after.text
        refused = await browser.post(url + "/reply", {"body": "One more thing"})
        assert refused.status_code == 422 and "Start a new one if you need more help." in refused.text
    assert (await Ticket.get()).status is TicketStatus.CLOSED


async def test_someone_elses_request_is_not_found(app, api: Api) -> None:
    owner = await api.member()
    ticket = await open_ticket(api, owner, "Private matter")
    async with member_browser(app, api) as (browser, _stranger):
        url = "/support/" + ticket["id"].rstrip("=")
        for response in (
            await browser.get(url),
            await browser.post(url + "/reply", {"body": "hi"}),
            await browser.post(url + "/close", {}),
            await browser.get("/support/not-an-id"),
        ):
            assert response.status_code == 404 and "couldn&#39;t find that request" in response.text
            assert "Private matter" not in response.text
    assert (await Ticket.get()).status is TicketStatus.OPEN


async def test_a_survey_waits_on_the_dashboard_and_in_notifications_and_one_click_answers_it(app, api: Api) -> None:
    partner = await api.partner()
    async with member_browser(app, api) as (browser, member):
        start = utc(2026, 4, 6, 2)
        with clock.travel(start):
            await api.purchase(partner, member.email or "", "260.00", order_id="ORD-S1")
        with clock.travel(start + timedelta(days=3, minutes=1)):
            await run("care-surveys")
            dashboard = await browser.get("/dashboard")
            inbox = await browser.get("/notifications")
            assert "How satisfied are you with your purchase?" in dashboard.text
            assert "Order ORD-S1 of" in dashboard.text
            assert SCORE_BUTTONS.findall(dashboard.text) == [str(n) for n in range(0, 101, 10)]
            assert "How satisfied are you with your purchase?" in inbox.text and "Tell us how we did" in inbox.text
            survey_url = "/surveys/" + SURVEY_FORM.search(dashboard.text).group(1)

            thanks = await browser.post(
                survey_url, {"score": "90", "comment": "Quick delivery", "next": "/dashboard"}, htmx=True
            )
            again = await browser.post(survey_url, {"score": "10", "next": "/dashboard"})
            later = await browser.get("/dashboard")
            own_page = await browser.get(survey_url)
    assert thanks.status_code == 200 and "Thank you for your answer!" in thanks.text and "<html" not in thanks.text
    assert "You gave 90 out of 100." in thanks.text
    assert again.status_code == 303 and again.headers["location"] == "/dashboard"
    assert "How satisfied are you with your purchase?" not in later.text
    assert "already answered this survey" in later.text  # the flash after the second try
    assert "already answered this survey" in own_page.text
    survey = await Survey.get()
    assert (survey.score, survey.comment) == (90, "Quick delivery")


async def test_a_low_score_without_javascript_thanks_and_points_to_the_complaint(app, api: Api) -> None:
    partner = await api.partner()
    async with member_browser(app, api, locale="zh-CN") as (browser, member):
        start = utc(2026, 4, 6, 2)
        with clock.travel(start):
            await api.purchase(partner, member.email or "", "99.00", order_id="ORD-Z")
        with clock.travel(start + timedelta(days=30, minutes=1)):  # an NPS survey by now
            await run("care-surveys")
            dashboard = await browser.get("/dashboard")
            assert "您有多大可能向朋友或同事推荐我们？" in dashboard.text
            assert SCORE_BUTTONS.findall(dashboard.text) == [str(n) for n in range(11)]
            survey_url = "/surveys/" + SURVEY_FORM.search(dashboard.text).group(1)
            answered = await browser.post(survey_url, {"score": "3", "next": "/dashboard"})
            home = await browser.get("/dashboard")
            bad = await browser.post(survey_url, {"score": "abc", "next": "/dashboard"})
    assert answered.status_code == 303
    assert "感谢您的作答！" in home.text and "很抱歉让您失望了" in home.text
    assert bad.status_code == 303
    ticket = await Ticket.get()
    assert ticket.category.value == "COMPLAINT" and ticket.subject.startswith("问卷评分：3/10")


async def test_the_daily_limit_is_explained_in_care_words(app, api: Api) -> None:
    async with member_browser(app, api) as (browser, member):
        for n in range(10):
            await open_ticket(api, member, f"Question {n}")
        await browser.get("/support/new")
        refused = await browser.post("/support/new", {"category": "QUESTION", "subject": "Eleventh", "body": "?"})
    assert refused.status_code == 422
    main = refused.text[refused.text.index("<main") : refused.text.index("</main>")]
    assert "sent us many requests today" in main and "reward" not in main
    assert await Ticket.all().count() == 10

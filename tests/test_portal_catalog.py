"""The rewards catalog pages: browsing, eligibility wording, and redeeming exactly once (with and without HTMX)."""

from __future__ import annotations

import asyncio
import re

import httpx

from server.models import Member, Redemption
from tests.catalog_support import add_benefit, give_points
from tests.rewards_portal_support import IDEMPOTENCY_KEY, member_browser


async def _balance(email: str) -> int:
    return (await Member.get(email=email)).balance


async def _setup(api, **benefit):
    staff = await api.staff()
    partner = await api.partner()
    coffee = await add_benefit(api, staff, title="Free coffee", pointsCost=100, stock=5, **benefit)
    return staff, partner, coffee


async def _confirm(browser, benefit, *, htmx: bool = False) -> tuple[httpx.Response, dict[str, str]]:
    """Open the benefit's confirmation page: the page, and the form it posts (with the page's idempotency key)."""
    confirm = await (browser.hx_get if htmx else browser.get)(f"/catalog/{benefit['slug']}/redeem")
    key = IDEMPOTENCY_KEY.search(confirm.text).group(1)
    return confirm, {"benefit_id": benefit["id"], "slug": benefit["slug"], "idempotency_key": key}


async def test_catalog_lists_benefits_with_cost_stock_and_the_viewers_eligibility(app, api) -> None:
    # given a catalog with one affordable, one too expensive, one gold-only and one sold-out benefit
    staff, partner, coffee = await _setup(api)
    await add_benefit(api, staff, title="Weekend away", pointsCost=90_000, category="travel")
    await add_benefit(api, staff, title="Lounge pass", pointsCost=50, minTierCode="gold", category="travel")
    await add_benefit(api, staff, title="Sold-out tote", pointsCost=10, stock=0, category="gifts")
    async with member_browser(app, api) as (browser, member):
        await give_points(api, partner, member, 500)
        # when the member opens the catalog
        page = await browser.get("/catalog")
    # then each card says why it can or cannot be redeemed
    assert page.status_code == 200
    html = page.text
    assert "Free coffee" in html and "You can redeem this." in html
    assert "You need 89,500 more points." in html
    assert "For Gold members and above." in html
    assert "Out of stock." in html
    assert f'href="/catalog/{coffee["slug"]}/redeem"' in html
    assert "None left" in html and "5 left" in html


async def test_category_filter_shows_only_that_category_and_htmx_gets_the_fragment(app, api) -> None:
    staff, partner, coffee = await _setup(api)
    await add_benefit(api, staff, title="Weekend away", pointsCost=900, category="travel")
    async with member_browser(app, api) as (browser, _member):
        page = await browser.get("/catalog?category=travel")
        fragment = await browser.hx_get("/catalog?category=travel")
    assert "Weekend away" in page.text and "Free coffee" not in page.text
    assert 'aria-current="page">Travel</a>' in page.text
    assert fragment.status_code == 200
    assert fragment.text.lstrip().startswith('<div id="catalog-browse"') and "<html" not in fragment.text
    assert "Weekend away" in fragment.text


async def test_redeem_by_plain_post_twice_with_the_same_key_spends_once(app, api) -> None:
    # given a member with 500 points on the confirmation page of a 100-point benefit
    _staff, partner, coffee = await _setup(api)
    async with member_browser(app, api) as (browser, member):
        await give_points(api, partner, member, 500)
        _confirm_page, form = await _confirm(browser, coffee)
        # when the form is submitted, then submitted again (back button, resubmit)
        first = await browser.post("/catalog/redeem", form)
        second = await browser.post("/catalog/redeem", form)
        voucher = await browser.get(first.headers["location"])
    # then both land on the same voucher and the points were spent once
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]
    assert first.headers["location"].startswith("/redemptions/")
    assert await Redemption.filter(member__email=member.email).count() == 1
    assert await _balance(member.email) == 400
    code = (await Redemption.get(member__email=member.email)).voucher_code
    assert code in voucher.text and "Free coffee" in voucher.text


async def test_a_double_click_sending_the_same_key_concurrently_spends_once(app, api) -> None:
    _staff, partner, coffee = await _setup(api)
    async with member_browser(app, api) as (browser, member):
        await give_points(api, partner, member, 500)
        _confirm_page, form = await _confirm(browser, coffee)
        answers = await asyncio.gather(*(browser.post("/catalog/redeem", form, htmx=True) for _ in range(5)))
    assert all(a.status_code == 200 for a in answers)
    code = (await Redemption.get(member__email=member.email)).voucher_code
    assert all(code in a.text for a in answers)
    assert await Redemption.filter(member__email=member.email).count() == 1
    assert await _balance(member.email) == 400


async def test_every_confirmation_render_gets_a_new_key(app, api) -> None:
    _staff, partner, coffee = await _setup(api)
    async with member_browser(app, api) as (browser, member):
        await give_points(api, partner, member, 500)
        keys = {(await _confirm(browser, coffee))[1]["idempotency_key"] for _ in range(3)}
    assert len(keys) == 3


async def test_htmx_redeem_answers_the_voucher_fragment_and_asks_the_catalog_to_refresh(app, api) -> None:
    _staff, partner, coffee = await _setup(api)
    async with member_browser(app, api) as (browser, member):
        await give_points(api, partner, member, 150)
        confirm, form = await _confirm(browser, coffee, htmx=True)
        answer = await browser.post("/catalog/redeem", form, htmx=True)
    assert "<html" not in confirm.text and 'hx-post="/catalog/redeem"' in confirm.text
    assert answer.status_code == 200 and answer.headers["HX-Trigger"] == "catalog-changed"
    redemption = await Redemption.get(member__email=member.email)
    assert redemption.voucher_code in answer.text
    assert "Your balance is now 50 points." in answer.text


async def test_a_refused_redemption_explains_why_and_spends_nothing(app, api) -> None:
    # given a member who can afford the benefit when the page renders but not when the form is sent
    _staff, partner, coffee = await _setup(api)
    async with member_browser(app, api) as (browser, member):
        await give_points(api, partner, member, 150)
        _page, form = await _confirm(browser, coffee)
        await browser.post("/catalog/redeem", form)
        # when a second, different redemption is attempted with 50 points left
        answer = await browser.post("/catalog/redeem", {**form, "idempotency_key": form["idempotency_key"] + "-other"})
    # then the page says so and nothing more is spent
    assert answer.status_code == 422
    assert "You don&#39;t have enough points for this yet." in answer.text
    assert await Redemption.filter(member__email=member.email).count() == 1
    assert await _balance(member.email) == 50


async def test_redeem_without_a_csrf_token_is_refused(app, api) -> None:
    _staff, partner, coffee = await _setup(api)
    async with member_browser(app, api) as (browser, member):
        await give_points(api, partner, member, 500)
        form = {"benefit_id": coffee["id"], "slug": coffee["slug"], "idempotency_key": "k-1"}
        no_token = await browser.post("/catalog/redeem", form, csrf=False)
        forged = await browser.post("/catalog/redeem", {**form, "csrf_token": "forged"}, csrf=False)
        htmx_without_header = await browser.client.get(
            f"/catalog/{coffee['slug']}/redeem", headers={"HX-Request": "true"}
        )
    assert no_token.status_code == forged.status_code == htmx_without_header.status_code == 403
    assert await Redemption.filter(member__email=member.email).count() == 0
    assert await _balance(member.email) == 500


async def test_signed_out_visitors_are_sent_to_log_in(http) -> None:
    response = await http.get("/catalog")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fcatalog"


async def test_catalog_in_chinese_translates_labels_and_reasons(app, api) -> None:
    staff, partner, coffee = await _setup(api)
    await add_benefit(api, staff, title="Lounge pass", titleZh="贵宾室通行证", pointsCost=50, minTierCode="gold")
    async with member_browser(app, api, locale="zh-CN") as (browser, member):
        await give_points(api, partner, member, 500)
        page = await browser.get("/catalog")
    assert "贵宾室通行证" in page.text
    assert "兑换" in page.text
    assert re.search(r"500\s*积分", page.text)
    assert "You can redeem this." not in page.text


async def test_available_from_is_the_members_own_calendar_day(app, api) -> None:
    # given a reward that opens at midnight in Shanghai (16:00 UTC the day before)
    staff, partner, _coffee = await _setup(api)
    summer = await add_benefit(
        api, staff, title="Summer pass", pointsCost=50, availableFrom="2030-06-30T16:00:00+00:00"
    )
    # when a member who lives in Shanghai opens it (the catalog lists only rewards open now)
    async with member_browser(app, api, timezone="Asia/Shanghai") as (browser, member):
        await give_points(api, partner, member, 500)
        page = await browser.get(f"/catalog/{summer['slug']}/redeem")
    # then it says it opens on 1 July, their day, not 30 June
    assert "Available from Jul 1, 2030." in page.text
    assert "Jun 30, 2030" not in page.text

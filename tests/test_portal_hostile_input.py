"""Odd and hostile input to the portal answers friendly 4xx pages (never a 500), and changes nothing."""

from __future__ import annotations

import base64

import pytest

from portal.visit import Visit
from server.models import Member, Redemption, Review
from tests.catalog_support import add_benefit, give_points
from tests.rewards_portal_support import member_browser

SUBJECT = "product:travel-mug"
HUGE_ROW = 99999999999999999999  # past any integer column
NOT_FOUND = "We couldn&#39;t find this voucher in your rewards."


def _path_id(type_name: str, row: object) -> str:
    """A global id as the portal writes it in a URL path (see ``portal.pages.redemptions.url_id``)."""
    raw = base64.b64encode(f"{type_name}:{row}".encode()).decode()
    return raw.replace("+", "-").replace("/", "_").rstrip("=")


@pytest.mark.parametrize("row", ["abc", HUGE_ROW, 2**31, -1])
async def test_a_forged_voucher_id_is_not_found(app, api, row) -> None:
    # given a member with a voucher of their own
    staff, partner = await api.staff(), await api.partner()
    coffee = await add_benefit(api, staff, pointsCost=100)
    async with member_browser(app, api) as (browser, member):
        await give_points(api, partner, member, 300)
        await browser.get(f"/catalog/{coffee['slug']}/redeem")
        # when they open, or try to cancel, a voucher whose id is well-formed base64 but no row id
        forged = _path_id("Redemption", row)
        page = await browser.get(f"/redemptions/{forged}")
        confirm = await browser.get(f"/redemptions/{forged}/cancel")
        cancel = await browser.post(f"/redemptions/{forged}/cancel", {})
        htmx_cancel = await browser.post(f"/redemptions/{forged}/cancel", {}, htmx=True)
    # then each answer is the friendly "not found" page, not a server error
    for response in (page, confirm, cancel, htmx_cancel):
        assert response.status_code == 404, response.text
    assert NOT_FOUND in page.text
    assert await Redemption.all().count() == 0


@pytest.mark.parametrize("benefit_id", ["garbage", "QmVuZWZpdDphYmM=", "__ROW__"])
async def test_redeeming_with_a_forged_benefit_id_spends_nothing(app, api, benefit_id) -> None:
    staff, partner = await api.staff(), await api.partner()
    coffee = await add_benefit(api, staff, pointsCost=100)
    if benefit_id == "__ROW__":
        benefit_id = base64.b64encode(f"Benefit:{HUGE_ROW}".encode()).decode()
    async with member_browser(app, api) as (browser, member):
        await give_points(api, partner, member, 300)
        await browser.get(f"/catalog/{coffee['slug']}/redeem")
        form = {"slug": coffee["slug"], "benefit_id": benefit_id, "idempotency_key": "forged-1"}
        plain = await browser.post("/catalog/redeem", form)
        htmx = await browser.post("/catalog/redeem", {**form, "idempotency_key": "forged-2"}, htmx=True)
    assert plain.status_code == 422, plain.text
    assert "We couldn&#39;t find that. It may have been removed." in plain.text
    assert htmx.status_code == 200 and "We couldn&#39;t find that." in htmx.text
    assert await Redemption.all().count() == 0
    assert (await Member.get(email=member.email)).balance == 300


@pytest.mark.parametrize("row", ["abc", HUGE_ROW])
async def test_a_helpful_vote_for_a_forged_review_id_is_refused_kindly(app, api, row) -> None:
    async with member_browser(app, api) as (browser, _member):
        await browser.get(f"/reviews/s/{SUBJECT}")
        url = f"/reviews/{_path_id('Review', row)}/helpful"
        plain = await browser.post(url, {"next": f"/reviews/s/{SUBJECT}", "count": "0"})
        htmx = await browser.post(url, {"next": f"/reviews/s/{SUBJECT}", "count": "²"}, htmx=True)
        after = await browser.get(f"/reviews/s/{SUBJECT}")
    # the vote is refused with a reason, never thanked for
    assert plain.status_code == 303 and plain.headers["location"] == f"/reviews/s/{SUBJECT}"
    assert 'class="flash flash-error">Please check this and try again.' in after.text
    assert htmx.status_code == 200 and '<span class="helpful-count">0</span>' in htmx.text
    assert 'helpful-note is-error" role="status">Please check this and try again.' in htmx.text
    assert "Thanks for your feedback!" not in htmx.text + after.text


@pytest.mark.parametrize("rating", ["²", "٣x", "9" * 5000])
async def test_a_rating_that_is_not_a_small_number_is_explained(app, api, rating) -> None:
    # given a member on the review form; when the rating is a superscript digit or 5,000 digits
    async with member_browser(app, api) as (browser, member):
        await browser.get(f"/reviews/new?subject={SUBJECT}")
        form = {"subject": SUBJECT, "rating": rating, "title": "Nice", "body": "Keeps tea hot."}
        plain = await browser.post(f"/reviews/new?subject={SUBJECT}", form)
        htmx = await browser.post(f"/reviews/new?subject={SUBJECT}", form, htmx=True)
    # then the form comes back asking for 1 to 5 stars, and nothing is saved
    assert plain.status_code == 422, plain.text
    assert "Choose a rating from 1 to 5 stars." in plain.text
    assert htmx.status_code == 200 and "Choose a rating from 1 to 5 stars." in htmx.text
    assert await Review.filter(member__email=member.email).count() == 0


async def test_an_unexpected_failure_answers_the_friendly_error_page(http, monkeypatch) -> None:
    # given a page whose work fails in a way nobody planned for
    async def broken(self, operation, variables=None):
        raise RuntimeError("boom: internal detail")

    monkeypatch.setattr(Visit, "run", broken)
    # when a visitor opens it
    response = await http.get(f"/reviews/s/{SUBJECT}")
    # then they get the portal's own 500 page: translated, no traceback or internal detail
    assert response.status_code == 500
    assert "Something went wrong on our side. Please try again in a moment." in response.text
    assert "boom" not in response.text and "Traceback" not in response.text
    assert response.headers["content-security-policy"].startswith("default-src 'self'")

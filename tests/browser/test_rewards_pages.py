"""The rewards pages in a real browser: catalog and redeeming (also by double click and without JS),
copying and cancelling vouchers, referrals with a QR code, and writing and reading reviews."""

from __future__ import annotations

import asyncio
import itertools
import re

from playwright.async_api import expect

from tests.browser.support import PASSWORD, api, check_axe, join, purchase, shoot, unique_email

_slugs = itertools.count(1)
_staff: dict[str, dict[str, str]] = {}

LOG_IN = "mutation LogIn($e: String!, $p: String!) { logIn(email: $e, password: $p) { token userErrors { code } } }"
SIGN_UP = "mutation SignUp($input: SignUpInput!) { signUp(input: $input) { token userErrors { code } } }"
UPSERT_BENEFIT = """
mutation Upsert($input: BenefitInput!) {
  upsertBenefit(input: $input) { benefit { id slug } userErrors { code field } }
}
"""
REDEEM = """
mutation Redeem($id: ID!, $key: String!) {
  redeemBenefit(benefitId: $id, idempotencyKey: $key) { redemption { voucherCode } userErrors { code } }
}
"""
STANDING = "{ viewer { points { balance } redemptions(first: 50) { totalCount edges { node { status } } } } }"
MY_REVIEWS = "{ viewer { reviews { edges { node { id } } } } }"
MODERATE = """
mutation Moderate($id: ID!) { moderateReview(reviewId: $id, decision: PUBLISH) { userErrors { code } } }
"""
SCRIPT = "<script>alert(1)</script>"
VOUCHER_CODE = re.compile(r"^[A-Z0-9]{10,}$")


async def _token(server, email: str) -> dict[str, str]:
    data = await api(server, LOG_IN, {"e": email, "p": PASSWORD})
    return {"Authorization": f"Bearer {data['logIn']['token']}"}


async def _staff_headers(server) -> dict[str, str]:
    """One staff member per server, made over the API and promoted with ``patron staff grant``."""
    if server.url not in _staff:
        email = unique_email("staff")
        data = await api(server, SIGN_UP, {"input": {"email": email, "password": PASSWORD, "displayName": "Sam Staff"}})
        assert data["signUp"]["userErrors"] == []
        await asyncio.to_thread(server.cli, "staff", "grant", email)
        _staff[server.url] = await _token(server, email)
    return _staff[server.url]


async def _benefit(server, title: str, cost: int, **fields) -> dict:
    benefit = {"slug": f"browser-{next(_slugs)}-{id(_slugs) % 997}", "title": title, "category": "dining",
               "pointsCost": cost, **fields}
    data = await api(server, UPSERT_BENEFIT, {"input": benefit}, await _staff_headers(server))
    assert data["upsertBenefit"]["userErrors"] == [], data
    return data["upsertBenefit"]["benefit"]


async def _standing(server, email: str) -> tuple[int, list[str]]:
    """The member's balance and the statuses of their redemptions, read over the API."""
    viewer = (await api(server, STANDING, {}, await _token(server, email)))["viewer"]
    return viewer["points"]["balance"], [edge["node"]["status"] for edge in viewer["redemptions"]["edges"]]


async def test_browse_and_redeem_with_a_double_click_spends_once(page, portal_server) -> None:
    # given a member with 1,000 points and a catalog with something they can and cannot have
    email = await join(page, name="Ada Redeemer")
    await purchase(portal_server, email, "1000.00")
    coffee_benefit = await _benefit(portal_server, "Morning coffee", 300, stock=10, description="Any size, any café.")
    await _benefit(portal_server, "Gold lounge", 100, minTierCode="gold", category="travel")
    await page.goto("/catalog")
    coffee = page.locator(".benefit-card", has_text="Morning coffee")
    await expect(coffee.locator(".eligibility")).to_have_text("You can redeem this.")
    await expect(page.locator(".benefit-card", has_text="Gold lounge").locator(".eligibility")).to_have_text(
        "For Gold members and above."
    )
    await shoot(page, "catalog")
    await check_axe(page, "catalog")
    # when they choose Redeem, a dialog asks to confirm, and they double-click the confirmation
    await coffee.get_by_role("link", name="Redeem Morning coffee").click()
    dialog = page.locator("#confirm-dialog")
    await expect(dialog).to_be_visible()
    await expect(dialog.get_by_role("heading")).to_have_text("Redeem Morning coffee?")
    await check_axe(page, "catalog-confirm-dialog")
    await shoot(page, "catalog-confirm-dialog")
    await dialog.get_by_role("button", name="Yes, redeem").dblclick()
    # then the voucher code is shown, and the points were spent exactly once
    code = dialog.locator("#new-voucher-code")
    await expect(code).to_have_text(VOUCHER_CODE)
    await shoot(page, "catalog-voucher-dialog")
    balance, redemptions = await _standing(portal_server, email)
    assert (balance, redemptions) == (700, ["ISSUED"])
    await dialog.get_by_role("link", name="Keep browsing").click()
    await expect(dialog).to_be_hidden()
    await expect(page.locator("#catalog-balance")).to_have_text("700 points")
    # the confirmation also exists as a page of its own (what visitors without JavaScript get)
    await page.goto(f"/catalog/{coffee_benefit['slug']}/redeem")
    await check_axe(page, "catalog-confirm-page")


async def test_redeem_works_without_javascript_and_a_resubmitted_form_spends_once(nojs_page, portal_server) -> None:
    page = nojs_page
    email = await join(page, name="Noor Plain")
    await purchase(portal_server, email, "500.00")
    await _benefit(portal_server, "Plain tea", 200)
    await page.goto("/catalog")
    await page.get_by_role("link", name="Redeem Plain tea").click()
    await page.wait_for_url("**/redeem")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Redeem Plain tea?")
    await shoot(page, "catalog-confirm-page")  # axe-core needs JavaScript: the JS test checks this page
    form = {name: await page.locator(f"main input[name={name}]").input_value()
            for name in ("csrf_token", "benefit_id", "slug", "idempotency_key")}
    await page.get_by_role("button", name="Yes, redeem").click()
    await page.wait_for_url("**/redemptions/*")
    voucher_url = page.url
    code = await page.locator(".voucher-code").inner_text()
    await expect(page.locator("#flash")).to_contain_text("Done! Show this voucher code to claim your reward.")
    # the same form sent again (back button + submit) lands on the same voucher and spends nothing
    again = await page.request.post("/catalog/redeem", form=form, max_redirects=0)
    assert again.status == 303 and again.headers["location"] in voucher_url
    balance, redemptions = await _standing(portal_server, email)
    assert (balance, redemptions) == (300, ["ISSUED"])
    assert VOUCHER_CODE.match(code)
    await shoot(page, "voucher-nojs")


async def test_copy_a_voucher_then_cancel_it(page, portal_server) -> None:
    email = await join(page, name="Cy Canceller")
    await purchase(portal_server, email, "800.00")
    benefit = await _benefit(portal_server, "Cinema night", 500, category="entertainment")
    member = await _token(portal_server, email)
    redeemed = await api(portal_server, REDEEM, {"id": benefit["id"], "key": "browser-1"}, member)
    code = redeemed["redeemBenefit"]["redemption"]["voucherCode"]
    await page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=portal_server.url)
    await page.goto("/redemptions")
    row = page.locator(".voucher-row", has_text="Cinema night")
    await expect(row.locator(".status")).to_have_text("Ready to use")
    await shoot(page, "redemptions")
    await check_axe(page, "redemptions")
    # copying puts the code on the clipboard and the button says so
    await row.get_by_role("button", name="Copy").click()
    await expect(row.get_by_role("button", name="Copied!")).to_be_visible()
    assert await page.evaluate("navigator.clipboard.readText()") == code
    # cancelling asks first, then the row swaps in place and the points come back
    await row.get_by_role("link", name="Cancel Cinema night").click()
    dialog = page.locator("#confirm-dialog")
    await expect(dialog.get_by_role("heading")).to_have_text("Cancel Cinema night?")
    await check_axe(page, "redemptions-cancel-dialog")
    await dialog.get_by_role("button", name="Yes, cancel it").click()
    await expect(dialog).to_be_hidden()
    await expect(row.locator(".status")).to_have_text("Cancelled")
    await expect(page.locator("#flash")).to_contain_text("Cancelled. 500 points are back in your balance.")
    assert await _standing(portal_server, email) == (800, ["CANCELLED"])
    await row.get_by_role("link", name="Cinema night").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Cinema night")
    await shoot(page, "voucher")
    await check_axe(page, "voucher")


async def test_referrals_page_shows_code_link_qr_and_friends(page, portal_server) -> None:
    await join(page, name="Rae Referrer")
    await page.goto("/referrals")
    code = await page.get_by_label("Your code").input_value()
    share_url = await page.get_by_label("Your link").input_value()
    assert share_url == f"{portal_server.url}/signup?ref={code}"
    friend = unique_email("friend")
    signed = await api(portal_server, SIGN_UP, {"input": {"email": friend, "password": PASSWORD,
                                                          "displayName": "Wei Zhang", "referralCode": code}})
    assert signed["signUp"]["userErrors"] == []
    await page.reload()
    await expect(page.locator(".referral-table tbody tr")).to_have_count(1)
    await expect(page.locator(".referral-table tbody tr")).to_contain_text("Wei Z.")
    await expect(page.locator(".referral-table tbody tr")).not_to_contain_text(friend)
    qr = page.get_by_role("img", name="QR code for your invite link")
    assert await qr.evaluate("img => img.complete && img.naturalWidth > 100")
    await page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=portal_server.url)
    await page.get_by_role("button", name="Copy link").click()
    assert await page.evaluate("navigator.clipboard.readText()") == share_url
    await shoot(page, "referrals")
    await check_axe(page, "referrals")


async def test_write_a_review_with_the_keyboard_and_read_it_on_the_public_page(page, browser, portal_server) -> None:
    subject = f"product:browser-mug-{next(_slugs)}"
    email = await join(page, name="Kai Writer")
    alerts: list[str] = []
    page.on("dialog", lambda d: (alerts.append(d.message), asyncio.ensure_future(d.dismiss())))
    await page.goto(f"/reviews/new?subject={subject}")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Write a review")
    await shoot(page, "review-new")
    await check_axe(page, "review-new")
    # the star rating is a radio group: Tab to it, arrows move the rating
    await page.get_by_label("1 star: poor").focus()
    await page.keyboard.press("Space")
    for _ in range(3):
        await page.keyboard.press("ArrowRight")
    await expect(page.get_by_label("4 stars: very good")).to_be_checked()
    await page.get_by_label("Title").fill(SCRIPT)
    await page.get_by_label("Your review").fill(f"{SCRIPT} Keeps tea hot for hours.")
    await page.get_by_role("button", name="Submit review").click()
    await expect(page.locator("#review-form-box")).to_contain_text("Thanks for your review!")
    await page.goto("/reviews/mine")
    card = page.locator(".review-card").first
    await expect(card.locator(".status")).to_have_text("Pending")
    await expect(card.locator(".review-heading")).to_have_text(SCRIPT)
    await shoot(page, "reviews-mine")
    await check_axe(page, "reviews-mine")
    # published by staff, it shows on the public page as text, never as markup
    review_id = (await api(portal_server, MY_REVIEWS, {}, await _token(portal_server, email)))["viewer"]["reviews"]
    published = await api(portal_server, MODERATE, {"id": review_id["edges"][0]["node"]["id"]},
                          await _staff_headers(portal_server))
    assert published["moderateReview"]["userErrors"] == []
    reader_context = await browser.new_context(base_url=portal_server.url, viewport={"width": 1280, "height": 900})
    try:
        reader = await reader_context.new_page()
        await join(reader, name="Lu Reader")
        reader.on("dialog", lambda d: (alerts.append(d.message), asyncio.ensure_future(d.dismiss())))
        await reader.goto(f"/reviews/s/{subject}")
        review = reader.locator(".review-card").first
        await expect(review.locator(".review-body")).to_have_text(f"{SCRIPT} Keeps tea hot for hours.")
        await expect(reader.locator(".summary-average strong")).to_have_text("4.0")
        await expect(reader.locator(".histogram-count").nth(1)).to_contain_text("1")
        await review.get_by_role("button", name="Helpful").click()
        await expect(review.locator(".helpful-count")).to_have_text("1")
        await expect(review.locator(".helpful-note")).to_have_text("Thanks for your feedback!")
        await shoot(reader, "reviews-subject")
        await check_axe(reader, "reviews-subject")
    finally:
        await reader_context.close()
    assert alerts == []


async def test_rewards_pages_in_chinese(page, portal_server) -> None:
    email = await join(page, name="Li Na")
    await purchase(portal_server, email, "300.00")
    await _benefit(portal_server, "Green tea", 100, titleZh="绿茶")
    await page.get_by_label("Language").select_option("zh-CN")
    # The switch submits the page: wait for it to come back in Chinese before navigating on.
    await expect(page.locator("html")).to_have_attribute("lang", "zh-Hans-CN")
    await page.goto("/catalog")
    await expect(page.get_by_role("heading", level=1)).to_have_text("积分商城")
    card = page.locator(".benefit-card", has_text="绿茶")
    await expect(card.locator(".eligibility")).to_have_text("您可以兑换此奖励。")
    await shoot(page, "catalog-zh")
    await check_axe(page, "catalog-zh")
    await page.goto("/referrals")
    await expect(page.get_by_role("heading", level=1)).to_have_text("邀请好友")
    await shoot(page, "referrals-zh")

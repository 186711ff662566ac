"""The dashboard's tier card tells a member when their tier is reviewed, in a real browser (axe-clean)."""

from __future__ import annotations

from playwright.async_api import expect

from tests.browser.support import check_axe, join, purchase, shoot


async def test_a_gold_member_sees_the_review_day_and_that_the_tier_is_safe(page, portal_server) -> None:
    email = await join(page, name="Gao Yun")
    await purchase(portal_server, email, "6000.00")
    await page.goto("/dashboard")
    review = page.locator("#tier-review")
    await expect(review).to_contain_text("Next tier review:")
    await expect(review).to_contain_text("You have the qualifying points to keep Gold at the review.")
    await shoot(page, "dashboard-tier-review")
    await check_axe(page, "dashboard-tier-review")

"""My rewards pages: the voucher list and page, and cancelling with confirmation (plain POST and HTMX)."""

from __future__ import annotations

import re

from server.models import Member, Redemption, RedemptionStatus
from tests.catalog_support import REDEEM, add_benefit, give_points
from tests.rewards_portal_support import member_browser

VOUCHER_LINK = re.compile(r'href="(/redemptions/[A-Za-z0-9_-]+)"')


async def _redeemed(api, browser_member, partner, benefit, key: str = "key-1") -> dict:
    data = await api.run(REDEEM, {"benefitId": benefit["id"], "key": key, "quantity": 1}, browser_member)
    assert data["redeemBenefit"]["userErrors"] == []
    return data["redeemBenefit"]["redemption"]


async def test_my_rewards_lists_vouchers_with_code_status_and_copy_button(app, api) -> None:
    staff, partner = await api.staff(), await api.partner()
    coffee = await add_benefit(api, staff, title="Free coffee", pointsCost=100)
    async with member_browser(app, api) as (browser, member):
        await give_points(api, partner, member, 300)
        redemption = await _redeemed(api, member, partner, coffee)
        page = await browser.get("/redemptions")
    assert page.status_code == 200
    assert "Free coffee" in page.text and "Ready to use" in page.text
    assert f'data-clipboard="{redemption["voucherCode"]}"' in page.text
    assert page.text.count(redemption["voucherCode"]) >= 2


async def test_cancel_by_plain_post_asks_first_then_refunds_and_marks_it_cancelled(app, api) -> None:
    # given a member holding an issued voucher
    staff, partner = await api.staff(), await api.partner()
    coffee = await add_benefit(api, staff, title="Free coffee", pointsCost=100)
    async with member_browser(app, api) as (browser, member):
        await give_points(api, partner, member, 300)
        await _redeemed(api, member, partner, coffee)
        listing = await browser.get("/redemptions")
        voucher_url = VOUCHER_LINK.search(listing.text).group(1)
        # when they open the cancel confirmation and confirm
        confirm = await browser.get(f"{voucher_url}/cancel?from=list")
        answer = await browser.post(f"{voucher_url}/cancel", {"from": "list"})
        after = await browser.get("/redemptions")
    # then the voucher is cancelled, the points are back, and the list says so
    assert "Yes, cancel it" in confirm.text
    assert answer.status_code == 303 and answer.headers["location"] == "/redemptions"
    assert (await Redemption.get(member__email=member.email)).status is RedemptionStatus.CANCELLED
    assert (await Member.get(email=member.email)).balance == 300
    assert "Cancelled. 100 points are back in your balance." in after.text
    assert "Ready to use" not in after.text


async def test_htmx_cancel_swaps_the_row_and_a_second_cancel_is_refused(app, api) -> None:
    staff, partner = await api.staff(), await api.partner()
    coffee = await add_benefit(api, staff, title="Free coffee", pointsCost=100)
    async with member_browser(app, api) as (browser, member):
        await give_points(api, partner, member, 300)
        await _redeemed(api, member, partner, coffee)
        voucher_url = VOUCHER_LINK.search((await browser.get("/redemptions")).text).group(1)
        dialog = await browser.hx_get(f"{voucher_url}/cancel?from=list")
        first = await browser.post(f"{voucher_url}/cancel", {"from": "list"}, htmx=True)
        second = await browser.post(f"{voucher_url}/cancel", {"from": "list"}, htmx=True)
    assert "<html" not in dialog.text and "hx-post=" in dialog.text
    assert first.status_code == 200 and first.text.lstrip().startswith("<li") and "Cancelled" in first.text
    assert "This redemption can no longer be cancelled." in second.text
    assert (await Member.get(email=member.email)).balance == 300


async def test_cancel_without_csrf_is_refused(app, api) -> None:
    staff, partner = await api.staff(), await api.partner()
    coffee = await add_benefit(api, staff, pointsCost=100)
    async with member_browser(app, api) as (browser, member):
        await give_points(api, partner, member, 300)
        await _redeemed(api, member, partner, coffee)
        voucher_url = VOUCHER_LINK.search((await browser.get("/redemptions")).text).group(1)
        answer = await browser.post(f"{voucher_url}/cancel", {}, csrf=False)
    assert answer.status_code == 403
    assert (await Redemption.get(member__email=member.email)).status is RedemptionStatus.ISSUED


async def test_another_members_voucher_is_not_found(app, api) -> None:
    staff, partner = await api.staff(), await api.partner()
    coffee = await add_benefit(api, staff, pointsCost=100)
    owner = await api.member()
    await give_points(api, partner, owner, 300)
    await _redeemed(api, owner, partner, coffee)
    async with member_browser(app, api) as (browser, owner_browser_member):
        await give_points(api, partner, owner_browser_member, 300)
        await _redeemed(api, owner_browser_member, partner, coffee)
        mine = VOUCHER_LINK.search((await browser.get("/redemptions")).text).group(1)
    async with member_browser(app, api) as (stranger, _):
        page = await stranger.get(mine)
        cancel = await stranger.post(f"{mine}/cancel", {})
        garbage = await stranger.get("/redemptions/not*an*id")
    assert page.status_code == cancel.status_code == 404
    assert garbage.status_code in (404, 400)
    assert await Redemption.filter(status=RedemptionStatus.ISSUED).count() == 2

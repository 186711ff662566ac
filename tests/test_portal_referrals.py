"""The invite-friends page: share code and link, a QR code drawn server-side, referrals with masked names."""

from __future__ import annotations

import base64
import re

from server.models import Member
from tests.rewards_portal_support import member_browser

QR_IMG = re.compile(r'<img src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"')


async def test_referrals_page_shows_code_link_qr_and_masked_referees(app, api) -> None:
    async with member_browser(app, api) as (browser, referrer):
        code = (await Member.get(email=referrer.email)).share_code
        await api.member(email="wei.li@example.com", displayName="Wei Li", referralCode=code)
        page = await browser.get("/referrals")
    assert page.status_code == 200
    html = page.text
    assert f'value="{code}"' in html and f'data-clipboard="{code}"' in html
    assert f"/signup?ref={code}" in html
    svg = base64.b64decode(QR_IMG.search(html).group(1)).decode()
    assert svg.startswith("<svg") and "<script" not in svg
    assert "Wei L." in html and "wei.li@example.com" not in html
    assert "Waiting for first purchase" in html


async def test_rewards_earned_is_rewarded_friends_times_the_referrer_points(app, api) -> None:
    partner = await api.partner()
    async with member_browser(app, api) as (browser, referrer):
        code = (await Member.get(email=referrer.email)).share_code
        for n in range(2):
            friend = await api.member(displayName=f"Friend{n} Zhang", referralCode=code)
            result = await api.purchase(partner, friend.email or "", "50.00")
            assert result["userErrors"] == []
        page = await browser.get("/referrals")
    assert re.search(r'class="earned-total"><strong>400</strong>', page.text)
    assert page.text.count("Rewarded") >= 2

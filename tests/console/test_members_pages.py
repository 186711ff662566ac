"""The console's member list over ASGI: filters from the URL, paging links, the row links, roles."""

from __future__ import annotations

import re

from server.models import Role
from tests.console.support import many_members
from tests.rewards_portal_support import member_browser

ROW = re.compile(r'<a href="/staff/members/([A-Za-z0-9_-]+)">([^<]+)</a>')


async def test_the_member_list_searches_filters_and_pages_from_the_url(app, api) -> None:
    await many_members(30, name="Zed")
    await many_members(2, prefix="gold", tier="gold", name="Goldie")
    async with member_browser(app, api) as (browser, me):
        from server.accounts import set_role
        await set_role(me.email or "", Role.ANALYST)
        first = await browser.get("/staff/members?q=zed")
        names = [name for _, name in ROW.findall(first.text)]
        assert first.status_code == 200 and first.headers["cache-control"] == "no-store"
        assert names == [f"Zed {i}" for i in range(29, 4, -1)] and "30 members" in first.text
        assert 'aria-current="page"' in first.text and ">Members<" in first.text
        next_url = re.search(r'rel="next" href="([^"]+)"', first.text).group(1).replace("&amp;", "&")
        assert next_url.startswith("/staff/members?q=zed&after=")
        second = await browser.get(next_url)
        assert [name for _, name in ROW.findall(second.text)] == [f"Zed {i}" for i in range(4, -1, -1)]
        assert 'rel="next"' not in second.text
        prev_url = re.search(r'rel="prev" href="([^"]+)"', second.text).group(1).replace("&amp;", "&")
        back = await browser.get(prev_url)
        assert [name for _, name in ROW.findall(back.text)] == names and 'rel="prev"' not in back.text
        gold = await browser.get("/staff/members?tier=gold&tier=diamond")
        assert sorted(name for _, name in ROW.findall(gold.text)) == ["Goldie 0", "Goldie 1"]
        assert 'value="gold" checked' in gold.text
        segment = await browser.get("/staff/members?segment=NO_PURCHASES&segment=BOGUS&stage=CHURNED&high_value=0")
        assert segment.status_code == 200 and "32 members" in segment.text  # unseen + joined 400 days ago
        assert 'value="NO_PURCHASES" checked' in segment.text and " open>" in segment.text
        high = await browser.get("/staff/members?high_value=1")
        assert "No members match these filters." in high.text


async def test_members_get_403_on_the_member_list(app, api) -> None:
    async with member_browser(app, api) as (browser, _me):
        response = await browser.get("/staff/members")
    assert response.status_code == 403

"""The console's insight pages over ASGI: segments with links, the churn warning, the streamed CSV export."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from server.accounts import set_role
from server.core import clock
from server.insight import take_snapshot
from server.models import Member, Role
from tests.insight.support import history, member
from tests.rewards_portal_support import member_browser
from tests.support import Api


async def test_segments_page_counts_link_to_the_member_list_and_export(app, api: Api) -> None:
    now = clock.now()
    await history(await member(name="Champ", now=now), (500, 2), (500, 9), now=now)
    await history(await member(name="=cmd|evil", now=now), (20, 300), now=now)
    async with member_browser(app, api) as (browser, me):
        empty = (await set_role(me.email or "", Role.ANALYST), await browser.get("/staff/segments"))[1]
        await take_snapshot(now)
        page = await browser.get("/staff/segments")
        whole = await browser.get("/staff/members.csv")
        at_risk = await browser.get("/staff/members.csv?stage=AT_RISK")
        buyers = await browser.get("/staff/members.csv?segment=CHAMPIONS,HIBERNATING&q=champ")
        await set_role(me.email or "", Role.MEMBER)
        refused = await browser.get("/staff/members.csv")
    assert empty.status_code == 200 and "No snapshot yet" in empty.text
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert 'href="/staff/members?segment=CHAMPIONS"' in page.text
    assert 'href="/staff/members?stage=AT_RISK"' in page.text
    assert 'href="/staff/members.csv?segment=NO_PURCHASES"' in page.text
    assert "Average lifetime value" in page.text
    rows = list(csv.DictReader(io.StringIO(whole.text)))
    assert len(rows) == await Member.all().count() == 3
    assert whole.headers["content-type"].startswith("text/csv")
    assert list(rows[0]) == ["email", "name", "tier", "segment", "stage", "recency_score", "frequency_score",
                             "monetary_score", "lifetime_value"]
    assert [r["name"] for r in csv.DictReader(io.StringIO(at_risk.text))] == ["'=cmd|evil"]  # no formula
    assert [r["name"] for r in csv.DictReader(io.StringIO(buyers.text))] == ["Champ"]
    assert refused.status_code == 403


async def test_churn_page_lists_new_moves_high_value_first_with_the_win_back_link(app, api: Api) -> None:
    now = clock.now()
    big = await history(await member(name="Big Spender", now=now), (900, 190), (900, 200), now=now)
    await history(await member(name="Small Spender", now=now), (15, 185), now=now)
    await history(await member(name="Regular", now=now), (50, 3), (50, 30), now=now)
    await take_snapshot(now - timedelta(days=30))  # a month ago both slipping members were still SLEEPING
    await take_snapshot(now)
    async with member_browser(app, api) as (browser, me):
        await set_role(me.email or "", Role.STAFF)
        page = await browser.get("/staff/churn")
        await set_role(me.email or "", Role.ANALYST)
        read_only = await browser.get("/staff/churn")
    text = page.text
    assert page.status_code == 200
    assert text.index("Big Spender") < text.index("Small Spender") and "Regular" not in text
    assert 'href="/staff/campaigns/new?trigger=GRANT&amp;stages=AT_RISK,CHURNED"' in text
    assert "High value" in text and big.email in text
    assert read_only.status_code == 200 and "Big Spender" in read_only.text
    assert "/staff/campaigns/new" not in read_only.text  # analysts read; creating a campaign is staff's

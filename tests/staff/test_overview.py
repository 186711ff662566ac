"""The console home: members, active this month (programme time zone), points outstanding, reviews and tickets
waiting, from Query.consoleOverview (one SQL statement), each figure linking to where it is worked on."""

from __future__ import annotations

from datetime import timedelta

from server.accounts import set_role
from server.core import clock
from server.models import Member, Role
from tests.care.support import open_ticket, utc
from tests.points_support import programme
from tests.rewards_portal_support import member_browser
from tests.sqlcount import count_sql
from tests.support import Api

OVERVIEW = "{ consoleOverview { members activeThisMonth pointsOutstanding pendingReviews openTickets monthStart } }"
CHECK_IN = "mutation { checkIn { userErrors { code } } }"
SUBMIT = "mutation S($i: ReviewInput!) { submitReview(input: $i) { userErrors { code } } }"
# 1 March 00:30 in Shanghai is still 28 February in UTC: the month is the programme's.
MARCH = utc(2028, 2, 29, 16, 30)


async def test_the_figures_count_this_month_in_the_programmes_time_zone(api: Api, tmp_path) -> None:
    with clock.travel(MARCH - timedelta(hours=1)):  # 29 February, 23:30 in Shanghai
        partner, staff = await api.partner(), await api.staff()
        buyer, checker, lapsed, idle = [await api.member() for _ in range(4)]
        await api.purchase(partner, lapsed.email or "", "40.00")
    with clock.travel(MARCH):
        await api.purchase(partner, buyer.email or "", "100.00")
        await api.purchase(partner, buyer.email or "", "5.00")
        await api.run(CHECK_IN, {}, checker)
        await api.run(SUBMIT, {"i": {"subject": "sku:a", "rating": 5, "title": "A", "body": "b"}}, idle)
        await open_ticket(api, idle, "Help")
        with programme('time_zone = "Asia/Shanghai"\n', tmp_path), count_sql() as statements:
            figures = (await api.run(OVERVIEW, {}, staff))["consoleOverview"]
        with programme('time_zone = "UTC"\n', tmp_path):
            in_utc = (await api.run(OVERVIEW, {}, staff))["consoleOverview"]
    balances = sum(m.balance for m in await Member.filter(role=Role.MEMBER))
    assert figures == {
        "members": 4, "activeThisMonth": 2, "pointsOutstanding": balances, "pendingReviews": 1, "openTickets": 1,
        "monthStart": "2028-02-29T16:00:00+00:00",
    }
    assert balances > 0 and in_utc["activeThisMonth"] == 3 and in_utc["monthStart"] == "2028-02-01T00:00:00+00:00"
    figures_sql = [s for s in statements if "FROM ticket WHERE status" in s]
    assert len(figures_sql) == 1 and "FROM check_in" in figures_sql[0]  # all five figures in one statement


async def test_only_the_back_office_sees_the_figures_and_the_home_links_each_to_its_page(app, api: Api) -> None:
    member = await api.member()
    assert (await api.run(OVERVIEW, {}, member)) == {"consoleOverview": None}
    assert (await api.run(OVERVIEW, {}, await api.partner())) == {"consoleOverview": None}
    async with member_browser(app, api) as (browser, me):
        await set_role(me.email or "", Role.ANALYST)
        home = await browser.get("/staff")
    assert home.status_code == 200 and home.headers["cache-control"] == "no-store"
    for href, label in [("/staff/members", "Member accounts"), ("/staff/reviews", "Reviews to moderate"),
                        ("/staff/tickets", "Tickets waiting for us")]:
        assert f'<a href="{href}">' in home.text and label in home.text
    assert "Active this month" in home.text and "Points outstanding" in home.text

"""The console's KPI dashboard over ASGI: cards, SVG charts with names and tables, the period picker in the URL
(presets and custom days, refusals beside the field), staff and analysts only, en and zh-CN."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from server.accounts import set_role
from server.core import clock
from server.models import Member, Role
from tests.rewards_portal_support import member_browser
from tests.support import Api

NOW = datetime(2026, 6, 15, 4, tzinfo=UTC)
CHART = re.compile(r'<svg class="chart-svg"[^>]*role="img" aria-labelledby="([\w-]+)-t [\w-]+-d"')


async def test_staff_see_cards_charts_and_their_numbers_for_the_last_30_days(app, api: Api) -> None:
    partner = await api.partner()
    with clock.travel(NOW):
        buyer = await api.member()
        await api.purchase(partner, buyer.email or "", "120.00")
        async with member_browser(app, api) as (browser, me):
            await set_role(me.email or "", Role.STAFF)
            page = await browser.get("/staff/kpis")

    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    html = page.text
    assert '<a href="/staff/kpis" aria-current="page">KPIs</a>' in html
    assert 'href="/staff/kpis?days=30" aria-current="page"' in html
    assert 'value="2026-05-17"' in html and 'value="2026-06-15"' in html  # 30 days ending today
    assert CHART.findall(html) == ["chart-points", "chart-members", "chart-tiers"]
    for title in ("Points issued and redeemed", "Active and new members", "Members per tier"):
        assert f"<caption class=\"visually-hidden\">{title}</caption>" in html
    assert html.count("<polyline") == 4  # issued, redeemed, active, new
    assert "CNY 120.00" in html  # revenue and average order value
    # The daily table lists 30 days; the buyer and the staff member's own sign-up are today's.
    numbers = re.search(r"Points issued and redeemed</caption>.*?<tbody>(.*?)</tbody>", html, re.S).group(1)
    assert numbers.count("<tr>") == 30 and "<th scope=\"row\">Jun 15</th><td class=\"num\">120</td>" in numbers
    assert "No insight snapshot yet" in html


async def test_presets_switch_to_weeks_and_months(app, api: Api) -> None:
    with clock.travel(NOW):
        async with member_browser(app, api) as (browser, me):
            await set_role(me.email or "", Role.ANALYST)  # analysts read the dashboard too
            weeks = await browser.get("/staff/kpis?days=90")
            months = await browser.get("/staff/kpis?days=365")
            odd = await browser.get("/staff/kpis?days=7")

    assert weeks.status_code == months.status_code == 200
    assert "<th scope=\"col\">Week from</th>" in weeks.text and "<th scope=\"row\">Mar 16</th>" in weeks.text
    assert "<th scope=\"col\">Month</th>" in months.text and "<th scope=\"row\">Jun 2025</th>" in months.text
    assert 'href="/staff/kpis?days=30" aria-current="page"' in odd.text  # an unknown preset falls back to 30


async def test_a_custom_period_shows_refusals_beside_the_field(app, api: Api) -> None:
    with clock.travel(NOW):
        async with member_browser(app, api) as (browser, me):
            await set_role(me.email or "", Role.STAFF)
            custom = await browser.get("/staff/kpis?from=2026-01-01&to=2026-03-31")
            reversed_ = await browser.get("/staff/kpis?from=2026-03-02&to=2026-03-01")
            garbled = await browser.get("/staff/kpis?from=2026-13-01&to=")
            too_long = await browser.get("/staff/kpis?from=2020-01-01&to=2026-01-01")

    assert custom.status_code == 200 and 'value="2026-01-01"' in custom.text and "aria-current" not in re.search(
        r'<nav aria-label="Preset periods".*?</nav>', custom.text, re.S).group(0)
    assert reversed_.status_code == 422
    assert 'id="k-to" name="to" value="2026-03-01" max="9000-12-31" aria-invalid="true" aria-describedby="e-to"' in (
        reversed_.text)
    assert '<p class="field-error" id="e-to">The last day must not be before the first.</p>' in reversed_.text
    assert "chart-svg" not in reversed_.text
    assert garbled.status_code == 422
    assert '<p class="field-error" id="e-from">Enter a date such as 2026-03-01.</p>' in garbled.text
    assert '<p class="field-error" id="e-to">Choose a day.</p>' in garbled.text
    assert too_long.status_code == 422 and "A report covers at most 1098 days." in too_long.text


async def test_members_are_refused_and_chinese_staff_read_it_in_chinese(app, api: Api) -> None:
    with clock.travel(NOW):
        async with member_browser(app, api) as (browser, me):
            refused = await browser.get("/staff/kpis")
            await set_role(me.email or "", Role.STAFF)
            await Member.filter(email=me.email).update(locale="zh-CN")
            chinese = await browser.get("/staff/kpis?from=2026-03-02&to=2026-03-01")
            chinese_ok = await browser.get("/staff/kpis")

    assert refused.status_code in (403, 404) and "chart-svg" not in refused.text
    assert "结束日期不能早于开始日期。" in chinese.text
    assert "<h1>会员计划指标</h1>" in chinese_ok.text and "积分发放与兑换" in chinese_ok.text


def test_chart_axes_step_in_round_whole_numbers_and_reach_below_zero() -> None:
    from portal.staff.charts import line_chart

    assert [v for _, v in line_chart(["a", "b"], [("x", [0, 1])]).ticks] == [0, 1]
    assert [v for _, v in line_chart(["a", "b"], [("x", [3, 7])]).ticks] == [0, 2, 4, 6, 8]
    chart = line_chart(["a", "b", "c"], [("issued", [0, 1234, -70]), ("redeemed", [0, 10, 0])])
    assert [v for _, v in chart.ticks] == [-500, 0, 500, 1000, 1500]
    assert chart.ticks[0][0] > chart.zero_y > chart.ticks[-1][0]  # SVG y grows downwards


async def test_the_campaign_table_gives_each_campaigns_points_cost_revenue_roi_and_lift(app, api: Api) -> None:
    from tests.campaigns.support import active_campaign

    partner = await api.partner()
    with clock.travel(NOW):
        staff = await api.staff()
        await active_campaign(api, staff, name="Double points June", startsAt="2026-06-01T00:00:00+00:00")
        buyer = await api.member()
        await api.purchase(partner, buyer.email or "", "100.00")
        async with member_browser(app, api) as (browser, me):
            await set_role(me.email or "", Role.ANALYST)
            page = await browser.get("/staff/kpis")

    row = re.search(r'<tr>\s*<th scope="row"><a href="/staff/campaigns/[\w-]+">Double points June</a></th>(.*?)</tr>',
                    page.text, re.S)
    assert row, page.text
    cells = [re.sub(r"\s+", " ", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)]
    # 100 extra points cost 1.00 at 0.01 a point; ROI = (100.00 × 30% − 1.00) ÷ 1.00 = 29 (2,900%)
    assert cells == ["Active", "100", "CNY 1.00", "CNY 100.00", "2,900%", "no holdout"]


async def test_members_per_segment_come_from_the_latest_insight_snapshot(app, api: Api) -> None:
    from server.insight import take_snapshot

    partner = await api.partner()
    with clock.travel(NOW):
        buyer = await api.member()
        await api.purchase(partner, buyer.email or "", "50.00")
        async with member_browser(app, api) as (browser, me):
            await set_role(me.email or "", Role.STAFF)
            await take_snapshot(NOW)
            page = await browser.get("/staff/kpis")

    assert "chart-segments" in page.text and "No insight snapshot yet" not in page.text
    table = re.search(r"Members per segment</caption>.*?<tbody>(.*?)</tbody>", page.text, re.S).group(1)
    counts = {name: int(n) for name, n in re.findall(r'<th scope="row">([^<]+)</th><td class="num">(\d+)</td>', table)}
    assert len(counts) == 11 and sum(counts.values()) == 2  # every account: the buyer and the browser's staff member

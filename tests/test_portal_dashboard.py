"""Portal member pages: the dashboard and check-in, points history paging, notifications."""

from __future__ import annotations

import re

import httpx
from tortoise.transactions import in_transaction

import portal.graphql
from server.messages import notifications
from server.models import CheckIn, LedgerKind, Member, Notification
from server.points import ledger, tiers
from tests.portal_support import join, page_token
from tests.sqlcount import count_sql


async def _credit(email: str, times: int, points: int = 10) -> None:
    member = await Member.get(email=email)
    for i in range(times):
        async with in_transaction():
            locked = await ledger.lock_member(member.id)
            await ledger.credit(locked, LedgerKind.BONUS, points, f"Welcome gift {i + 1}")


async def test_the_dashboard_is_one_graphql_round_trip(http: httpx.AsyncClient, api, monkeypatch) -> None:
    email = await join(http)
    await _credit(email, 3, 700)
    partner = await api.partner()
    await api.purchase(partner, email, "1000.00")
    member = await Member.get(email=email)
    qualifying = (await tiers.qualifying_points_for([member.id]))[member.id]
    progress = tiers.progress(member, qualifying)
    assert progress.next is not None and progress.next.code == "gold"
    calls: list[str] = []
    real = portal.graphql.execute

    async def counting(name, *args, **kwargs):
        calls.append(name)
        return await real(name, *args, **kwargs)

    monkeypatch.setattr(portal.graphql, "execute", counting)
    page = await http.get("/dashboard")
    assert page.status_code == 200
    assert calls == ["dashboard"]
    # balance, tier progress to the next tier with what it unlocks, latest activity
    assert f'id="balance-value">{member.balance:,}<' in page.text
    assert f"{progress.points_to_next:,} more qualifying points to Gold" in page.text
    assert f'<progress id="tier-progress" class="progress" value="{progress.percent_to_next}" max="100">' in page.text
    assert "Gold unlocks" in page.text and "Priority support" in page.text
    assert page.text.count("Welcome gift") == 3
    assert "Expiring soon" in page.text


async def test_check_in_with_htmx_swaps_the_card_and_a_second_press_says_already(http: httpx.AsyncClient) -> None:
    email = await join(http)
    headers = {"HX-Request": "true", "X-CSRF-Token": await page_token(http)}
    first = await http.post("/check-in", headers=headers)
    assert first.status_code == 200
    assert first.text.lstrip().startswith('<section class="card checkin-card is-done" id="check-in-card"')
    assert "<html" not in first.text
    assert "Checked in! +5 points · 1-day streak" in first.text
    assert 'id="balance-value" hx-swap-oob="true">5<' in first.text
    assert 'id="earned-total" hx-swap-oob="true">5 earned in total<' in first.text
    second = await http.post("/check-in", headers=headers)
    assert "You&#39;ve already checked in today." in second.text
    assert 'class="checkin-result is-info"' in second.text
    member = await Member.get(email=email)
    assert member.balance == 5
    assert await CheckIn.filter(member_id=member.id).count() == 1


async def test_check_in_without_javascript_posts_and_redirects(http: httpx.AsyncClient) -> None:
    email = await join(http)
    token = await page_token(http)
    response = await http.post("/check-in", data={"csrf_token": token})
    assert response.status_code == 303 and response.headers["location"] == "/dashboard"
    page = await http.get("/dashboard")
    assert "Checked in! +5 points" in page.text
    assert "Checked in today for 5 points." in page.text
    again = await http.post("/check-in", data={"csrf_token": token})
    assert again.status_code == 303
    assert "already checked in today" in (await http.get("/dashboard")).text
    assert await CheckIn.filter(member__email=email).count() == 1


async def test_points_history_pages_with_load_more(http: httpx.AsyncClient) -> None:
    email = await join(http)
    await _credit(email, 25)
    page = await http.get("/points")
    assert page.text.count('class="ledger-row"') == 20
    assert "Welcome gift 25" in page.text and "Welcome gift 5" not in page.text
    # running balance after the newest entry is the whole balance
    first_balance = re.search(r'<td class="num balance">([\d,]+)</td>', page.text).group(1)
    assert first_balance == "250"
    more = re.search(r'hx-get="(/points\?after=[^"]+)"', page.text).group(1)
    rows = await http.get(more, headers={"HX-Request": "true", "X-CSRF-Token": await page_token(http)})
    assert rows.status_code == 200
    assert rows.text.count('class="ledger-row"') == 5
    assert "<html" not in rows.text and "<table" not in rows.text
    assert "Welcome gift 5" in rows.text and "Welcome gift 1<" in rows.text
    assert "load-more" not in rows.text  # the end of the ledger
    # without JavaScript the same link is a full page of the older entries
    plain = await http.get(more)
    assert "<html" in plain.text and plain.text.count('class="ledger-row"') == 5
    assert "+10" in plain.text and "Bonus" in plain.text


async def test_a_forged_cursor_is_a_friendly_400(http: httpx.AsyncClient) -> None:
    await join(http)
    response = await http.get("/points?after=bm9wZTox")
    assert response.status_code == 400
    assert "didn&#39;t look right" in response.text


async def test_notifications_badge_and_opening_the_page_marks_them_read(http: httpx.AsyncClient) -> None:
    email = await join(http)
    member = await Member.get(email=email)
    await notifications.notify(member.id, "TIER_UPGRADE", {"tier_name": "Gold", "tier_name_zh": "黄金"})
    await notifications.notify(member.id, "TIER_UPGRADE", {"tier_name": "Diamond", "tier_name_zh": "钻石"})
    dashboard = await http.get("/dashboard")
    assert re.search(r'id="unread-badge">2<', dashboard.text)
    page = await http.get("/notifications")
    assert "Welcome to Gold" in page.text and "Welcome to Diamond" in page.text
    assert page.text.count("pill-new") == 2
    assert 'id="unread-badge"' not in page.text
    assert await Notification.filter(member_id=member.id, read_at__isnull=True).count() == 0
    again = await http.get("/notifications")
    assert "pill-new" not in again.text


async def test_pages_need_a_member(http: httpx.AsyncClient) -> None:
    for path in ("/dashboard", "/points", "/notifications", "/profile"):
        response = await http.get(path)
        assert response.status_code == 303 and response.headers["location"].startswith("/login?next=")
    assert (await http.get("/")).status_code == 200
    assert (await http.get("/no-such-page")).status_code == 404


async def test_the_dashboard_page_costs_the_same_sql_whatever_the_history(http: httpx.AsyncClient) -> None:
    # given a new member, and one with a long ledger and unread notifications
    await join(http)
    with count_sql() as statements:
        assert (await http.get("/dashboard")).status_code == 200
    small = len(statements)
    await http.post("/logout", data={"csrf_token": await page_token(http)})
    email = await join(http)
    await _credit(email, 30)
    member = await Member.get(email=email)
    for i in range(5):
        await notifications.notify(member.id, "TIER_UPGRADE", {"tier_name": f"T{i}", "tier_name_zh": f"T{i}"})
    # when each opens the dashboard, then the page costs the same number of statements (no N+1)
    with count_sql() as statements:
        page = await http.get("/dashboard")
    assert page.text.count('class="activity-text"') == 5
    assert len(statements) == small, statements
    print(f"dashboard page SQL statements: {small}")
    assert small <= 14, f"dashboard page took {small} statements"

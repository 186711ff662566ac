"""The dashboard tells a member when their tier is reviewed and what keeps it, in en and zh-CN."""

from __future__ import annotations

import httpx

from server.core import clock
from server.models import Member
from tests.calendar.support import utc
from tests.calendar.test_tier_reviews import bought
from tests.portal_support import join


async def _gold_member(http: httpx.AsyncClient, locale: str) -> None:
    email = await join(http)
    await Member.filter(email=email).update(tier_code="gold", tier_reached_at=utc(2026, 4, 1), locale=locale)
    member = await Member.get(email=email)
    await bought(member.id, 1500, utc(2026, 9, 1))


async def test_the_dashboard_shows_the_review_day_points_to_keep_and_the_projected_tier(
    http: httpx.AsyncClient,
) -> None:
    with clock.travel(utc(2027, 1, 15)):
        await _gold_member(http, "en")
        page = await http.get("/dashboard")
    assert page.status_code == 200
    assert "Next tier review: Apr 1, 2027. Your tier is kept until then." in page.text
    assert "Earn 3,500 more qualifying points by then to keep Gold; otherwise it becomes Silver." in page.text


async def test_the_review_reads_in_chinese(http: httpx.AsyncClient) -> None:
    with clock.travel(utc(2027, 1, 15)):
        await _gold_member(http, "zh-CN")
        page = await http.get("/dashboard")
    assert "下次等级复核：" in page.text
    assert "届时前再获得 3,500 定级积分即可保留黄金，否则将调整为白银。" in page.text


async def test_the_base_tier_shows_no_review(http: httpx.AsyncClient) -> None:
    with clock.travel(utc(2027, 1, 15)):
        await join(http)
        page = await http.get("/dashboard")
    assert page.status_code == 200 and 'id="tier-review"' not in page.text

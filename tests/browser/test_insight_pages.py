"""Member insight in a real browser: the segments page links to the filtered member list and its CSV, the churn
warning lists members who slipped away with the win-back link; in English and Chinese, with no axe violation."""

from __future__ import annotations

import asyncio
import os
import subprocess
from pathlib import Path

from playwright.async_api import expect

from tests.browser.conftest import _tab
from tests.browser.support import check_axe, purchase, shoot
from tests.browser.test_care_pages import _api_member, _log_in, _staff
from tests.server_process import PATRON


def snapshot(server, offset: str = "P0D") -> str:
    """``patron insight snapshot`` on the server's database, with the clock moved by ``offset``."""
    done = subprocess.run(
        [PATRON, "insight", "snapshot"], env={**os.environ, **server.env, "PATRON_CLOCK_OFFSET": offset},
        capture_output=True, text=True, timeout=120, check=True,
    )
    return done.stdout


async def no_violations(page, name: str) -> None:
    summary = await check_axe(page, name)
    assert all(found == [] for found in summary.values()), summary


async def test_segments_and_churn_warning_in_english_and_chinese(browser, portal_server) -> None:
    big, _ = await _api_member(portal_server, "Bao Big")
    await purchase(portal_server, big, "8800.00")
    await purchase(portal_server, big, "4200.00")
    small, _ = await _api_member(portal_server, "Sui Small")
    await purchase(portal_server, small, "12.00")
    await asyncio.to_thread(snapshot, portal_server)
    await asyncio.to_thread(snapshot, portal_server, "P200D")  # 200 days on, nobody bought again
    staff_email, _ = await _staff(portal_server, "Sam Segments")

    async with _tab(browser, portal_server) as console:
        await _log_in(console, staff_email)
        await console.goto("/staff")
        await console.get_by_role("link", name="Segments", exact=True).click()
        await expect(console.get_by_role("heading", name="Segments", level=1)).to_be_visible()
        stage_table = console.get_by_role("region", name="Members per lifecycle stage")
        at_risk = stage_table.get_by_role("link", name="Members at risk", exact=True)
        assert await at_risk.get_attribute("href") == "/staff/members?stage=AT_RISK"
        csv_link = stage_table.get_by_role("link", name="CSV · Members at risk")
        assert await csv_link.get_attribute("href") == "/staff/members.csv?stage=AT_RISK"
        await shoot(console, "staff-segments")
        await no_violations(console, "staff-segments")
        async with console.expect_download() as download_info:
            await console.get_by_role("link", name="Export all members (CSV)").click()
        download = await download_info.value
        text = (await asyncio.to_thread(Path(await download.path()).read_text, encoding="utf-8"))
        assert text.startswith("email,name,tier,segment,stage") and big in text

        await console.get_by_role("link", name="Churn warning", exact=True).first.click()
        await expect(console.get_by_role("heading", name="Churn warning", level=1)).to_be_visible()
        rows = console.locator("tbody tr")
        await expect(rows.filter(has_text="Bao Big")).to_have_count(1)
        await expect(rows.first).to_contain_text("High value")  # high-value members first
        win_back = console.get_by_role("link", name="Create win-back campaign for these")
        assert await win_back.get_attribute("href") == "/staff/campaigns/new?trigger=GRANT&stages=AT_RISK,CHURNED"
        await shoot(console, "staff-churn")
        await no_violations(console, "staff-churn")

    zh_staff, _ = await _staff(portal_server, "Li Fenqun", locale="zh-CN")
    async with _tab(browser, portal_server) as console:
        await _log_in(console, zh_staff)
        await console.goto("/staff/segments")
        await expect(console.get_by_role("heading", name="会员分群", level=1)).to_be_visible()
        await expect(console.get_by_role("link", name="有流失风险的会员", exact=True)).to_be_visible()
        await shoot(console, "staff-segments-zh")
        await no_violations(console, "staff-segments-zh")
        await console.goto("/staff/churn")
        await expect(console.get_by_role("heading", name="流失预警", level=1)).to_be_visible()
        await expect(console.get_by_role("link", name="为这些会员创建召回活动")).to_be_visible()
        await shoot(console, "staff-churn-zh")
        await no_violations(console, "staff-churn-zh")

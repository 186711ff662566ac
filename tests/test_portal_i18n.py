"""Portal languages: which locale a visitor gets, the catalogs, and friendly error messages."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from portal.errors import FIELD_HINTS, FRIENDLY, friendly_message
from portal.i18n import LOCALES_DIR, choose_locale, compile_catalogs
from portal.templating import templates
from server.core.errors import ErrorCode
from server.models import Member
from tests.portal_support import csrf_of, join, page_token

CJK = re.compile(r"[\u4e00-\u9fff]")
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module", autouse=True)
def compiled_catalogs() -> None:
    """The .mo files are build output (git-ignored): compile them if missing or stale."""
    compile_catalogs()


def test_member_locale_beats_cookie_and_header() -> None:
    assert choose_locale("en", "zh-CN", "zh-CN,zh;q=0.9") == "en"
    assert choose_locale("zh-CN", None, "en-US") == "zh-CN"
    assert choose_locale(None, "zh-CN", "en-US") == "zh-CN"
    assert choose_locale(None, None, "zh-TW,zh;q=0.8") == "zh-CN"
    assert choose_locale(None, None, "fr-FR,en;q=0.5") == "en"
    assert choose_locale(None, None, None) == "en"


async def test_accept_language_zh_gets_chinese_pages(http: httpx.AsyncClient) -> None:
    response = await http.get("/login", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"})
    assert '<html lang="zh-Hans-CN">' in response.text
    assert "欢迎回来" in response.text
    english = await http.get("/login", headers={"Accept-Language": "en-GB"})
    assert "Welcome back" in english.text and '<html lang="en">' in english.text


async def test_signed_in_member_locale_beats_accept_language(http: httpx.AsyncClient) -> None:
    # given a member who joined in English
    email = await join(http)
    assert (await Member.get(email=email)).locale == "en"
    # when their browser asks for Chinese, the portal still speaks their saved language
    page = await http.get("/dashboard", headers={"Accept-Language": "zh-CN"})
    assert "Points balance" in page.text and "积分余额" not in page.text
    # and after they choose Chinese in the profile, Chinese wins over an English browser
    token = await page_token(http)
    saved = await http.post(
        "/profile",
        data={"csrf_token": token, "displayName": "Li Wei", "timezone": "Asia/Shanghai", "locale": "zh-CN"},
    )
    assert saved.status_code == 303
    page = await http.get("/dashboard", headers={"Accept-Language": "en-US"})
    assert "积分余额" in page.text
    assert (await Member.get(email=email)).locale == "zh-CN"


async def test_language_switcher_remembers_the_choice_for_visitors(http: httpx.AsyncClient) -> None:
    token = csrf_of((await http.get("/login")).text)
    switched = await http.post("/language", data={"csrf_token": token, "locale": "zh-CN", "next": "/login"})
    assert switched.status_code == 303 and switched.headers["location"] == "/login"
    page = await http.get("/login", headers={"Accept-Language": "en"})
    assert "欢迎回来" in page.text


async def test_language_switcher_saves_the_members_locale(http: httpx.AsyncClient) -> None:
    email = await join(http)
    token = await page_token(http)
    await http.post("/language", data={"csrf_token": token, "locale": "zh-CN", "next": "/points"})
    assert (await Member.get(email=email)).locale == "zh-CN"
    assert "积分明细" in (await http.get("/points")).text


@pytest.mark.parametrize("code", list(ErrorCode))
def test_every_error_code_has_a_friendly_message_in_both_languages(code: ErrorCode) -> None:
    english = friendly_message(code, "en")
    chinese = friendly_message(code, "zh-CN")
    assert english and chinese and english != chinese
    assert CJK.search(chinese), chinese
    assert code in FRIENDLY


@pytest.mark.parametrize("field", sorted(FIELD_HINTS))
def test_every_field_hint_is_translated(field: str) -> None:
    english = friendly_message(ErrorCode.INVALID_INPUT, "en", field)
    chinese = friendly_message(ErrorCode.INVALID_INPUT, "zh-CN", field)
    assert english != chinese and CJK.search(chinese)


def test_every_portal_message_has_a_chinese_translation() -> None:
    """Extract like ``pybabel extract -F babel.cfg`` and check the zh_CN catalog covers it all."""
    method_map = [("portal/**.py", "python"), ("portal/templates/**.html", "jinja2")]
    options = {"portal/templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    extracted = {
        message if isinstance(message, str) else message[0]
        for _, _, message, _, _ in extract_from_dir(str(ROOT), method_map, options)
        if message
    }
    with (LOCALES_DIR / "zh_CN" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalog = read_po(po)
    missing = sorted(m for m in extracted if not (catalog.get(m) and catalog.get(m).string))
    assert missing == []


def test_numbers_and_dates_follow_the_locale() -> None:
    zh = templates("zh-CN").env.filters
    en = templates("en").env.filters
    assert en["number"](1234567) == "1,234,567"
    assert zh["date"]("2026-01-05", "long") == "2026年1月5日"
    assert en["date"]("2026-01-05", "long") == "January 5, 2026"
    assert en["signed"](-5) == "−5" and en["signed"](12) == "+12"
    # a UTC time late in the evening is the next day in Shanghai
    assert zh["date"]("2026-01-05T20:00:00+00:00", "long", "Asia/Shanghai") == "2026年1月6日"


async def test_the_home_page_sample_card_is_in_chinese_too(http: httpx.AsyncClient) -> None:
    page = await http.get("/", headers={"accept-language": "zh-CN"})
    assert page.status_code == 200
    card = page.text[page.text.index('class="hero-card"') : page.text.index('class="features"')]
    assert "Patron · 黄金" in card and "12,480" in card and "积分" in card
    assert "Gold" not in card and "pts" not in card


def test_copy_buttons_say_copied_and_copy_failed_in_chinese() -> None:
    macros = templates("zh-CN").env.get_template("rewards_macros.html").module
    button = str(macros.copy_button("ABC123", "复制代码"))
    assert 'data-copied="已复制！"' in button
    assert 'data-copy-failed="复制失败"' in button

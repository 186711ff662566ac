"""Jinja2 for the portal: autoescaped, translated, and able to render one block as a fragment.

There is one environment per locale with its gettext catalog installed, so concurrent requests
in different languages never share translation state. ``Jinja2Blocks`` (jinja2-fragments) lets
one template answer both a full page and the named block an HTMX request swaps in.
"""

from __future__ import annotations

import functools
import hashlib
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import jinja2
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from jinja2_fragments.starlette import Jinja2Blocks

from portal.i18n import SUPPORTED, babel_locale, translations

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
STATIC_DIR = Path(__file__).resolve().parent.parent / "static"


@functools.lru_cache(maxsize=64)
def _static_version(path: str) -> str:
    """A short content hash, so a changed file gets a new URL despite long cache lifetimes."""
    try:
        return hashlib.sha256((STATIC_DIR / path).read_bytes()).hexdigest()[:10]
    except OSError:
        return "0"


def static_url(path: str) -> str:
    return f"/static/{path}?v={_static_version(path)}"


def _filters(locale: str) -> dict[str, object]:
    where = babel_locale(locale)

    def number(value: int | float | None) -> str:
        return "" if value is None else babel_numbers.format_decimal(value, locale=where)

    def signed(value: int) -> str:
        text = babel_numbers.format_decimal(abs(value), locale=where)
        return f"+{text}" if value > 0 else (f"−{text}" if value < 0 else text)

    def percent(value: float) -> str:
        return babel_numbers.format_percent(value / 100, locale=where)

    def as_date(value: str | date | None, fmt: str = "medium", timezone: str = "UTC") -> str:
        """A date, or the local calendar day of a date-time (in ``timezone``)."""
        if not value:
            return ""
        if isinstance(value, str):
            value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
        day = value.astimezone(ZoneInfo(timezone)).date() if isinstance(value, datetime) else value
        return babel_dates.format_date(day, format=fmt, locale=where)

    def as_datetime(value: str | datetime | None, timezone: str = "UTC", fmt: str = "medium") -> str:
        if not value:
            return ""
        moment = datetime.fromisoformat(value) if isinstance(value, str) else value
        return babel_dates.format_datetime(moment, format=fmt, tzinfo=ZoneInfo(timezone), locale=where)

    def as_day(value: str | datetime | None, timezone: str = "UTC", fmt: str = "medium") -> str:
        """The calendar day of a moment in ``timezone`` (lists show when, not the exact time)."""
        if not value:
            return ""
        moment = datetime.fromisoformat(value) if isinstance(value, str) else value
        return babel_dates.format_date(moment.astimezone(ZoneInfo(timezone)).date(), format=fmt, locale=where)

    return {
        "number": number,
        "signed": signed,
        "percent": percent,
        "date": as_date,
        "datetime": as_datetime,
        "day": as_day,
    }


def _console_nav() -> list:
    """The staff console's navigation (registered by ``portal.staff.nav.staff_page``)."""
    from portal.staff.nav import nav_items

    return nav_items()


@functools.lru_cache(maxsize=len(SUPPORTED))
def templates(locale: str) -> Jinja2Blocks:
    """The template set for ``locale``; autoescaping is on for every template, whatever its name."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translations(locale), newstyle=True)  # type: ignore[attr-defined]
    env.filters.update(_filters(locale))
    env.globals["static_url"] = static_url
    env.globals["console_nav"] = _console_nav
    env.globals["locale"] = locale
    env.globals["html_lang"] = "zh-Hans-CN" if locale == "zh-CN" else "en"
    return Jinja2Blocks(env=env)

"""E-mail templates: Jinja2, a plain-text and an HTML part per message, in English or Chinese.

Each message ``x`` has ``templates/email/x.txt`` (which also holds the ``subject`` block) and
``templates/email/x.html``; both extend a layout that adds the programme's name and the footer.
Strings are marked with ``_()`` / ``{% trans %}`` and translated from this domain's own catalog,
``server/messages/locales/<lang>/LC_MESSAGES/email.po`` (``make messages`` refreshes it), read
straight from the ``.po`` file so there is no build step. The catalog lives with the server,
not the portal: jobs render e-mail without any web layer.
"""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

HERE = Path(__file__).resolve().parent
TEMPLATES_DIR = HERE / "templates"
LOCALES_DIR = HERE / "locales"
DOMAIN = "email"
LOCALES = ("en", "zh-CN")


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


def _babel(locale: str) -> str:
    return "zh_Hans_CN" if locale == "zh-CN" else "en"


@functools.lru_cache(maxsize=len(LOCALES))
def translations(locale: str) -> NullTranslations:
    """The e-mail catalog for ``locale``, compiled in memory from its ``.po`` file."""
    if locale == "en":
        return NullTranslations()
    po_path = LOCALES_DIR / locale.replace("-", "_") / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not po_path.is_file():
        return NullTranslations()
    with po_path.open("rb") as handle:
        catalog = read_po(handle)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


def gettext(locale: str, message: str, **params: object) -> str:
    text = translations(locale).gettext(message)
    return text % params if params else text


def _filters(locale: str) -> dict[str, Any]:
    where = _babel(locale)

    def number(value: int | float) -> str:
        return babel_numbers.format_decimal(value, locale=where)

    def as_date(value: str | date, fmt: str = "long") -> str:
        day = date.fromisoformat(value) if isinstance(value, str) else value
        return babel_dates.format_date(day, format=fmt, locale=where)

    def as_datetime(value: str | datetime, timezone: str = "UTC", fmt: str = "medium") -> str:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else value
        return babel_dates.format_datetime(moment, format=fmt, tzinfo=ZoneInfo(timezone), locale=where)

    return {"number": number, "date": as_date, "datetime": as_datetime}


@functools.lru_cache(maxsize=len(LOCALES))
def environment(locale: str) -> jinja2.Environment:
    """One environment per language (so concurrent renders never share translation state).

    HTML templates are autoescaped; plain-text ones are not (there is nothing to escape in text).
    """
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default_for_string=False),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.install_gettext_translations(translations(locale), newstyle=True)  # type: ignore[attr-defined]
    env.filters.update(_filters(locale))
    env.globals["locale"] = locale
    env.globals["html_lang"] = "zh-Hans-CN" if locale == "zh-CN" else "en"
    return env


def exists(name: str) -> bool:
    return (TEMPLATES_DIR / "email" / f"{name}.txt").is_file()


def render(name: str, locale: str, values: dict[str, Any]) -> RenderedEmail:
    """Subject, text and HTML of e-mail ``name`` in ``locale`` (English for an unknown locale)."""
    env = environment(locale if locale in LOCALES else "en")
    text_template = env.get_template(f"email/{name}.txt")
    subject = "".join(text_template.blocks["subject"](text_template.new_context(dict(values)))).strip()
    text = text_template.render(values).strip() + "\n"
    subject = " ".join(subject.split())
    html = env.get_template(f"email/{name}.html").render({**values, "subject": subject})
    return RenderedEmail(subject=subject, text=text, html=html)

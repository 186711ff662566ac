"""Languages: which locale a visitor gets, and the compiled Babel catalogs for it.

The member's saved ``locale`` wins; a visitor who is not signed in gets the language picked
with the switcher (a cookie), else the one their browser asks for (``Accept-Language``).
Catalogs live in ``portal/locales/<lang>/LC_MESSAGES/messages.po`` and are compiled to ``.mo``
at install/test time (``pybabel compile -d portal/locales``); :func:`compile_catalogs` does the
same from Python when a ``.mo`` is missing or stale.
"""

from __future__ import annotations

import contextlib
import functools
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from schema.context import locale_from_header

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
SUPPORTED = ("en", "zh-CN")
LANGUAGE_NAMES = {"en": "English", "zh-CN": "简体中文"}
LOCALE_COOKIE = "patron_locale"


def babel_locale(locale: str) -> str:
    """``zh-CN`` → ``zh_Hans_CN`` (Babel's name for simplified Chinese as used in China)."""
    return "zh_Hans_CN" if locale == "zh-CN" else "en"


def choose_locale(member_locale: str | None, cookie: str | None, accept_language: str | None) -> str:
    """The member's own choice, else the switcher's cookie, else the browser's preference."""
    for candidate in (member_locale, cookie):
        if candidate in SUPPORTED:
            return candidate  # type: ignore[return-value]
    return locale_from_header(accept_language)


def compile_catalogs(directory: Path = LOCALES_DIR) -> list[Path]:
    """Compile every ``messages.po`` whose ``.mo`` is missing or older; returns what it wrote."""
    written = []
    for po_path in directory.glob("*/LC_MESSAGES/messages.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file)
        with mo_path.open("wb") as mo_file:
            write_mo(mo_file, catalog)
        written.append(mo_path)
    return written


@functools.lru_cache(maxsize=len(SUPPORTED))
def translations(locale: str) -> NullTranslations:
    """The gettext catalog for ``locale`` (English is the source language: no catalog needed)."""
    if locale == "en":
        return NullTranslations()
    folder = locale.replace("-", "_")
    with contextlib.suppress(OSError):  # a read-only install uses the catalogs compiled at install time
        compile_catalogs()
    return Translations.load(str(LOCALES_DIR), [folder], domain="messages")


def gettext(locale: str, message: str, **params: object) -> str:
    """Translate one message outside a template (flash texts, errors), with ``%(name)s`` params."""
    text = translations(locale).gettext(message)
    return text % params if params else text

"""Refresh the message catalogs after changing strings: ``make messages`` (or ``python -m portal.catalogs``).

Extracts every marked string, merges them into each catalog in the catalogs' own format (no
source locations, no line wrapping, so a diff shows only what changed), and lists the entries
still to translate. Two branches that each add strings then merge cleanly. There are two
catalogs: the portal's (``babel.cfg`` → ``portal/locales/*/messages.po``) and the e-mails'
(``server/messages/babel.cfg`` → ``server/messages/locales/*/email.po``).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALES = Path(__file__).resolve().parent / "locales"
# (extraction config, folder of <lang>/LC_MESSAGES/, catalog file name)
CATALOGS = (
    (ROOT / "babel.cfg", LOCALES, "messages.po"),
    (ROOT / "server" / "messages" / "babel.cfg", ROOT / "server" / "messages" / "locales", "email.po"),
)


def _merge(catalog, template) -> None:  # type: ignore[no-untyped-def]
    """New strings go at the end and vanished ones leave; existing entries keep their place.

    Appending (rather than re-sorting) keeps each change's diff to its own lines, so branches
    that add strings at the same time merge as a union (see .gitattributes).
    """
    wanted = {message.id for message in template if message.id}
    for message in list(catalog):
        if message.id and message.id not in wanted:
            del catalog[message.id]
    for message in template:
        if not message.id:
            continue
        current = catalog.get(message.id)
        if current is None:
            catalog.add(message.id, "", flags=message.flags, context=message.context)
        else:
            current.flags = (current.flags - {"python-format"}) | (message.flags & {"python-format"})


def refresh() -> list[tuple[str, str]]:
    """Update every catalog from the sources; returns (catalog, msgid) pairs left to translate."""
    missing = []
    for config, locales, filename in CATALOGS:
        missing += _refresh(config, locales, filename)
    return missing


def _refresh(config: Path, locales: Path, filename: str) -> list[tuple[str, str]]:
    with tempfile.TemporaryDirectory() as folder:
        pot = Path(folder) / "messages.pot"
        subprocess.run(
            [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", str(config), "-o", str(pot), "."],
            cwd=ROOT, check=True, capture_output=True,
        )
        with pot.open("rb") as handle:
            template = read_po(handle)
    missing = []
    for po_path in sorted(locales.glob(f"*/LC_MESSAGES/{filename}")):
        with po_path.open("rb") as handle:
            catalog = read_po(handle)
        _merge(catalog, template)
        with po_path.open("wb") as handle:
            write_po(handle, catalog, no_location=True, width=0, omit_header=False)
        name = f"{po_path.parent.parent.name}/{filename}"
        missing += [(name, m.id) for m in catalog if m.id and (not m.string or m.fuzzy)]
    return missing


if __name__ == "__main__":
    todo = refresh()
    for locale, message in todo:
        print(f"{locale}: untranslated: {message!r}")
    sys.exit(1 if todo else 0)

"""The committed schema file is what the code serves: a stale schema/schema.graphql fails here."""

from __future__ import annotations

import difflib

from schema.api import SCHEMA_FILE, export_sdl


def test_schema_file_matches_the_code() -> None:
    committed = SCHEMA_FILE.read_text(encoding="utf-8")
    exported = export_sdl()

    diff = "".join(
        difflib.unified_diff(
            committed.splitlines(keepends=True), exported.splitlines(keepends=True), "schema.graphql", "export_sdl()"
        )
    )
    assert not diff, f"schema/schema.graphql is stale; run `patron export-schema`:\n{diff[:4000]}"


def test_schema_file_ends_with_one_newline() -> None:
    text = SCHEMA_FILE.read_text(encoding="utf-8")

    assert text.endswith("\n") and not text.endswith("\n\n")

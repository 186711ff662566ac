"""The README's examples stay true: its programme file is exactly the built-in rules."""

from __future__ import annotations

import re
from pathlib import Path

from server.points.program import Program, program_from_toml

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_programme_example_spells_out_the_defaults() -> None:
    example = re.search(r"```toml\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)

    assert example, "README.md lost its TOML example"
    assert program_from_toml(example.group(1)) == Program()

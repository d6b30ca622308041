"""The README tells a newcomer what they need: where the program is after `make setup`, the
desktop entry, the demo's own profile, what `make run` does without a display; and every
`make` target it names exists."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_readme_says_where_the_program_is_and_where_the_demo_keeps_its_data() -> None:
    assert ".venv/bin/billing-admin" in README
    assert "make install-desktop" in README
    assert "billing-admin --profile demo customers" in README
    assert "without a display" in README and "Xvfb" in README


def test_every_make_target_the_readme_names_exists() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([\w-]+):", makefile, re.MULTILINE))
    named = set(re.findall(r"`make ([\w-]+)", README)) | set(
        re.findall(r"&& make ([\w-]+)", README)
    )
    assert named and named <= targets, named - targets

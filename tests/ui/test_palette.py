"""One palette: every colour the window and the add-card page show comes from
ui/common/palette.py."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ui.common import palette

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = (
    "resources/style.qss",
    "resources/add_card/add_card.css",
    "resources/add_card/add_card.js",
)
HEX = re.compile(r"#[0-9a-fA-F]{6}\b")


@pytest.mark.parametrize("name", TEMPLATES)
def test_style_sheets_name_their_colours_from_the_palette(name: str) -> None:
    template = (ROOT / name).read_text(encoding="utf-8")
    assert HEX.findall(template) == []
    filled = palette.fill(template)  # KeyError for a name the palette lacks
    assert "{{" not in filled
    assert set(HEX.findall(filled)) <= set(palette.COLOURS.values())


def test_python_code_takes_its_colours_from_the_palette() -> None:
    for path in sorted((ROOT / "ui").glob("*.py")):
        if path.name != "palette.py":
            assert HEX.findall(path.read_text(encoding="utf-8")) == [], path.name


def test_each_colour_has_one_name() -> None:
    values = list(palette.COLOURS.values())
    assert len(values) == len(set(values))
    assert palette.COLOURS["danger"] == palette.DANGER == "#c92a2a"
    assert palette.fill("a {{danger}} b") == "a #c92a2a b"
    with pytest.raises(KeyError):
        palette.fill("{{no_such_colour}}")

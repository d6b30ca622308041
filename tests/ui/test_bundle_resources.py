"""Inside the desktop bundle, the window's style sheet and the add-card page come from the
bundle's own `resources/` (PyInstaller's internal folder), through `app.bundle.resource`:
here a copy of resources/ stands in for the bundle's, with a mark in each file read."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from app.operations import CardSetup
from ui.add_card.add_card_page import build_page
from ui.common import resources

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def bundled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    internal = tmp_path / "_internal"
    shutil.copytree(ROOT / "resources", internal / "resources")
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(internal), raising=False)
    return internal / "resources"


def test_the_style_sheet_is_read_from_the_bundle(bundled: Path) -> None:
    with (bundled / "style.qss").open("a", encoding="utf-8") as qss:
        qss.write("\n/* from the bundle */\n")
    assert resources.stylesheet().rstrip().endswith("/* from the bundle */")


def test_the_add_card_page_is_read_from_the_bundle(bundled: Path) -> None:
    for name, mark in (("add_card.html", "<!-- {} -->"), ("add_card.js", "// {}")):
        with (bundled / "add_card" / name).open("a", encoding="utf-8") as source:
            source.write("\n" + mark.format(f"{name} from the bundle") + "\n")
    setup = CardSetup(
        customer="cus_1",
        setup_intent="seti_1",
        client_secret="seti_1_secret_x",
        publishable_key="pk_test_1",
        stripe_js="https://js.stripe.com/v3/",
        emulator_origin=None,
    )
    page = build_page(setup, "/* qwebchannel */")
    assert "add_card.html from the bundle" in page
    assert "add_card.js from the bundle" in page


def test_a_bundle_without_its_style_sheet_falls_back_to_the_plain_style(
    bundled: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (bundled / "style.qss").unlink()
    assert resources.stylesheet() == ""
    assert f"style sheet missing under {bundled}" in caplog.text

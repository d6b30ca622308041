"""File → Profile lists this user's profiles and switches the window between them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from app.settings import Profile
from ui.shell.main_window import MainWindow

pytestmark = [pytest.mark.ui]
MakeWindow = Callable[..., MainWindow]


def test_file_profile_lists_the_profiles_and_switches(
    qtbot: QtBot, home: Path, make_window: MakeWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("STRIPE_API_KEY", raising=False)
    Profile("work").save_setting("history_months", "6")
    window = make_window()
    menu = window.profile_menu.menu
    assert menu.title() == "&Profile"

    window.profile_menu.refresh()  # what opening the menu does
    listed = {a.data(): a.isChecked() for a in menu.actions()}
    assert listed == {"default": True, "work": False}

    next(a for a in menu.actions() if a.data() == "work").trigger()

    assert window.ctx.profile.name == "work"
    assert "work" in window.header.profile_label.text()
    window.profile_menu.refresh()
    assert {a.data(): a.isChecked() for a in menu.actions()} == {"default": False, "work": True}

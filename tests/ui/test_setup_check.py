"""Help → Check setup runs `doctor`'s checks in the background and lists them; Help → About
says the version, the Stripe API version in use and where the files are."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import stripe
from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from app.doctor import as_text
from app.logs import log_file
from tests.support.account import Account
from tests.support.window import TASK_TIMEOUT_MS, synced_window
from ui.shell.main_window import MainWindow

pytestmark = [pytest.mark.ui, pytest.mark.emulator]

MakeWindow = Callable[..., MainWindow]


def test_check_setup_lists_each_check_and_copies_the_report(
    qtbot: QtBot, account: Account, make_window: MakeWindow, cli: Any
) -> None:
    window = synced_window(qtbot, make_window)

    window.help.check_action.trigger()
    dialog = window.help.setup_dialog
    assert dialog is not None and dialog.isVisible()
    # The menu returned before the checks were done: they run in the background.
    assert dialog.running and "Checking profile 'default'" in dialog.heading.text()
    with qtbot.waitSignal(dialog.checked, timeout=TASK_TIMEOUT_MS) as done:
        pass
    checks = done.args[0]

    rows = dialog.shown()
    assert [row[:2] for row in rows] == [[c.status.value, c.name] for c in checks]
    assert [row[2] for row in rows] == [c.detail for c in checks]
    portal = rows[[c.name for c in checks].index("billing portal")]
    assert portal[0] == "warning" and "portal_login_link" in portal[3]  # the emulator's
    assert "warning" in dialog.heading.text()
    assert not dialog.busy.isVisible() and dialog.copy_button.isEnabled()

    dialog.copy_button.click()
    copied = QGuiApplication.clipboard().text()
    assert copied == as_text(checks, "default")
    assert account.emulator.key not in copied


def test_a_failed_check_shows_its_fix(
    qtbot: QtBot, account: Account, make_window: MakeWindow, cli: Any
) -> None:
    assert cli("config", "set", "publishable_key", "pk_live_51OtherModeKey1234").code == 0
    window = synced_window(qtbot, make_window)

    dialog = window.help.show_setup_check()
    with qtbot.waitSignal(dialog.checked, timeout=TASK_TIMEOUT_MS):
        pass

    (row,) = [r for r in dialog.shown() if r[1] == "publishable key"]
    assert row[0] == "failed" and "live key but the secret key is a test key" in row[2]
    assert row[3].startswith("Fix: Set it with") and "pk_test_" in row[3]
    assert "1 failed" in dialog.heading.text()


def test_about_says_the_version_the_stripe_api_version_and_the_files(
    qtbot: QtBot, account: Account, make_window: MakeWindow
) -> None:
    window = make_window()

    about = window.help.show_about()

    text = about.text()
    assert f"{stripe.api_version} (stripe-python {stripe.VERSION})" in text
    assert str(window.ctx.profile.cache_file) in text
    assert str(window.ctx.profile.settings_file) in text
    assert str(log_file()) in text
    about.close()

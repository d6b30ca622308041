"""Secret hygiene end to end: the demo data, a sync, every operation from the window (add card
included), then a scan of every file the app wrote (cache, WAL, logs, settings, Qt's settings
file) for the key, client secrets and card numbers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from pytestqt.qtbot import QtBot

from app.demo.emulator import EMULATOR_KEY, seed_demo
from app.logs import setup_logging
from tests.support.account import Account
from tests.support.add_card import WEBENGINE_GPU_WARNINGS, open_dialog, saved_card, type_card
from tests.support.scan import findings
from tests.support.window import (
    TASK_TIMEOUT_MS,
    card_ids,
    open_modal,
    select_card,
    select_customer,
    synced,
)
from ui.cards.default_dialog import DefaultDialog
from ui.cards.detach_dialog import DetachDialog
from ui.shell.main_window import MainWindow

pytestmark = [pytest.mark.ui, pytest.mark.emulator, WEBENGINE_GPU_WARNINGS]


def test_nothing_secret_is_written_anywhere(
    qtbot: QtBot, account: Account, make_window: Callable[..., MainWindow], home: Path
) -> None:
    seed_demo(account.emulator.api_base, count=8)
    setup_logging()  # as `billing-admin` does before it opens the window
    window = make_window()
    synced(qtbot, window)
    rows = [window.customers_model.customer_at(i) for i in range(window.customers_model.rowCount())]
    customer = next(r for r in rows if r is not None and r.card_count >= 2).id
    select_customer(qtbot, window, customer)
    first, second = card_ids(window)[:2]

    select_card(window, second)
    QTimer.singleShot(0, lambda: open_modal(DefaultDialog).confirm_button.click())
    with qtbot.waitSignal(window.action_finished, timeout=TASK_TIMEOUT_MS) as done:
        window.cards.set_default_action.trigger()
    assert done.args == ["set-default", True]

    select_card(window, first)
    QTimer.singleShot(0, lambda: open_modal(DetachDialog).detach_button.click())
    with qtbot.waitSignal(window.action_finished, timeout=TASK_TIMEOUT_MS) as done:
        window.cards.detach_action.trigger()
    assert done.args == ["detach", True]

    open_dialog(qtbot, window, customer)
    type_card(qtbot, window, "4242424242424242")
    assert saved_card(qtbot, window) == ["add-card", True]
    window.close()  # writes the window's settings file, once its last task is done
    qtbot.waitUntil(lambda: (home / "window.ini").exists(), timeout=TASK_TIMEOUT_MS)

    written = [p.relative_to(home).as_posix() for p in home.rglob("*") if p.is_file()]
    assert any(p.endswith("billing-admin.log") for p in written)
    assert any(p.endswith(".ini") for p in written), written  # Qt's settings file
    assert findings(home, [EMULATOR_KEY]) == []

"""Guard rails in the window: an expired card is never made the default, a new default is
always asked about (which card replaces which, and when a card that expires soon expires), and
a browser that did not open is said so."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from PySide6.QtCore import Qt, QTimer
from pytestqt.qtbot import QtBot

from tests.support.account import Account
from tests.support.window import TASK_TIMEOUT_MS, open_modal, select_card, synced_window
from ui.cards.default_dialog import DefaultDialog
from ui.shell.main_window import MainWindow

pytestmark = [pytest.mark.ui, pytest.mark.emulator]
MakeWindow = Callable[..., MainWindow]
TODAY = date.today()
VISA = ("4242424242424242", 12, 2030)
EXPIRED = ("5555555555554444", 5, 2024)
SOON = ("4000056655665556", TODAY.month, TODAY.year)  # valid through the end of this month


def _second_card_selected(
    qtbot: QtBot, account: Account, make_window: MakeWindow, second: tuple[str, int, int]
) -> tuple[MainWindow, str, str, str]:
    """A customer whose default is a Visa, and `second` selected: window, customer, cards."""
    ada, (visa, card) = account.customer(cards=[VISA, second], default=0)
    window = synced_window(qtbot, make_window, ada)
    select_card(window, card)
    return window, ada, visa, card


def test_an_expired_card_is_refused_with_the_reason(
    qtbot: QtBot, account: Account, make_window: MakeWindow
) -> None:
    window, ada, visa, _ = _second_card_selected(qtbot, account, make_window, EXPIRED)

    action = window.cards.set_default_action
    assert not action.isEnabled()
    assert "expired at the end of 05/2024" in action.toolTip()
    hint = window.cards.action_hint
    assert hint.isVisible() and "an expired card cannot be the default" in hint.text()
    table = window.cards.cards_table
    table.setFocus()
    with qtbot.assertNotEmitted(window.action_finished, wait=200):
        qtbot.keyClick(table, Qt.Key.Key_Return)
        window.set_default()  # the slot's own guard, as a stray call would meet it
    assert account.default_of(ada) == visa
    assert window.cards.detach_action.isEnabled()  # an expired card can still be removed

    select_card(window, visa)
    assert not hint.isVisible()


def test_a_new_default_says_which_card_it_replaces_and_when_a_card_expires(
    qtbot: QtBot, account: Account, make_window: MakeWindow
) -> None:
    window, ada, visa, soon = _second_card_selected(qtbot, account, make_window, SOON)
    asked: list[str] = []

    def read_then_cancel() -> None:
        dialog = open_modal(DefaultDialog)
        asked.append(dialog.findChildren(type(window.cards.title))[0].text())
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)

    QTimer.singleShot(0, read_then_cancel)
    with qtbot.assertNotEmitted(window.action_finished, wait=200):
        window.set_default()
    assert "in place of <b>Visa •••• 4242" in asked[0]
    assert "expires on" in asked[0] and str(TODAY.year) in asked[0]
    assert account.default_of(ada) == visa

    QTimer.singleShot(0, lambda: qtbot.keyClick(open_modal(DefaultDialog), Qt.Key.Key_Return))
    with qtbot.waitSignal(window.action_finished, timeout=TASK_TIMEOUT_MS) as done:
        window.set_default()
    assert done.args == ["set-default", True]
    assert account.default_of(ada) == soon

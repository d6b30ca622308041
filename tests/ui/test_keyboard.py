"""The window from the keyboard: Tab moves between the parts (never trapped in a table),
arrows move inside them, the search box leads into its results, and the focus shows."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from tests.support.account import Account
from tests.support.window import synced_window
from ui.common.palette import FOCUS_BORDER
from ui.shell.main_window import MainWindow

pytestmark = [pytest.mark.ui, pytest.mark.emulator]
MakeWindow = Callable[..., MainWindow]
VISA = ("4242424242424242", 12, 2030)
MASTERCARD = ("5555555555554444", 3, 2031)


def press(
    qtbot: QtBot, key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier
) -> QWidget:
    """Press `key` where the focus is; return where the focus is then."""
    focused = QApplication.focusWidget()
    assert focused is not None
    qtbot.keyClick(focused, key, modifier)
    after = QApplication.focusWidget()
    assert after is not None
    return after


def test_search_then_results_then_cards_by_keyboard(
    qtbot: QtBot, account: Account, make_window: MakeWindow
) -> None:
    ada, (visa, mastercard) = account.customer("Ada Lovelace", cards=[VISA, MASTERCARD], default=0)
    account.customer("Grace Hopper", cards=[VISA])
    window = synced_window(qtbot, make_window)
    customers, cards = window.customers, window.cards
    window.find_action.trigger()
    assert customers.search.hasFocus()

    qtbot.keyClicks(customers.search, "lovelace")
    assert press(qtbot, Qt.Key.Key_Down) is customers.table  # into the results at once
    assert window.customers_model.rowCount() == 1
    assert customers.selected_customer() == ada
    qtbot.waitUntil(lambda: window.cards.title.text() == "Ada Lovelace")

    # Tab leaves the customers table (it used to walk its cells) for the card actions...
    reached = press(qtbot, Qt.Key.Key_Tab)
    assert reached in cards.buttons
    # ...then on to the card list; Shift+Tab comes back the same way.
    seen: list[QWidget] = [reached]
    while seen[-1] is not cards.cards_table and len(seen) < 10:
        seen.append(press(qtbot, Qt.Key.Key_Tab))
    assert seen[-1] is cards.cards_table
    assert all(w in cards.buttons or w is cards.tabs.tabBar() for w in seen[:-1]), seen
    back = [press(qtbot, Qt.Key.Key_Tab, Qt.KeyboardModifier.ShiftModifier) for _ in seen]
    assert back[-1] is customers.table
    # Arrows move inside a table.
    cards.cards_table.setFocus()
    qtbot.waitUntil(cards.cards_table.hasFocus)
    first = window.view.selected_card()
    press(qtbot, Qt.Key.Key_Down)
    assert window.view.selected_card() != first and cards.cards_table.hasFocus()

    # Enter in the search box runs the search and goes into the results too; Esc clears it.
    window.find_action.trigger()
    customers.search.setText("grace")
    assert press(qtbot, Qt.Key.Key_Return) is customers.table
    assert window.customers_model.rowCount() == 1
    window.find_action.trigger()
    press(qtbot, Qt.Key.Key_Escape)
    assert customers.search.text() == ""
    qtbot.waitUntil(lambda: window.customers_model.rowCount() == 2)
    del visa, mastercard


def _focus_pixels(widget: QWidget) -> int:
    image = widget.grab().toImage()
    ring = QColor(FOCUS_BORDER)
    return sum(
        1
        for x in range(image.width())
        for y in (0, 1, image.height() // 2)
        if image.pixelColor(x, y) == ring
    ) + sum(1 for y in range(image.height()) if image.pixelColor(0, y) == ring)


def test_the_focus_is_clearly_marked(
    qtbot: QtBot, account: Account, make_window: MakeWindow
) -> None:
    account.customer("Ada Lovelace", cards=[VISA])
    window = synced_window(qtbot, make_window)
    table = window.customers.table
    window.customers.search.setFocus()
    qtbot.waitUntil(window.customers.search.hasFocus)
    unfocused = _focus_pixels(table)

    table.setFocus()
    qtbot.waitUntil(table.hasFocus)

    assert unfocused == 0
    assert _focus_pixels(table) > table.width()  # a border in the focus colour all round


def test_find_while_needs_attention_shows_goes_to_the_customers_tab(
    qtbot: QtBot, account: Account, make_window: MakeWindow
) -> None:
    from tests.support.billing_account import DECLINED, plan, subscribe
    from tests.support.window import TASK_TIMEOUT_MS

    fiona, _ = account.customer("Failing Fiona", cards=[(DECLINED, 12, 2030)], default=0)
    subscribe(account, fiona, plan(account, 4900, "eur", "Pro"))
    grace, _ = account.customer("Grace Hopper", cards=[VISA], default=0)
    window = synced_window(qtbot, make_window)
    qtbot.waitUntil(lambda: window.attention_model.rowCount() == 1, timeout=TASK_TIMEOUT_MS)
    window.show_attention()
    window.attention.table.selectRow(0)
    qtbot.waitUntil(lambda: window.cards.title.text() == "Failing Fiona")

    # A selection made in the hidden list (a search, a poll) never reaches the right pane.
    window.customers.select_customer(grace)
    qtbot.wait(200)
    assert window.view.customer is not None and window.view.customer.id == fiona
    assert window.cards.title.text() == "Failing Fiona"

    # Ctrl+F (View → Find customers): the Customers tab, its search focused.
    qtbot.keyClick(window.attention.table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.lists.currentWidget() is window.customers
    qtbot.waitUntil(window.customers.search.hasFocus)
    # Shown again, the list and the right pane agree.
    qtbot.waitUntil(lambda: window.cards.title.text() == "Grace Hopper")
    qtbot.keyClicks(window.customers.search, "hopper")
    assert press(qtbot, Qt.Key.Key_Return) is window.customers.table
    assert window.customers.selected_customer() == grace

    # Ctrl+Shift+N goes back to "Needs attention", and F1's list says so.
    qtbot.keyClick(
        window.customers.table,
        Qt.Key.Key_N,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert window.lists.currentWidget() is window.attention
    keys = window.help.show_shortcuts()
    assert "Ctrl+Shift+N" in keys.text() and "need attention" in keys.text()
    keys.close()
    assert window.cards.title.text() == "Grace Hopper"

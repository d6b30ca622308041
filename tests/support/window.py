"""Helpers for the window tests: driving the window and reading what it shows.

The tests run on the X display that scripts/with-test-services provides (Xvfb), or on the
desktop of Windows or macOS; with no display for Qt's platform they fall back to Qt's
offscreen platform so that a plain `pytest` never aborts.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from typing import TypeVar

from tests.support.platforms import no_display

if no_display():
    os.environ["QT_QPA_PLATFORM"] = "offscreen"

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from app.records import InvoiceRow
from ui.shell.main import share_gl_contexts
from ui.shell.main_window import MainWindow

# Before pytest-qt's `qapp` exists: the add-card tests import QtWebEngine later.
share_gl_contexts()

W = TypeVar("W", bound=QWidget)

#: How long a background task (a sync, an action on the emulator) may take in a test.
TASK_TIMEOUT_MS = 30_000


def closed_port() -> int:
    """A loopback port nobody listens on: Stripe "unreachable" without touching a network."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def synced(qtbot: QtBot, window: MainWindow, *, full: bool = False) -> object:
    """Run a sync from the window and return what it reported."""
    with qtbot.waitSignal(window.sync_finished, timeout=TASK_TIMEOUT_MS) as blocker:
        assert window.start_sync(full=full)
    return blocker.args[0]


def select_customer(qtbot: QtBot, window: MainWindow, customer_id: str) -> None:
    pane = window.customers
    row = window.customers_model.row_of(customer_id)
    assert row is not None, f"{customer_id} is not in the customers table"
    pane.table.selectRow(row)
    qtbot.waitUntil(lambda: window.cards.title.isVisible())


def synced_window(
    qtbot: QtBot, make_window: Callable[..., MainWindow], customer_id: str = ""
) -> MainWindow:
    """A window synced with the emulator, with `customer_id` selected if given."""
    window = make_window()
    synced(qtbot, window)
    if customer_id:
        select_customer(qtbot, window, customer_id)
    return window


def card_ids(window: MainWindow) -> list[str]:
    model = window.cards_model
    return [model.card_at(row).id for row in range(model.rowCount())]  # type: ignore[union-attr]


def select_card(window: MainWindow, pm: str) -> None:
    row = window.cards_model.row_of(pm)
    assert row is not None, f"{pm} is not shown"
    window.cards.cards_table.selectRow(row)


def open_modal(kind: type[W]) -> W:
    """The modal dialog the window is showing (a confirmation), which must be a `kind`."""
    dialog = QApplication.activeModalWidget()
    assert isinstance(dialog, kind), f"expected an open {kind.__name__}, not {dialog!r}"
    return dialog


def when_modal(kind: type[W], act: Callable[[W], object]) -> None:
    """Once the window shows a modal `kind` (a confirmation opened by a key press, which may
    spin the event loop before the dialog is up) and it has the keyboard, do `act` to it."""

    def poll() -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, kind) and dialog.isActiveWindow():
            act(dialog)
        else:
            QTimer.singleShot(10, poll)

    QTimer.singleShot(0, poll)


def failing_customer_shown(qtbot: QtBot, window: MainWindow, name: str) -> InvoiceRow:
    """Sync `window`; once "Needs attention" lists the one customer `name` (whose first
    invoice failed), show that list with the row selected; return the customer's invoice."""
    from app.cache import billing_queries

    synced(qtbot, window)
    qtbot.waitUntil(lambda: window.attention_model.rowCount() == 1, timeout=TASK_TIMEOUT_MS)
    window.show_attention()
    window.attention.table.selectRow(0)
    qtbot.waitUntil(lambda: window.cards.title.text() == name)
    customer = window.view.customer
    assert customer is not None
    (invoice,) = billing_queries.invoices_of(customer.id)
    return invoice

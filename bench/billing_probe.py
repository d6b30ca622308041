"""The window's billing figures on the large cache, measured inside `bench/window_probe.py`:
"Needs attention" computed and painted, and a customer's Billing tab shown."""

from __future__ import annotations

import statistics
import time
from typing import Any

from PySide6.QtCore import QEventLoop, QTimer, SignalInstance
from PySide6.QtWidgets import QApplication

from ui.shell.main_window import MainWindow


def _wait(signal: SignalInstance, timeout_ms: int = 60_000) -> None:
    loop = QEventLoop()
    signal.connect(loop.quit)
    QTimer.singleShot(timeout_ms, loop.quit)
    loop.exec()
    signal.disconnect(loop.quit)


def attention(app: QApplication, window: MainWindow, runs: int = 5) -> dict[str, Any]:
    """From asking for the ranking (as a sync's end does) until its first page is painted:
    the ranking query on the window's background thread, then the page's reasons (three
    queries) and the paint on the main thread."""
    view, model = window.attention_view, window.attention_model
    while view.reader.running:  # the ranking the window started on opening
        _wait(view.refreshed)
    window.show_attention()
    app.processEvents()
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        view.refresh()
        _wait(view.refreshed)
        window.attention.table.viewport().repaint()
        app.processEvents()
        timings.append((time.perf_counter() - started) * 1000)
    return {
        "attention_ms": timings,
        "attention_median_ms": statistics.median(timings),
        "attention_customers": model.rowCount(),
        "attention_title": window.lists.tabText(1),
        "attention_first_row": [model.index(0, c).data() for c in range(model.columnCount())],
    }


def billing_tab(app: QApplication, window: MainWindow, customers: int = 20) -> dict[str, Any]:
    """From choosing a customer in the list, the Billing tab open, until its subscriptions and
    invoices are painted (the customer's cards and activity are read too, as always)."""
    window.lists.setCurrentWidget(window.customers)
    window.show_billing_tab()
    pane = window.billing
    timings, shown = [], []
    for row in range(3, 3 + 10 * customers, 10):
        started = time.perf_counter()
        window.customers.table.selectRow(row)
        pane.subscriptions_list.viewport().repaint()
        pane.invoices_table.viewport().repaint()
        app.processEvents()
        timings.append((time.perf_counter() - started) * 1000)
        shown.append(pane.subscriptions_model.rowCount() + pane.invoices_model.rowCount())
    return {
        "billing_tab_ms": timings,
        "billing_tab_median_ms": statistics.median(timings),
        "billing_tab_max_ms": max(timings),
        "billing_lines_shown": shown,
    }

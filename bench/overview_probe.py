"""The Overview tab on the large cache, measured inside `bench/window_probe.py`: from asking
for the figures (as a change to the cache does while the tab is shown) until the three charts
are painted; the queries alone; and the tab shown again with nothing changed (the figures
at hand, painted)."""

from __future__ import annotations

import statistics
import time
from typing import Any

from PySide6.QtWidgets import QApplication

from app.cache import overview_queries
from bench.billing_probe import _wait
from ui.shell.main_window import MainWindow


def overview(app: QApplication, window: MainWindow, runs: int = 5) -> dict[str, Any]:
    controller, pane = window.overview_view, window.overview
    window.show_overview()
    _wait(controller.refreshed)  # the read that showing the tab started
    timings, queries = [], []
    for _ in range(runs):
        started = time.perf_counter()
        controller.refresh()
        _wait(controller.refreshed)
        for section in pane.sections:
            section.chart.repaint()
        app.processEvents()
        timings.append((time.perf_counter() - started) * 1000)
    # Back to the tab with nothing changed since: the figures at hand, painted again.
    switches = []
    for _ in range(runs):
        window.lists.setCurrentWidget(window.customers)
        app.processEvents()
        started = time.perf_counter()
        window.show_overview()
        for section in pane.sections:
            section.chart.repaint()
        app.processEvents()
        switches.append((time.perf_counter() - started) * 1000)
    with window.ctx.cache().db.connection_context():
        for _ in range(runs):
            started = time.perf_counter()
            found = overview_queries.overview()
            queries.append((time.perf_counter() - started) * 1000)
    return {
        "overview_ms": timings,
        "overview_median_ms": statistics.median(timings),
        "overview_queries_median_ms": statistics.median(queries),
        "overview_switch_median_ms": statistics.median(switches),
        "overview_bars": len(found.risk),
        "overview_expiring_cards": sum(m.cards for m in found.expiring),
        "overview_failed_attempts": sum(w.failed for w in found.weeks),
    }

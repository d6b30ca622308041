"""Section 3, search as you type: timed in the window by bench/window_probe.py.

Each query is timed from the end of the typing pause until its rows are painted. The count of
a broad search arrives later, from the background (`ui.customers.match_count`): the probe then waits
for it, untimed by the search figure, and reports how long it took and what it was.
"""

from __future__ import annotations

import math
import statistics
import time
from typing import Any

from PySide6.QtCore import QEventLoop
from PySide6.QtWidgets import QApplication

from ui.shell.main_window import MainWindow

#: Five searches of our own that match almost every customer (issue 15).
BROAD = ["a", "e", "@", "cus_", "4"]


def p95(values: list[float]) -> float:
    ordered = sorted(values) or [0.0]
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def _stats(timings: list[float]) -> dict[str, float | None]:
    return {
        "median_ms": statistics.median(timings) if timings else None,
        "p95_ms": p95(timings) if timings else None,
    }


def wait_for_name_keys(app: QApplication, window: MainWindow) -> float | None:
    """Seconds until the keys in name order are in memory (a shared cache's, read after
    the first rows are shown: `ui.name_keys_loader`); None when none are read (SQLite).
    Searches typed before then read the database."""
    loader = window.view.name_keys
    started = time.perf_counter()
    deadline = time.monotonic() + 60
    while loader.pending and time.monotonic() < deadline:
        app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents, 100)
    if window.customers_model.name_keys is None:
        return None
    return time.perf_counter() - started


def measure(app: QApplication, window: MainWindow, queries: list[str]) -> dict[str, Any]:
    pane, model = window.customers, window.customers_model
    table = pane.table
    timings: list[float] = []
    matches: list[int] = []
    count_ms: list[float | None] = []
    for text in queries:
        started = time.perf_counter()
        pane.search.setText(text)
        pane._apply_search()  # what the 250 ms typing pause then triggers
        table.viewport().repaint()  # paints the visible rows: reads their page
        app.processEvents()
        timings.append((time.perf_counter() - started) * 1000)
        deadline = time.monotonic() + 10
        while model.total is None and time.monotonic() < deadline:
            # Waiting for the count's event, not spinning.
            app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents)
        count_ms.append((time.perf_counter() - started) * 1000 if model.total is not None else None)
        matches.append(model.rowCount())
    broad = [t for q, t in zip(queries, timings, strict=True) if q in BROAD]
    selective = [t for q, t in zip(queries, timings, strict=True) if q not in BROAD]
    overall = _stats(timings)
    return {
        "search_ms": timings,
        "search_matches": matches,
        "search_count_shown_ms": count_ms,
        "search_queries": queries,
        "search_median_ms": overall["median_ms"],
        "search_p95_ms": overall["p95_ms"],
        "search_selective": _stats(selective),
        "search_broad": _stats(broad),
    }

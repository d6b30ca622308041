"""Section 3, the window half: run in a fresh process (QT_QPA_PLATFORM=offscreen) by
bench/run.py, on the large cache in BILLING_ADMIN_HOME. Prints one JSON object.

    python bench/window_probe.py SPAWNED_AT QUERY...

SPAWNED_AT is the parent's time.time() just before it started this process, so that "first
rows visible" counts the interpreter's start and every import.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _status_kb(field: str) -> int | None:
    """A figure of /proc/self/status (Linux), in kB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def _peak_rss_kb() -> int:
    """This process's peak resident set. Not ru_maxrss: on Linux it keeps the high-water mark
    of the parent that forked this process (the benchmark, holding the large data set)."""
    peak = _status_kb("VmHWM")
    return peak if peak is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main() -> None:
    spawned_at = float(sys.argv[1])
    queries = sys.argv[2:]

    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtWidgets import QApplication

    from app.context import Context
    from app.settings import Profile
    from bench import billing_probe, overview_probe, search_probe
    from ui.shell.main import application
    from ui.shell.main_window import MainWindow

    first_paint: list[float] = []

    class PaintWatch(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint and not first_paint and window_model_ready():
                first_paint.append(time.time())
            return False

    app: QApplication = application()
    ctx = Context(Profile("bench"))
    window = MainWindow(ctx, sync_on_start=False)
    table = window.customers.table
    model = window.customers_model

    def window_model_ready() -> bool:
        return model.rowCount() > 0

    watch = PaintWatch()
    table.viewport().installEventFilter(watch)
    window.show()
    deadline = time.monotonic() + 20
    while not first_paint and time.monotonic() < deadline:
        app.processEvents()
    # The rows really were read: the first visible row has its text.
    first_row = model.index(0, 0).data()
    rows_total = model.rowCount()

    name_keys_s = search_probe.wait_for_name_keys(app, window)
    keys_rss_kb = _status_kb("VmRSS") or 0
    searches = search_probe.measure(app, window, queries)
    pane = window.customers
    pane.search.clear()
    pane._apply_search()
    billing = {**billing_probe.attention(app, window), **billing_probe.billing_tab(app, window)}
    billing.update(overview_probe.overview(app, window))
    peak_kb = _peak_rss_kb()
    webengine = sorted(m for m in sys.modules if m.startswith("PySide6.QtWebEngine"))
    window.close()
    print(
        json.dumps(
            {
                "first_rows_s": (first_paint[0] - spawned_at) if first_paint else None,
                "first_row_text": first_row,
                "rows": rows_total,
                **searches,
                "peak_rss_mb": peak_kb / 1024,
                "name_keys_s": name_keys_s,
                "rss_mb_with_name_keys": keys_rss_kb / 1024,
                "webengine_modules": webengine,
                **billing,
            }
        )
    )


if __name__ == "__main__":
    main()

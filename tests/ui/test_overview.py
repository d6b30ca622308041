"""The Overview tab: charts drawn with QPainter (checked on the rendered image), their table
fallbacks matching the queries, and each bar or point opening its list."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor, QGuiApplication, QImage
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from app.cache import overview_queries, store
from app.context import Context
from app.settings import Profile
from tests.support.billing import invoice, write_cases
from ui.common import palette
from ui.overview.chart_view import ChartData, ChartView, Series
from ui.overview.overview_view import OverviewPane
from ui.shell.main_window import MainWindow

pytestmark = [pytest.mark.ui]

MakeWindow = Callable[..., MainWindow]


def _render(widget: ChartView) -> QImage:
    return widget.grab().toImage()


def _height_of(image: QImage, x: int, colour: str) -> int:
    """How many pixels of the column `x` have `colour`: a bar's height as drawn."""
    wanted = QColor(colour).rgb()
    return sum(1 for y in range(image.height()) if image.pixel(x, y) == wanted)


def test_bars_are_drawn_in_proportion(qtbot: QtBot) -> None:
    chart = ChartView("Cards expiring", "bars")
    qtbot.addWidget(chart)
    chart.resize(480, 220)
    values = [40, 10, 20, 0]
    chart.set_data(
        ChartData(["Jan", "Feb", "Mar", "Apr"], [Series("Cards", values, palette.WARNING)]),
        "No card",
    )
    image = _render(chart)
    heights = [
        _height_of(image, int(chart.bar_rect(0, i).center().x()), palette.WARNING) for i in range(4)
    ]
    assert heights[3] == 0 and heights[0] > 100
    for h, v in zip(heights, values, strict=True):
        assert abs(h - heights[0] * v / 40) <= 2


def test_horizontal_bars_scale_within_their_currency(qtbot: QtBot) -> None:
    chart = ChartView("Amount at risk", "hbars")
    qtbot.addWidget(chart)
    chart.resize(500, chart.sizeHint().height())
    data = ChartData(
        ["Failed · EUR", "Failed · JPY", "Past due · EUR"],
        [Series("Amount", [1000, 5, 500], palette.DANGER)],
        ["a", "b", "c"],
        ["€10.00", "¥5", "€5.00"],
        ["eur", "jpy", "eur"],
    )
    chart.set_data(data)
    chart.resize(500, chart.sizeHint().height())
    image = _render(chart)
    red = QColor(palette.DANGER).rgb()
    widths = []
    for i in range(3):
        y = int(chart.bar_rect(0, i).center().y())
        widths.append(sum(1 for x in range(image.width()) if image.pixel(x, y) == red))
    # The lone yen bar is full length, as the largest euro bar; half the euros, half as long.
    assert abs(widths[0] - widths[1]) <= 2 and abs(widths[2] - widths[0] / 2) <= 2


def test_an_empty_chart_says_so_and_ignores_clicks(qtbot: QtBot) -> None:
    chart = ChartView("Failed and recovered payments", "lines")
    qtbot.addWidget(chart)
    chart.resize(400, 200)
    chart.set_data(
        ChartData(["a", "b"], [Series("Failed", [0, 0], palette.DANGER)], ["x", "y"]),
        "Nothing failed.",
    )
    assert chart.empty and chart.accessibleDescription() == "Nothing failed."
    with qtbot.assertNotEmitted(chart.activated):
        QTest.mouseClick(chart, Qt.MouseButton.LeftButton, pos=QPoint(200, 100))


def _write_overview_data() -> dict[str, str]:
    ids = write_cases()
    now = datetime.now(UTC)
    store.upsert_invoices(
        [invoice("in_back", ids["Fine"], "paid", days_ago=8, card="pm_fine4242")], now
    )
    store.record_failures(
        [
            ("in_failing", now - timedelta(days=1), "pm_fail0341"),
            ("in_back", now - timedelta(days=9), "pm_fine4242"),
        ]
    )
    return ids


def test_the_tables_show_what_the_queries_read(home: Path, qtbot: QtBot) -> None:
    ctx = Context(Profile())
    with ctx.cache().db.atomic():
        _write_overview_data()
    found = overview_queries.overview()
    pane = OverviewPane()
    qtbot.addWidget(pane)
    pane.set_overview(found)

    risk = pane.risk.table_rows()
    assert [(r[0], r[1], r[3]) for r in risk] == [
        ("Payment failed", "EUR", "1"),
        ("Past due", "EUR", "2"),
        ("Card expired", "EUR", "1"),
        ("No card", "EUR", "1"),
        ("Expires before renewal", "EUR", "2"),
    ]
    assert risk[1][2].replace("\u00a0", " ") in ("€98.00", "98,00 €")
    months = pane.expiring.table_rows()
    assert [(int(r[1]), int(r[2])) for r in months] == [(m.cards, m.paying) for m in found.expiring]
    assert months[0][1:] == ["2", "2"]  # the two cards of "Soon" expire this month
    weeks = pane.payments.table_rows()
    assert [r[0] for r in weeks] == [w.start.isoformat() for w in found.weeks]
    assert sum(int(r[1]) for r in weeks) == 2 and sum(int(r[2]) for r in weeks) == 1
    # Each chart has a name a screen reader says, and the figure of its current item.
    assert pane.risk.chart.accessibleName() == "Amount at risk"
    assert "Payment failed" in pane.risk.chart.accessibleDescription()
    # The table copies as a spreadsheet takes it.
    pane.expiring.copy_table()
    copied = QGuiApplication.clipboard().text().splitlines()
    assert copied[0] == "Month\tCards expiring\tOf which pay a subscription"
    assert len(copied) == 13
    ctx.close()


def test_the_overview_tab_by_keyboard_and_its_bars_open_lists(
    home: Path, qtbot: QtBot, make_window: MakeWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A key, so that the window shows the lists (not the welcome page); never used.
    monkeypatch.setenv("STRIPE_API_KEY", "sk_test_" + "0" * 24)
    monkeypatch.setenv("STRIPE_API_BASE", "http://127.0.0.1:9")
    ctx = Context(Profile())
    with ctx.cache().db.atomic():
        _write_overview_data()
    ctx.close()
    window = make_window()
    pane = window.overview
    # Ctrl+Shift+G (Ctrl+Shift+O is the billing portal's).
    with qtbot.waitSignal(window.overview_view.refreshed, timeout=10_000) as blocker:
        QTest.keyClick(
            window,
            Qt.Key.Key_G,
            Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
        )
    assert blocker.args == [True]
    assert window.lists.currentWidget() is pane and pane.risk.chart.hasFocus()
    assert pane.isVisible() and pane.risk.chart.isVisible()
    assert window.lists.tabText(window.lists.indexOf(pane)) == "Overview"

    # Enter on the focused chart opens "Needs attention" (it has no filter yet).
    QTest.keyClick(pane.risk.chart, Qt.Key.Key_Down)
    assert "Past due" in pane.risk.chart.accessibleDescription()
    QTest.keyClick(pane.risk.chart, Qt.Key.Key_Return)
    assert window.lists.currentWidget() is window.attention

    # A click on this month's expiring cards: the customers list, "Cards expiring" on.
    window.show_overview()
    chart = pane.expiring.chart
    chart.setFocus()
    QTest.mouseClick(chart, Qt.MouseButton.LeftButton, pos=chart.bar_rect(0, 0).center().toPoint())
    assert window.lists.currentWidget() is window.customers
    assert window.customers.expiring.isChecked()

    # The table fallback: one Tab from the chart to its button, which shows the table.
    window.show_overview()
    pane.payments.chart.setFocus()
    assert pane.payments.chart.hasFocus(), QGuiApplication.focusObject()
    QTest.keyClick(pane.payments.chart, Qt.Key.Key_Tab)
    assert pane.payments.toggle.hasFocus(), QGuiApplication.focusObject()
    QTest.keyClick(pane.payments.toggle, Qt.Key.Key_Space)
    assert pane.payments.stack.currentWidget() is pane.payments.table
    assert pane.payments.table.hasFocus() and pane.payments.table.isVisible()


def test_the_figures_are_read_only_while_the_tab_shows(
    home: Path, qtbot: QtBot, make_window: MakeWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STRIPE_API_KEY", "sk_test_" + "0" * 24)
    monkeypatch.setenv("STRIPE_API_BASE", "http://127.0.0.1:9")
    window = make_window()
    reads: list[object] = []
    real = overview_queries.overview

    def counted(*args: object) -> overview_queries.Overview:
        reads.append(args)
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(overview_queries, "overview", counted)
    window.lists.setCurrentWidget(window.customers)
    window.view.reloaded.emit()  # the cache changed while another tab shows
    qtbot.wait(50)
    assert reads == []
    with qtbot.waitSignal(window.overview_view.refreshed, timeout=10_000):
        window.show_overview()
    assert len(reads) == 1
    # Back again with nothing changed: the figures at hand, no read.
    window.lists.setCurrentWidget(window.customers)
    window.show_overview()
    qtbot.wait(50)
    assert len(reads) == 1

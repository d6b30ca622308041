"""Window parts without Stripe: paging the customers model, the live detach dialog,
the remembered layout."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from playhouse.test_utils import count_queries
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from app.cache import store
from app.context import Context
from app.records import CardRow, CustomerData
from app.settings import Profile
from ui.cards.detach_dialog import DetachDialog
from ui.customers.customers_model import PAGE, CustomersModel
from ui.shell.header import Connection, HeaderBar, relative_time
from ui.shell.main_window import MainWindow

pytestmark = [pytest.mark.ui]
MakeWindow = Callable[..., MainWindow]


def _fill(count: int) -> None:
    ctx = Context(Profile())
    db = ctx.cache().db
    rows = [
        CustomerData(f"cus_{n:06d}", f"Customer {n:06d}", f"c{n}@example.com", None)
        for n in range(count)
    ]
    with db.atomic():
        store.upsert_customers(rows, datetime.now(UTC))


def test_the_customers_model_reads_a_page_per_query(home: object, qapp: object) -> None:
    _fill(3 * PAGE + 17)
    model = CustomersModel()
    with count_queries(only_select=True) as counted:
        model.reload(reset=True)
    assert model.rowCount() == 3 * PAGE + 17
    assert counted.count == 1  # the count

    with count_queries(only_select=True) as counted:
        names = [model.index(row, 0).data() for row in range(model.rowCount())]
        for row in range(model.rowCount()):
            model.index(row, 4).data()
    assert counted.count == 4  # one per page, never one per row
    assert names[0] == "Customer 000000" and names[-1] == f"Customer {3 * PAGE + 16:06d}"

    model.sort(0, Qt.SortOrder.DescendingOrder)
    assert model.index(0, 0).data() == f"Customer {3 * PAGE + 16:06d}"
    model.set_search("000123")
    assert model.rowCount() == 1


def test_a_broad_search_shows_its_first_page_then_its_count(
    qtbot: QtBot, home: object, make_window: MakeWindow
) -> None:
    """The count of a search matching more than a page is read in the background after the
    page is shown; a count read for an earlier search is never shown for a later one."""
    _fill(3 * PAGE + 17)
    window = make_window()
    pane, model = window.customers, window.customers_model
    qtbot.waitUntil(lambda: model.rowCount() == 3 * PAGE + 17)

    pane.search.setText("customer 0")
    pane._apply_search()  # what the typing pause triggers
    assert model.rowCount() == PAGE and model.total is None
    assert pane.count_label.text() == f"{PAGE}+ customers match"
    assert model.index(0, 0).data() == "Customer 000000"
    qtbot.waitUntil(lambda: pane.count_label.text() == f"{3 * PAGE + 17} customers match")
    assert model.rowCount() == 3 * PAGE + 17
    assert model.index(3 * PAGE + 16, 0).data() == f"Customer {3 * PAGE + 16:06d}"

    pane.search.setText("c")  # its count is still being read when the next search comes
    pane._apply_search()
    assert pane.count_label.text() == f"{PAGE}+ customers match"
    pane.search.setText("000123")
    pane._apply_search()
    window.runner.wait()
    qtbot.wait(50)  # the earlier search's count, delivered now, is dropped
    assert model.rowCount() == 1 and pane.count_label.text() == "1 customer match"


def test_a_search_lays_its_rows_out_before_the_next_paint(
    qtbot: QtBot, home: object, make_window: MakeWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One frame per keystroke: a reset lays the list out at once, so the next paint shows
    the new rows where they belong; left to the view's own timer, that layout came after
    the paint and painted the list a second time."""
    # A key, never used, so that the window shows the list rather than its welcome page.
    monkeypatch.setenv("STRIPE_API_KEY", "sk_test_" + "0" * 24)
    monkeypatch.setenv("STRIPE_API_BASE", "http://127.0.0.1:9")
    _fill(3 * PAGE + 17)
    window = make_window(sync_on_start=False)
    pane, model, table = window.customers, window.customers_model, window.customers.table
    qtbot.waitUntil(lambda: model.rowCount() == 3 * PAGE + 17 and table.isVisible())
    qtbot.wait(100)
    scroll = table.verticalScrollBar()
    assert scroll.maximum() > 3 * PAGE * table.rowHeight(0) - table.viewport().height() - 1
    for text, rows in (("customer 0001", 100), ("customer 00001", 10), ("c", PAGE)):
        pane.search.setText(text)
        pane._apply_search()  # no event processed after it
        assert model.rowCount() == rows
        height = rows * table.rowHeight(0)  # the scroll bar counts pixels
        assert scroll.maximum() == max(0, height - table.viewport().height())


def _card(last_four: str = "4242") -> CardRow:
    now = datetime.now(UTC)
    return CardRow(
        "pm_123", "cus_1", "visa", last_four, 12, 2030, "US", "credit", True, True, now, now
    )


def test_live_detach_needs_the_last_four_digits(qtbot: QtBot) -> None:
    dialog = DetachDialog(_card("4242"), "Zoë Ångström", live=True)
    qtbot.addWidget(dialog)
    texts = " ".join(label.text() for label in dialog.findChildren(QLabel))
    assert "Visa •••• 4242" in texts and "Zoë Ångström" in texts and "LIVE" in texts
    assert dialog.last_four is not None
    assert not dialog.detach_button.isEnabled()
    dialog.last_four.setText("4241")
    assert not dialog.detach_button.isEnabled()
    dialog.last_four.setText("4242")
    assert dialog.detach_button.isEnabled()


def test_test_mode_detach_asks_without_typing(qtbot: QtBot) -> None:
    dialog = DetachDialog(_card(), "Ada", live=False)
    qtbot.addWidget(dialog)
    assert dialog.last_four is None
    assert dialog.detach_button.isEnabled()
    assert not dialog.detach_button.isDefault()


def test_a_customer_name_is_shown_as_text_not_markup(qtbot: QtBot) -> None:
    dialog = DetachDialog(_card(), "<b>O'Brien & Co</b>", live=False)
    qtbot.addWidget(dialog)
    texts = [label.text() for label in dialog.findChildren(QLabel)]
    assert any("&lt;b&gt;O'Brien &amp; Co&lt;/b&gt;?" in text for text in texts), texts


def test_the_header_shows_each_connection_state(qtbot: QtBot) -> None:
    header = HeaderBar()
    qtbot.addWidget(header)
    label = header.connection_label
    for state, text in (
        (Connection.ONLINE, "● Online"),
        (Connection.OFFLINE, "● Offline"),
        (Connection.UNKNOWN, "○ Not checked yet"),
        (Connection.NOKEY, "○ Not connected"),
    ):
        header.set_connection(state)
        assert label.text() == text
        assert label.accessibleName() == f"Stripe connection: {text[2:]}"
        # The style sheet's [state="..."] selectors need the plain text.
        assert type(label.property("state")) is str and label.property("state") == state.value
    header.set_connection(Connection.OFFLINE, "The network is down")
    assert label.toolTip() == "The network is down"
    header.set_connection(Connection.ONLINE)
    assert label.toolTip() == "Stripe answered the last request"


def test_layout_is_remembered_per_profile(
    qtbot: QtBot, home: object, make_window: MakeWindow
) -> None:
    window = make_window("layout")
    window.splitter.setSizes([900, 300])
    window.customers.table.setColumnWidth(1, 333)
    sizes = window.splitter.sizes()
    window.close()

    again = make_window("layout")
    assert again.splitter.sizes() == sizes
    assert again.customers.table.columnWidth(1) == 333
    other = make_window("other-profile")
    assert other.customers.table.columnWidth(1) != 333


def test_relative_time() -> None:
    now = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
    assert relative_time(None, now) == "never"
    assert relative_time(datetime(2026, 5, 1, 11, 59, 30, tzinfo=UTC), now) == "just now"
    assert relative_time(datetime(2026, 5, 1, 11, 55, tzinfo=UTC), now) == "5 minutes ago"
    assert relative_time(datetime(2026, 5, 1, 10, 0, tzinfo=UTC), now) == "2 hours ago"


def test_keyboard_reachable_and_named(qtbot: QtBot, home: object, make_window: MakeWindow) -> None:
    from PySide6.QtWidgets import QAbstractButton, QAbstractItemView, QLineEdit

    window = make_window("keys")
    window.welcome.offline_button.click()  # no key: review the cache offline
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(window.customers.search.hasFocus)
    unnamed = [
        widget
        for kind in (QAbstractButton, QLineEdit, QAbstractItemView)
        for widget in window.findChildren(kind)
        if widget.isVisibleTo(window)
        and widget.focusPolicy() != Qt.FocusPolicy.NoFocus
        and not (widget.accessibleName() or getattr(widget, "text", lambda: "")())
    ]
    assert unnamed == []

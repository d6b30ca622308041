"""Every screen (issue 26 §1): the first window fits the screen's available area, a size
remembered from a larger screen is shrunk to fit, the customers list drops its Stripe ID and
then Cards columns when narrow, emails lose the start of their local part, never the domain,
and names are elided at their end."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QApplication, QMainWindow
from pytestqt.qtbot import QtBot

from tests.support.account import Account
from tests.support.window import synced
from ui.common.column_fit import CUSTOMERS, PADDING, ElideDelegate, EmailDelegate, elide_email
from ui.shell import layout_memory
from ui.shell.main_window import MainWindow

pytestmark = [pytest.mark.ui]
MakeWindow = Callable[..., MainWindow]
STRIPE_ID, CARDS = 2, 3


def on_a_screen(monkeypatch: pytest.MonkeyPatch, width: int, height: int) -> QRect:
    area = QRect(0, 0, width, height)
    monkeypatch.setattr(layout_memory, "available_area", lambda window: area)
    return area


def fits(window: QMainWindow, area: QRect) -> bool:
    QApplication.processEvents()
    frame = window.frameGeometry()
    return area.contains(frame) or (
        frame.width() <= area.width() and frame.height() <= area.height()
    )


@pytest.mark.parametrize(("width", "height"), [(1024, 700), (1366, 768)])
def test_the_first_window_fits_the_screen(
    qtbot: QtBot, make_window: MakeWindow, monkeypatch: pytest.MonkeyPatch, width: int, height: int
) -> None:
    area = on_a_screen(monkeypatch, width, height)

    window = make_window()

    assert window.width() <= width - 16 and window.height() <= height - 40
    assert fits(window, area)
    left, right = window.splitter.sizes()
    assert right >= min(560, left + right - 360)  # the cards pane keeps its columns whole
    hint = window.minimumSizeHint()
    assert hint.width() <= width and hint.height() <= height - 40  # it can shrink that far


def test_a_remembered_size_larger_than_the_screen_is_shrunk(
    qtbot: QtBot, make_window: MakeWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    on_a_screen(monkeypatch, 1900, 1200)
    big = make_window()
    big.resize(1850, 1100)
    big.layout_memory.save()
    big.close()
    area = on_a_screen(monkeypatch, 1024, 700)

    window = make_window()

    assert window.width() <= 1024 - 16 and window.height() <= 700 - 40
    assert fits(window, area)


@pytest.mark.emulator
def test_narrow_the_list_drops_stripe_id_then_cards(
    qtbot: QtBot, account: Account, make_window: MakeWindow
) -> None:
    account.customer("Björk Guðmundsdóttir", "customer.support.team@example.jp")
    window = make_window()
    synced(qtbot, window)
    table = window.customers.table
    shown = lambda: [c for c in range(len(CUSTOMERS)) if not table.isColumnHidden(c)]  # noqa: E731
    char = table.fontMetrics().averageCharWidth()

    def narrow_to(pixels: int) -> list[int]:
        total = sum(window.splitter.sizes())
        window.splitter.setSizes([pixels, total - pixels])
        QApplication.processEvents()
        return shown()

    def usual(columns: list[int]) -> int:
        return sum(CUSTOMERS[c].usual * char + PADDING for c in columns)

    wide = usual([0, 1, 2, 3, 4]) + 80
    assert narrow_to(wide) == [0, 1, 2, 3, 4]
    assert narrow_to(usual([0, 1, 2, 3, 4]) - 40) == [0, 1, 3, 4]  # the Stripe ID first
    assert narrow_to(usual([0, 1, 3, 4]) - 40) == [0, 1, 4]  # then Cards; never name or email
    assert narrow_to(wide) == [0, 1, 2, 3, 4]  # back when there is room


def test_emails_keep_their_domain_and_names_lose_their_end(qtbot: QtBot) -> None:
    window = QMainWindow()
    qtbot.addWidget(window)
    metrics = QFontMetrics(window.font())
    email = "customer.support.team@example.jp"
    width = metrics.horizontalAdvance("…team@example.jp")

    cut = elide_email(email, metrics, width)

    assert cut.endswith("@example.jp") and cut.startswith("…")
    assert metrics.horizontalAdvance(cut) <= width
    assert elide_email(email, metrics, 10_000) == email
    assert elide_email("not an email at all, much longer", metrics, width).endswith("…")
    # The customers list's shares: names at the end, emails as above.
    assert CUSTOMERS[0].elide == Qt.TextElideMode.ElideRight and CUSTOMERS[1].email


def test_the_customers_table_elides_names_at_the_end_and_emails_at_the_start(
    qtbot: QtBot, make_window: MakeWindow
) -> None:
    window = make_window()
    table = window.customers.table
    assert isinstance(table.itemDelegateForColumn(0), ElideDelegate)
    assert isinstance(table.itemDelegateForColumn(1), EmailDelegate)


@pytest.mark.emulator
def test_a_card_s_brand_and_expiry_are_never_cut_at_1024(
    qtbot: QtBot, account: Account, make_window: MakeWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Cards list showed "Masterca…••• 4444" and "08…30" at 1024x700."""
    on_a_screen(monkeypatch, 1024, 700)
    ada, _ = account.customer("Ada", cards=[("5555555555554444", 12, 2030)], default=0)
    window = make_window()
    synced(qtbot, window)
    window.customers.table.selectRow(window.customers_model.row_of(ada) or 0)
    table = window.cards.cards_table
    qtbot.waitUntil(lambda: table.model().rowCount() == 1)
    metrics = table.fontMetrics()
    header = table.horizontalHeader()
    card, expires = (table.model().index(0, c).data() for c in (0, 1))

    assert card == "Mastercard •••• 4444" and expires == "12/2030"
    icon = table.iconSize().width()
    assert header.sectionSize(0) >= icon + metrics.horizontalAdvance(card) + 8
    assert header.sectionSize(1) >= metrics.horizontalAdvance(expires) + 8

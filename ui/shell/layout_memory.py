"""Remembering how the window was laid out, per profile: geometry, splitter, column widths,
and whether detached cards are shown (stored by `WindowState`, never a secret).

The window never opens larger than the screen's available area (a remembered size from a
larger screen is shrunk to fit, and moved onto the screen), title bar and frame included.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMainWindow, QSplitter, QTableView

from ui.cards.cards_view import CardsView
from ui.customers.customers_view import CustomersView
from ui.shell.window_state import WindowState

#: What a window manager adds around a window not shown yet (title bar, frame), at most.
DECORATION = QSize(16, 40)


def available_area(window: QMainWindow) -> QRect:
    """The available geometry (no panels, no task bar) of the window's screen."""
    screen = window.screen() or QGuiApplication.primaryScreen()
    return screen.availableGeometry() if screen is not None else QRect()


def fit_to_screen(window: QMainWindow, area: QRect | None = None) -> None:
    """Shrink `window` to fit `area` (its screen's available geometry), frame included, and
    move it inside."""
    area = area if area is not None else available_area(window)
    if area.isEmpty():
        return
    frame = window.frameGeometry()
    extra = frame.size() - window.geometry().size()
    if not window.isVisible() or extra.isEmpty():
        extra = extra.expandedTo(DECORATION)
    width = min(window.width(), area.width() - extra.width())
    height = min(window.height(), area.height() - extra.height())
    if (width, height) != (window.width(), window.height()):
        window.resize(width, height)
    frame = window.frameGeometry()
    x = min(max(frame.x(), area.left()), max(area.right() + 1 - frame.width(), area.left()))
    y = min(max(frame.y(), area.top()), max(area.bottom() + 1 - frame.height(), area.top()))
    if (x, y) != (frame.x(), frame.y()):
        window.move(x, y)


class LayoutMemory:
    def __init__(
        self,
        window: QMainWindow,
        splitter: QSplitter,
        customers: CustomersView,
        cards: CardsView,
    ) -> None:
        self._window = window
        self._splitter = splitter
        self._cards = cards
        self._tables: dict[str, QTableView] = {
            "customers_header": customers.table,
            "cards_header": cards.cards_table,
            "activity_header": cards.activity_table,
        }
        self._state: WindowState | None = None

    def restore(self, profile: str) -> None:
        """Lay the window out as it was for `profile`; later saves go to that profile."""
        state = self._state = WindowState(profile)
        if (geometry := state.load("geometry")) is not None:
            self._window.restoreGeometry(geometry)
        fit_to_screen(self._window)
        if (splitter := state.load("splitter")) is not None:
            self._splitter.restoreState(splitter)
        else:
            # The cards pane keeps the width its names, expiries and badges show in full
            # (575 px); the customers list, which drops columns, takes what is left.
            self._splitter.setSizes([max(self._window.width() - 575, 360), 575])
        for name, table in self._tables.items():
            if (saved := state.load(name)) is not None:
                table.horizontalHeader().restoreState(saved)
        self._cards.show_detached.setChecked(state.flag("show_detached"))

    def save(self) -> None:
        state = self._state
        if state is None:
            return
        state.save("geometry", self._window.saveGeometry())
        state.save("splitter", self._splitter.saveState())
        for name, table in self._tables.items():
            state.save(name, table.horizontalHeader().saveState())
        state.set_flag("show_detached", self._cards.show_detached.isChecked())
        state.sync()

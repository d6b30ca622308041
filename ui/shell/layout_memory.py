"""Remembering how the window was laid out, per profile: geometry, splitter, column widths,
and whether detached cards are shown (stored by `WindowState`, never a secret)."""

from __future__ import annotations

from PySide6.QtWidgets import QMainWindow, QSplitter, QTableView

from ui.cards.cards_view import CardsView
from ui.customers.customers_view import CustomersView
from ui.shell.window_state import WindowState


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
        if (splitter := state.load("splitter")) is not None:
            self._splitter.restoreState(splitter)
        else:
            self._splitter.setSizes([705, 575])  # card names and badges show in full
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

"""Context menus on customer and card rows: the same actions as the buttons, the very same
QActions, so that each is on or off as `app.operations.policy` says and runs through the same guard.

A right click (or the Menu key) on a row first selects it: the menu acts on what it shows.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QModelIndex, QObject, QPoint, Qt, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QTableView


class RowMenu(QObject):
    """The context menu of `table`'s rows: `actions` in order, None for a separator."""

    def __init__(self, table: QTableView, actions: Sequence[QAction | None]) -> None:
        super().__init__(table)
        self._table = table
        self._actions = list(actions)
        table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        table.customContextMenuRequested.connect(self._requested)

    def menu_at(self, index: QModelIndex) -> QMenu | None:
        """Select the row of `index` and build its menu (None off the rows)."""
        if not index.isValid():
            return None
        self._table.selectRow(index.row())  # the actions now judge this row
        menu = QMenu(self._table)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        for action in self._actions:
            if action is None:
                menu.addSeparator()
            else:
                menu.addAction(action)
        return menu

    @Slot(QPoint)
    def _requested(self, pos: QPoint) -> None:
        index = self._table.indexAt(pos)
        if not index.isValid():  # the Menu key: the current row
            index = self._table.currentIndex()
            pos = self._table.visualRect(index).center()
        menu = self.menu_at(index)
        if menu is not None:
            menu.popup(self._table.viewport().mapToGlobal(pos))

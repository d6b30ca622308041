"""The left side: search box, "expiring soon" filter and the customers table."""

from __future__ import annotations

from PySide6.QtCore import QItemSelection, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.cache.queries import SEARCH_LIMIT
from app.cards import SOON_DAYS
from ui.common.roles import CUSTOMER_ID_ROLE
from ui.common.widgets import empty_label, make_table, stack_of
from ui.customers.customers_model import CustomersModel

#: How long typing must pause before the search runs.
SEARCH_DELAY_MS = 250


class SearchBox(QLineEdit):
    """The search box: Down or Enter goes into the results, Esc clears it."""

    #: Down or Enter: the operator wants the results.
    to_results = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key == Qt.Key.Key_Escape and self.text():
            self.clear()
            return
        if key != Qt.Key.Key_Down:
            super().keyPressEvent(event)  # Enter runs the search at once (returnPressed)
        if key in (Qt.Key.Key_Down, Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.to_results.emit()


class CustomersView(QWidget):
    #: The selected customer's Stripe id, or "" when none is selected.
    customer_selected = Signal(str)

    def __init__(self, model: CustomersModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.search = SearchBox(self)
        self.search.setObjectName("SearchBox")
        self.search.setPlaceholderText("Search name, email, ID or last four digits  (Ctrl+F)")
        self.search.setAccessibleName("Search customers")
        self.search.setClearButtonEnabled(True)
        self.search.setMaxLength(SEARCH_LIMIT)  # a pasted page is not a search
        self.expiring = QCheckBox(f"Cards expiring within {SOON_DAYS} days", self)
        self.expiring.setAccessibleName(
            f"Only customers with cards expiring within {SOON_DAYS} days"
        )
        self.count_label = QLabel(self)
        self.count_label.setObjectName("CountLabel")
        self.table = make_table(
            self, "Customers", model, object_name="CustomersTable", widths=(150, 180, 152, 46)
        )
        self.table.setAlternatingRowColors(True)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        vertical = self.table.verticalHeader()
        # Fixed row heights: the view never measures 100,000 rows.
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(self.fontMetrics().height() + 10)
        self.empty_label = empty_label(self, selectable=True)
        self.stack = stack_of(self, self.table, self.empty_label)

        filters = QHBoxLayout()
        filters.addWidget(self.expiring)
        filters.addStretch(1)
        filters.addWidget(self.count_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 4, 8)
        layout.addWidget(self.search)
        layout.addLayout(filters)
        layout.addWidget(self.stack, 1)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._apply_search)
        self.search.textChanged.connect(self._search_timer.start)
        self.search.returnPressed.connect(self._apply_search)
        self.search.to_results.connect(self.focus_results)
        self.expiring.toggled.connect(self._apply_expiring)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.model.modelReset.connect(self.update_state)
        self.model.counted.connect(self.update_state)
        #: What the empty state says when the cache holds no customer at all.
        self.empty_cache_text = "The cache is empty."

    @Slot()
    def _apply_search(self) -> None:
        self._search_timer.stop()
        self.model.set_search(self.search.text())

    @Slot(bool)
    def _apply_expiring(self, on: bool) -> None:
        self.model.set_expiring_only(on)

    @Slot(QItemSelection, QItemSelection)
    def _selection_changed(self, selected: QItemSelection, deselected: QItemSelection) -> None:
        self.customer_selected.emit(self.selected_customer())

    def selected_customer(self) -> str:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return ""
        value = rows[0].data(CUSTOMER_ID_ROLE)
        return str(value) if value else ""

    def select_customer(self, customer_id: str, near: int = 0) -> bool:
        """Select (and show) the row of `customer_id`; False when it is not in view."""
        row = self.model.row_of(customer_id, near)
        if row is None:
            return False
        index = self.model.index(row, 0)
        self.table.selectionModel().select(
            index,
            self.table.selectionModel().SelectionFlag.ClearAndSelect
            | self.table.selectionModel().SelectionFlag.Rows,
        )
        self.table.selectionModel().setCurrentIndex(
            index, self.table.selectionModel().SelectionFlag.NoUpdate
        )
        return True

    @Slot()
    def update_state(self) -> None:
        count = self.model.rowCount()
        filtered = bool(self.model.search or self.model.expiring_only)
        more = "+" if self.model.total is None else ""  # counted in the background
        self.count_label.setText(
            f"{count:,}{more} customer{'s' if count != 1 or more else ''}"
            + (" match" if filtered else "")
        )
        if count:
            self.stack.setCurrentWidget(self.table)
            return
        if self.model.failed:
            text = "The cache could not be read; the log file has the details."
        elif self.model.search and self.model.expiring_only:
            text = (
                f"No customer matches “{self.model.search}” and has a card expiring within "
                f"{SOON_DAYS} days."
            )
        elif self.model.search:
            text = f"No customer matches “{self.model.search}”."
        elif self.model.expiring_only:
            text = f"No customer has a card expiring within {SOON_DAYS} days."
        else:
            text = self.empty_cache_text
        self.empty_label.setText(text)
        self.stack.setCurrentWidget(self.empty_label)

    @Slot()
    def focus_results(self) -> None:
        """Into the customers list, on the selected customer or else the first."""
        if self._search_timer.isActive():
            self._apply_search()
        if self.model.rowCount() == 0:
            return
        if not self.table.selectionModel().selectedRows():
            self.table.selectRow(0)
        self.table.setFocus(Qt.FocusReason.TabFocusReason)

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

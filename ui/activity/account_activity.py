"""The account's activity: every operator action in the audit log, newest first, filtered by
customer and by operator, and exported as `billing-admin audit --csv` writes it.

Read through `queries.audit_entries` (one row per operation); cards and customers are named
with one more read for the whole list (`queries.names_of`), never a query per row.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app import export
from app.cache import queries
from app.records import AuditRow
from ui.activity.activity_model import ActivityModel
from ui.common import exporting
from ui.common.column_fit import ACCOUNT_ACTIVITY, ColumnFit
from ui.common.widgets import empty_label, make_table, stack_of
from ui.shell.customer_controller import safe_read

ALL = ""


class AccountActivity(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Account activity")
        self.setAccessibleName("Account activity")
        self.model = ActivityModel(self, account_wide=True)
        self.customer, self.operator = (
            self._filter_box(f"Only the activity of this {what}")
            for what in ("customer", "operator")
        )
        self.count = QLabel(self)
        self.count.setObjectName("CountLabel")
        self.export_button = QPushButton("&Export…", self)
        self.export_button.setToolTip(
            "Write the entries shown as CSV or Excel (CSV as 'billing-admin audit --csv')"
        )
        self.table = make_table(self, "Account activity", self.model)
        ColumnFit(self.table, ACCOUNT_ACTIVITY)
        self.empty = empty_label(self, "Nothing was done from billing-admin yet.")
        self.stack = stack_of(self, self.table, self.empty)
        self.status = QLabel(self)
        self.status.setObjectName("HintLabel")
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        filters = QHBoxLayout()
        for text, box in (("&Customer:", self.customer), ("&Operator:", self.operator)):
            label = QLabel(text, self)
            label.setBuddy(box)
            filters.addWidget(label)
            filters.addWidget(box, 1)
        filters.addWidget(self.count)
        filters.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.status)
        self.resize(980, 560)

        self.customer.currentIndexChanged.connect(self._filter)
        self.operator.currentIndexChanged.connect(self._filter)
        self.export_button.clicked.connect(self._export)
        self.entries: list[AuditRow] = []

    def _filter_box(self, name: str) -> QComboBox:
        box = QComboBox(self)
        box.setAccessibleName(name)
        box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        return box

    def reload(self) -> None:
        """Read the log again: the filters' choices, then the entries they let through."""
        everyone = safe_read(queries.audit_entries) or []
        ids = {e.customer for e in everyone if e.customer}
        names = safe_read(lambda: queries.names_of(ids)) or {}
        labels = sorted(((names.get(c, c), c) for c in ids), key=lambda p: (p[0].casefold(), p))
        operators = sorted({e.operator for e in everyone if e.operator}, key=str.casefold)
        self._choices(self.customer, "All customers", labels)
        self._choices(self.operator, "All operators", [(o, o) for o in operators])
        self._filter()

    @staticmethod
    def _choices(box: QComboBox, everything: str, items: list[tuple[str, str]]) -> None:
        """Refill `box`, keeping what was chosen if it is still there."""
        chosen = box.currentData() if box.currentIndex() > 0 else None
        box.blockSignals(True)
        box.clear()
        box.addItem(everything, ALL)
        for label, value in items:
            box.addItem(label, value)
        if chosen is not None:
            box.setCurrentIndex(max(box.findData(chosen), 0))
        box.blockSignals(False)

    @Slot()
    def _filter(self) -> None:
        customer = self.customer.currentData() or None
        operator = self.operator.currentData() or None
        self.entries = safe_read(lambda: queries.audit_entries(customer, operator=operator)) or []
        ids = {i for e in self.entries for i in (e.target, e.customer) if i}
        self.model.set_entries(self.entries, safe_read(lambda: queries.names_of(ids)) or {})
        count = len(self.entries)
        self.count.setText(f"{count:,} entr{'ies' if count != 1 else 'y'}")
        self.stack.setCurrentIndex(0 if count else 1)
        self.export_button.setEnabled(bool(count))

    def sheet(self) -> export.Sheet:
        """The entries shown, as `audit --csv` writes them (names beside the ids)."""
        ids = {i for e in self.entries for i in (e.target, e.customer) if i}
        return export.audit_sheet(self.entries, safe_read(lambda: queries.names_of(ids)) or {})

    def export_to(self, path: Path) -> str:
        """Write the entries shown as `audit --csv` does (CSV, or Excel for a name ending
        .xlsx); the sentence that says so."""
        return exporting.write(path, self.sheet())

    @Slot()
    def _export(self) -> None:
        path = exporting.ask_path(self, "Export activity", "billing-admin-activity")
        if path is not None:
            self.status.setText(self.export_to(path))

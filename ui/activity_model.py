"""The audit log entries of one customer, newest first."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor

from app.records import AuditRow
from ui import palette
from ui.rows_model import Index, RowsModel

COLUMNS = ("When", "Action", "Outcome", "Operator", "Card or details")
ACTIONS = {
    "set-default": "Set as default",
    "detach": "Detach",
    "portal": "Billing portal link",
    "add-card": "Add card",
}
OUTCOMES = {"ok": "Done", "refused": "Refused", "failed": "Failed"}


class ActivityModel(RowsModel[AuditRow]):
    columns = COLUMNS

    def set_entries(self, entries: list[AuditRow]) -> None:
        self.set_rows(entries)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        entry = self.row_at(index.row()) if index.isValid() else None
        if entry is None:
            return None
        column = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self._text(entry, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == 4 and entry.detail:
                return f"{entry.target}: {entry.detail}"
            if column == 0 and entry.at:
                return entry.at.astimezone().isoformat(timespec="seconds")
        if role == Qt.ItemDataRole.ForegroundRole and column == 2 and entry.outcome != "ok":
            return QBrush(QColor(palette.DANGER))
        return None

    @staticmethod
    def _text(entry: AuditRow, column: int) -> str:
        if column == 0:
            return entry.at.astimezone().strftime("%Y-%m-%d %H:%M") if entry.at else ""
        if column == 1:
            return ACTIONS.get(entry.action, entry.action)
        if column == 2:
            return OUTCOMES.get(entry.outcome, entry.outcome)
        if column == 4:
            if entry.action in ("set-default", "detach") and entry.outcome == "ok" and entry.detail:
                return str(entry.detail)
            if entry.outcome != "ok" and entry.detail:
                return str(entry.detail)
            return str(entry.target)
        return str(entry.operator)

"""Audit log entries, newest first: one customer's (the Activity tab) or the account's.

Cards and customers are named as `billing-admin audit` and the cards table name them
("Visa •••• 3184"), from names the caller read beforehand (never a query per row); a full
message is in the cell's tooltip, and the details column elides at its end.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor

from app.cache.queries import OUTCOME_UNKNOWN
from app.operations.declared import activity_words
from app.records import Action, AuditRow
from ui.common import palette
from ui.common.rows_model import Index, RowsModel

COLUMNS = ("When", "Action", "Outcome", "Operator", "Card or details")
#: The account-wide view names the customer too.
ACCOUNT_COLUMNS = ("When", "Customer", "Action", "Outcome", "Operator", "Card or details")
#: How each action is named: from its declaration (`app.operations.declared`).
ACTIONS = {a.value: activity_words(a.value) for a in Action}
OUTCOMES = {
    "ok": "Done",
    "refused": "Refused",
    "declined": "Declined",
    "failed": "Failed",
    OUTCOME_UNKNOWN: "Unknown",
}
#: What a portal entry's detail means.
PORTAL_DETAILS = {"session": "Portal session", "login link": "Portal login link"}
NO_NAMES: Mapping[str, str] = MappingProxyType({})
log = logging.getLogger(__name__)


class ActivityModel(RowsModel[AuditRow]):
    def __init__(self, parent: Any = None, *, account_wide: bool = False) -> None:
        super().__init__(parent)
        self.columns = ACCOUNT_COLUMNS if account_wide else COLUMNS
        self._names: Mapping[str, str] = NO_NAMES

    def set_entries(self, entries: list[AuditRow], names: Mapping[str, str] = NO_NAMES) -> None:
        """`names`: how the operator knows the entries' card and customer ids."""
        self._names = names
        self.set_rows(entries)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        entry = self.row_at(index.row()) if index.isValid() else None
        if entry is None or not 0 <= index.column() < len(self.columns):
            return None
        try:
            return self._data(entry, self.columns[index.column()], role)
        except Exception:  # a model must never raise into Qt
            log.exception("activity model: row %d column %d", index.row(), index.column())
            return None

    def _data(self, entry: AuditRow, column: str, role: int) -> Any:
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self.text(entry, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == "Card or details":
                ids = ", ".join(dict.fromkeys(i for i in (entry.target, entry.customer) if i))
                return f"{self.text(entry, column)}\n({ids})" if ids else None
            if column == "When" and entry.at:
                return entry.at.astimezone().isoformat(timespec="seconds")
            if column == "Customer":
                return entry.customer
        if role == Qt.ItemDataRole.ForegroundRole and column == "Outcome" and entry.outcome != "ok":
            return QBrush(QColor(palette.DANGER))
        return None

    def text(self, entry: AuditRow, column: str) -> str:
        if column == "When":
            return entry.at.astimezone().strftime("%Y-%m-%d %H:%M") if entry.at else ""
        if column == "Customer":
            return self._names.get(entry.customer or "", entry.customer or "—")
        if column == "Action":
            return ACTIONS.get(entry.action, entry.action)
        if column == "Outcome":
            return OUTCOMES.get(entry.outcome, entry.outcome)
        if column == "Operator":
            return entry.operator
        return self._details(entry)

    def _details(self, entry: AuditRow) -> str:
        """The card by name (as `billing-admin audit`), and what Stripe or the policy said."""
        detail = str(entry.detail or "")
        subject = self._names.get(entry.target, "")
        if entry.customer and entry.target == entry.customer:
            subject = ""  # the customer is named elsewhere
        if entry.action in ("portal", "copy-link") and entry.outcome == "ok":
            return PORTAL_DETAILS.get(detail, detail)
        if entry.outcome == "ok":
            return detail or subject or entry.target
        if detail:
            return f"{subject}: {detail}" if subject else detail
        return subject or entry.target

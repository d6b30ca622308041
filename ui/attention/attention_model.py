""" "Needs attention" as a table: every customer who needs it, most severe first, read a page
at a time like the customers list.

The ranking (the customers' ids in order, one query) comes from `set_ranking`; `data` reads
the reasons of the page holding the row (`needs_attention(customers=...)`, three queries for
`PAGE` customers) and keeps a bounded number of pages, so that 47,000 customers needing
attention cost what 200 do. data() never raises.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from PySide6.QtCore import Qt

from app.billing.rules import Reason
from app.billing.status import reason_text
from app.cache import billing_queries
from app.records import AttentionEntry
from ui.common.badges import Badge
from ui.common.money_format import money
from ui.common.pages import Pages
from ui.common.roles import BADGES_ROLE, CUSTOMER_ID_ROLE
from ui.common.rows_model import Index, RowsModel

log = logging.getLogger(__name__)
PAGE = 200
MAX_PAGES = 20
COLUMNS = ("Customer", "Why", "Amount due", "Details")
WHY_COLUMN, AMOUNT_COLUMN = 1, 2
#: Each reason's badge kind (`ui.common.badges.COLOURS`); its words are app.billing.status's.
REASON_KINDS = {
    Reason.PAYMENT_FAILED: "failed",
    Reason.PAST_DUE: "failed",
    Reason.CARD_EXPIRED: "expired",
    Reason.NO_DEFAULT_CARD: "soon",
    Reason.CARD_EXPIRES_BEFORE_RENEWAL: "soon",
}


def reason_badges(entry: AttentionEntry) -> list[Badge]:
    """A subscription behind is named by its status ("Past due", "Unpaid", "Incomplete")."""
    return [
        Badge(reason_text(r.code, r.status), REASON_KINDS.get(Reason(r.code), "detached"))
        if r.code in {reason.value for reason in Reason}
        else Badge(r.code, "detached")
        for r in entry.reasons
    ]


def amount_text(entry: AttentionEntry) -> str:
    return ", ".join(money(amount, currency) for currency, amount in entry.amount_due)


class AttentionModel(RowsModel[str]):
    """Its rows are the customers' Stripe ids, in the ranking's order."""

    columns = COLUMNS
    right_aligned = (AMOUNT_COLUMN,)

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._today = date.today()
        self._pages = Pages[AttentionEntry | None](PAGE, MAX_PAGES, self._load)
        #: Set when a read failed; data() then shows nothing rather than raising.
        self.failed = False

    def set_ranking(self, ids: list[str], today: date | None = None) -> None:
        """Show these customers (`attention_ranking`'s order); their reasons are read as
        their rows are shown."""
        self._today = today or date.today()
        self._pages.clear()
        self.failed = False
        self.set_rows(ids)

    def set_failed(self) -> None:
        self.set_ranking([])
        self.failed = True

    def row_of(self, customer_id: str) -> int | None:
        try:
            return self._rows.index(customer_id)
        except ValueError:
            return None

    def customer_id_at(self, row: int) -> str | None:
        return self.row_at(row)

    def entry_at(self, row: int) -> AttentionEntry | None:
        return self._pages.row(row) if 0 <= row < len(self._rows) else None

    def _load(self, number: int) -> list[AttentionEntry | None]:
        ids = self._rows[number * PAGE : (number + 1) * PAGE]
        try:
            found = billing_queries.needs_attention(self._today, customers=ids)
        except Exception:
            log.exception("could not read the reasons of customers %d-%d", number * PAGE, len(ids))
            self.failed = True
            found = []
        by_id = {entry.id: entry for entry in found}
        # A customer who no longer needs attention (the cache changed since the ranking) is
        # an empty row until the next ranking.
        return [by_id.get(customer_id) for customer_id in ids]

    # -- Qt -----------------------------------------------------------------------------------

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if role == CUSTOMER_ID_ROLE:
            return self.customer_id_at(index.row())
        try:
            entry = self.entry_at(index.row())
            return self._data(entry, index.column(), role) if entry is not None else None
        except Exception:  # a model must never raise into Qt
            log.exception("attention model: row %d column %d", index.row(), index.column())
            return None

    def _data(self, entry: AttentionEntry, column: int, role: int) -> Any:
        if role == BADGES_ROLE and column == WHY_COLUMN:
            return reason_badges(entry)
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self._text(entry, column)
        if role == Qt.ItemDataRole.TextAlignmentRole and column == AMOUNT_COLUMN:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == 0:
                return "\n".join(p for p in (entry.name, entry.email, entry.id) if p)
            return "\n".join(reason.detail for reason in entry.reasons)
        return None

    @staticmethod
    def _text(entry: AttentionEntry, column: int) -> str:
        if column == 0:
            return entry.label
        if column == WHY_COLUMN:
            return ", ".join(badge.text for badge in reason_badges(entry))
        if column == AMOUNT_COLUMN:
            return amount_text(entry)
        first = entry.reasons[0].detail if entry.reasons else ""
        more = len(entry.reasons) - 1
        return first + (f" (and {more} more)" if more > 0 else "")

"""File → Export: every list of the window — the customers (or a search's results), Needs
attention, the selected customer's invoices and activity — as CSV or Excel, written by
`app.export` as the command line's `--csv` writes it (issue 26 §5)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu

from app import export
from app.cache import billing_queries, queries
from app.records import AuditRow, CustomerRow, InvoiceRow
from ui.common import exporting
from ui.shell.customer_controller import safe_read
from ui.shell.protocol import say

if TYPE_CHECKING:
    from ui.shell.main_window import MainWindow


@dataclass(frozen=True)
class ListKind:
    #: The menu's text.
    text: str
    #: The file name offered, before the customer's id and the suffix.
    stem: str
    #: A list of the selected customer's.
    of_customer: bool = False


CUSTOMERS = ListKind("&Customers shown…", "billing-admin-customers")
ATTENTION = ListKind("Customers who need a&ttention…", "billing-admin-attention")
INVOICES = ListKind("&Invoices of this customer…", "billing-admin-invoices", of_customer=True)
ACTIVITY = ListKind("&Activity of this customer…", "billing-admin-activity", of_customer=True)
KINDS = (CUSTOMERS, ATTENTION, INVOICES, ACTIVITY)


class ListExports(QObject):
    """The File → Export submenu; `export_to` is its entry point for tests."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self._window = window
        self.menu = QMenu("&Export", window)
        self.menu.setToolTipsVisible(True)
        self.actions: dict[ListKind, QAction] = {}
        for kind in KINDS:
            action = self.menu.addAction(kind.text)
            action.setToolTip("As CSV or Excel (.xlsx), chosen in the save dialog")
            action.triggered.connect(self._asker(kind))
            self.actions[kind] = action
        self.menu.aboutToShow.connect(self.update_actions)

    @Slot()
    def update_actions(self) -> None:
        has_customer = self._window.view.customer is not None
        for kind, action in self.actions.items():
            action.setEnabled(has_customer or not kind.of_customer)

    def _asker(self, kind: ListKind) -> Callable[[], None]:
        return lambda: self._ask(kind)

    def _ask(self, kind: ListKind) -> None:
        customer = self._window.view.customer
        stem = f"{kind.stem}-{customer.id}" if kind.of_customer and customer else kind.stem
        title = kind.text.replace("&", "").removesuffix("…")
        path = exporting.ask_path(self._window, f"Export: {title}", stem)
        if path is not None:
            say(self._window, self.export_to(kind, path))

    def export_to(self, kind: ListKind, path: Path) -> str:
        """Write the list `kind` as shown now to `path`; the sentence that says how it went."""
        return exporting.write(path, self.sheet(kind))

    def sheet(self, kind: ListKind) -> export.Sheet:
        window = self._window
        customer = window.view.customer
        if kind is CUSTOMERS:
            return export.customers_sheet(self._customers_shown())
        if kind is ATTENTION:
            today = date.today()
            return export.attention_sheet(
                safe_read(lambda: billing_queries.needs_attention(today)) or []
            )
        if kind is INVOICES:
            model = window.billing.invoices_model
            invoices = [model.invoice_at(n) for n in range(model.rowCount())]
            return export.invoices_sheet(i for i in invoices if isinstance(i, InvoiceRow))
        entries = [window.activity_model.row_at(n) for n in range(window.activity_model.rowCount())]
        rows = [e for e in entries if isinstance(e, AuditRow)] if customer else []
        ids = {i for e in rows for i in (e.target, e.customer) if i}
        names = safe_read(lambda: queries.names_of(ids)) or {}
        return export.audit_sheet(rows, names)

    def _customers_shown(self) -> list[CustomerRow]:
        """Every row of the customers list as filtered and sorted now (counted first when
        the count is still being read)."""
        model = self._window.customers_model
        if model.total is None:
            count = safe_read(model.counter())
            if count is not None:
                model.set_total(model.generation, count)
        rows = (model.customer_at(n) for n in range(model.rowCount()))
        return [row for row in rows if row is not None]

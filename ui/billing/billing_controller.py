"""The cache read into the Billing tab: whenever the window shows a customer (chosen, synced,
changed), their subscriptions and invoices, two queries; and "Open invoice"."""

from __future__ import annotations

from PySide6.QtCore import Slot
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QTabWidget

from app.cache import billing_queries
from app.errors import KnownError
from app.records import Action, CustomerRow, InvoiceRow
from ui.billing.billing_models import warning_icon
from ui.billing.billing_view import BillingView
from ui.billing.invoice_operations import open_invoice
from ui.shell.customer_controller import CustomerController, safe_read
from ui.shell.follower import Follower
from ui.shell.invoice_actions import retry_payment, why_not_retry
from ui.shell.protocol import Shell
from ui.shell.tell_actions import copy_payment_link, email_customer, why_not_tell

#: The most invoices the tab lists (the sync keeps `history_months` of them).
INVOICE_LIMIT = 500


class BillingController(Follower[BillingView]):
    def __init__(
        self, shell: Shell, pane: BillingView, tabs: QTabWidget, view: CustomerController
    ) -> None:
        super().__init__(shell, pane, tabs, view)
        view.customer_shown.connect(self._show)
        pane.open_requested.connect(self._open)
        pane.retry_requested.connect(self._retry)
        pane.retry_refusal = lambda invoice: why_not_retry(shell, invoice)
        pane.tell_refusal = lambda action, invoice: why_not_tell(shell, action, invoice)
        pane.tell_requested.connect(self._tell)

    @Slot(object)
    def _show(self, customer: CustomerRow | None) -> None:
        if customer is None:
            self.pane.show_billing([], [], [])
            self._title(False)
            return
        subscriptions = safe_read(lambda: billing_queries.subscriptions_of(customer.id))
        invoices = safe_read(lambda: billing_queries.invoices_of(customer.id, INVOICE_LIMIT))
        try:
            months: int | None = self.shell.ctx.settings.history_months
        except KnownError:
            months = None
        self.pane.show_billing(
            subscriptions or [],
            invoices or [],
            self.view.all_cards,
            failed=subscriptions is None or invoices is None,
            history_months=months,
        )
        failing = any(i.status == "open" and i.attempt_count > 0 for i in invoices or [])
        self._title(failing or bool(self.pane.subscriptions_model.warnings()))

    def _title(self, warn: bool) -> None:
        """The tab says when something in it needs the operator's eye."""
        self.tabs.setTabIcon(self.tab, warning_icon() if warn else QIcon())
        self.tabs.setTabToolTip(
            self.tab, "A payment failed or a card will not pay: see here" if warn else ""
        )

    @Slot(object)
    def _retry(self, invoice: InvoiceRow) -> None:
        retry_payment(self.shell, invoice)

    @Slot(str, object)
    def _tell(self, action: str, invoice: InvoiceRow) -> None:
        if action == Action.EMAIL_CUSTOMER:
            email_customer(self.shell, invoice)
        else:
            copy_payment_link(self.shell, invoice)

    @Slot(object)
    def _open(self, invoice: InvoiceRow) -> None:
        open_invoice(self.shell, invoice)

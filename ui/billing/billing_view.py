"""The Billing tab: the customer's subscriptions, a line each with a warning when the card
that will pay expires first, and their invoices, newest first, with "Open invoice" and
"Retry payment…" (also on a row's context menu), and whether Stripe will try an open invoice
again by itself."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from PySide6.QtCore import QItemSelection, QSize, Qt, QUrl, Signal, Slot
from PySide6.QtGui import QAction, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListView,
    QToolButton,
    QWidget,
)

from app.operations.declared import COPY_PAYMENT_LINK, EMAIL_CUSTOMER, next_attempt_text
from app.operations.declared import RETRY_PAYMENT as RETRY
from app.operations.policy import NO_INVOICE, invoice_name
from app.records import Action, CardRow, InvoiceRow, SubscriptionRow
from ui.billing.billing_models import STATUS_COLUMN, InvoicesModel, SubscriptionsModel
from ui.common.badges import BadgeDelegate
from ui.common.row_menus import RowMenu
from ui.common.widgets import act_on_rows, empty_label, make_table, stack_of

#: Subscriptions shown before the list scrolls.
VISIBLE_SUBSCRIPTIONS = 4


def openable(url: str | None) -> bool:
    """Stripe's invoice pages are https; anything else in the cache is not opened."""
    return url is not None and QUrl(url).scheme() == "https"


def _section(parent: QWidget, text: str) -> QLabel:
    label = QLabel(text, parent)
    font = QFont(label.font())
    font.setWeight(QFont.Weight.DemiBold)
    label.setFont(font)
    return label


class BillingView(QWidget):
    #: The operator asked to open this invoice's page (it has an https URL).
    open_requested = Signal(object)
    #: The operator asked to retry this invoice's payment ("Retry payment…").
    retry_requested = Signal(object)
    #: "Copy payment link" or "Email customer…" on this invoice: the action's name, the invoice.
    tell_requested = Signal(str, object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.subscriptions_model = SubscriptionsModel(self)
        self.invoices_model = InvoicesModel(self)

        self.subscriptions_title = _section(self, "Subscriptions")
        self.subscriptions_list = QListView(self)
        self.subscriptions_list.setObjectName("SubscriptionsList")
        self.subscriptions_list.setAccessibleName("Subscriptions")
        self.subscriptions_list.setModel(self.subscriptions_model)
        self.subscriptions_list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.subscriptions_list.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.subscriptions_list.setUniformItemSizes(True)
        self.subscriptions_list.setIconSize(QSize(16, 16))
        self.subscriptions_list.setSpacing(2)
        self.no_subscriptions = QLabel(self)
        self.no_subscriptions.setObjectName("HintLabel")
        self.no_subscriptions.setWordWrap(True)

        self.open_action = QAction("&Open invoice", self)
        self.open_action.triggered.connect(self._open_selected)
        self.open_button = QToolButton(self)
        self.open_button.setDefaultAction(self.open_action)
        self.open_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.open_button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.open_button.setAccessibleName("Open invoice")

        self.retry_action = QAction(RETRY.label, self)
        self.retry_action.setObjectName("RetryPaymentAction")
        self.retry_action.triggered.connect(self._retry_selected)
        self.retry_button = QToolButton(self)
        self.retry_button.setDefaultAction(self.retry_action)
        self.retry_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.retry_button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        #: Whether Stripe will try the selected open invoice again by itself, and when.
        self.next_attempt = QLabel(self)
        self.next_attempt.setObjectName("NextAttemptLabel")

        self.invoices_title = _section(self, "Invoices")
        self.invoices_table = make_table(
            self,
            "Invoices",
            self.invoices_model,
            object_name="InvoicesTable",
            # The status badge is read, not guessed from "+1": as wide as the longest
            # common one ("Open · 2 failed attempts") with the badge's padding.
            widths=(
                88,
                96,
                80,
                self.fontMetrics().horizontalAdvance("Open · 2 failed attempts") + 28,
                160,
            ),
        )
        self.invoices_table.setItemDelegateForColumn(
            STATUS_COLUMN, BadgeDelegate(self.invoices_table)
        )
        self.invoices_table.verticalHeader().setDefaultSectionSize(
            max(30, self.fontMetrics().height() + 12)
        )
        act_on_rows(self.invoices_table, self.open_action)
        self.copy_link_action = QAction(COPY_PAYMENT_LINK.label, self)
        self.copy_link_action.setObjectName("CopyPaymentLinkAction")
        self.copy_link_action.triggered.connect(lambda: self._tell(Action.COPY_PAYMENT_LINK))
        self.email_action = QAction(EMAIL_CUSTOMER.label, self)
        self.email_action.setObjectName("EmailCustomerAction")
        self.email_action.triggered.connect(lambda: self._tell(Action.EMAIL_CUSTOMER))
        self.invoice_menu = RowMenu(
            self.invoices_table,
            [self.open_action, self.retry_action, None, self.copy_link_action, self.email_action],
        )
        self.invoices_table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.no_invoices = empty_label(self)
        self.invoices_stack = stack_of(self, self.invoices_table, self.no_invoices)

        layout = QGridLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setColumnStretch(0, 1)
        place = (self.subscriptions_title, self.subscriptions_list, self.no_subscriptions)
        for row, widget in enumerate(place):
            layout.addWidget(widget, row, 0, 1, 2)
        layout.setRowMinimumHeight(3, 6)
        layout.addWidget(self.invoices_title, 4, 0)
        buttons = QHBoxLayout()
        buttons.addWidget(self.retry_button)
        buttons.addWidget(self.open_button)
        layout.addLayout(buttons, 4, 1)
        layout.addWidget(self.invoices_stack, 5, 0, 1, 2)
        layout.addWidget(self.next_attempt, 6, 0, 1, 2)
        layout.setRowStretch(5, 1)
        #: Why "Retry payment…" cannot run for an invoice, or "" (the window's policy).
        self.retry_refusal: Callable[[InvoiceRow | None], str] = lambda invoice: (
            "" if invoice is not None and invoice.status == "open" else NO_INVOICE
        )
        #: Why the payment link cannot be given for an invoice, or "" (the window's policy).
        self.tell_refusal: Callable[[Action, InvoiceRow | None], str] = lambda action, invoice: (
            "" if invoice is not None else NO_INVOICE
        )
        self._show_open_state()

    # -- what is shown ---------------------------------------------------------------------------

    def show_billing(
        self,
        subscriptions: list[SubscriptionRow],
        invoices: list[InvoiceRow],
        cards: list[CardRow],
        *,
        failed: bool = False,
        history_months: int | None = None,
    ) -> None:
        """The customer's subscriptions (with their cards, to tell expiries) and invoices."""
        selected = self.selected_invoice()
        self.subscriptions_model.set_subscriptions(subscriptions, cards)
        self.invoices_model.set_invoices(invoices)
        count = len(subscriptions)
        self.subscriptions_title.setText(f"Subscriptions ({count})" if count else "Subscriptions")
        self.subscriptions_list.setVisible(bool(count))
        self.no_subscriptions.setVisible(not count)
        unreadable = "The billing history could not be read; the log file has the details."
        self.no_subscriptions.setText(unreadable if failed else "No subscriptions.")
        if count:
            rows = min(count, VISIBLE_SUBSCRIPTIONS)
            height = (
                self.subscriptions_list.sizeHintForRow(0) + 2 * self.subscriptions_list.spacing()
            )
            frame = 2 * self.subscriptions_list.frameWidth()
            self.subscriptions_list.setFixedHeight(rows * height + frame + 2)
        self.invoices_title.setText(f"Invoices ({len(invoices)})" if invoices else "Invoices")
        if invoices:
            self.invoices_stack.setCurrentWidget(self.invoices_table)
            row = next(
                (n for n, i in enumerate(invoices) if selected and i.id == selected.id), None
            )
            if row is not None:
                self.invoices_table.selectRow(row)
        else:
            months = f" of the last {history_months} months" if history_months else ""
            self.no_invoices.setText(unreadable if failed else f"No invoices{months}.")
            self.invoices_stack.setCurrentWidget(self.no_invoices)
        self._show_open_state()

    def selected_invoice(self) -> InvoiceRow | None:
        rows = self.invoices_table.selectionModel().selectedRows()
        return self.invoices_model.invoice_at(rows[0].row()) if rows else None

    def _show_open_state(self) -> None:
        invoice = self.selected_invoice()
        if invoice is None:
            tip = "Select an invoice to open Stripe's page of it"
        elif not invoice.hosted_invoice_url:
            tip = "Stripe gave no page for this invoice"
        elif not openable(invoice.hosted_invoice_url):
            tip = "This invoice's address is not Stripe's https page: it is not opened"
        else:
            tip = "Open Stripe's page of this invoice in your browser (Enter)"
        self.open_action.setEnabled(invoice is not None and openable(invoice.hosted_invoice_url))
        why = self.retry_refusal(invoice)
        self.retry_action.setEnabled(not why)
        retry_tip = why or "Charge this invoice now, to the card it would use"
        self.retry_action.setToolTip(retry_tip)
        self.retry_button.setToolTip(retry_tip)
        for action, kind, told_tip in (
            (self.copy_link_action, Action.COPY_PAYMENT_LINK, "Copy this invoice's payment page"),
            (self.email_action, Action.EMAIL_CUSTOMER, "Open an email to the customer with it"),
        ):
            why = self.tell_refusal(kind, invoice)
            action.setEnabled(not why)
            action.setToolTip(why or told_tip)
            action.setStatusTip(why or told_tip)
        rows = (self.invoices_model.invoice_at(n) for n in range(self.invoices_model.rowCount()))
        shown = invoice or next((i for i in rows if i is not None and i.status == "open"), None)
        when = next_attempt_text(shown, datetime.now(UTC)) if shown else ""
        self.next_attempt.setText(
            f"Invoice {invoice_name(shown)}: {when}." if shown and when else ""
        )
        self.next_attempt.setVisible(bool(self.next_attempt.text()))
        self.open_action.setToolTip(tip)
        self.open_button.setToolTip(tip)
        self.open_button.setAccessibleDescription(tip)

    # -- the operator -----------------------------------------------------------------------------

    @Slot(QItemSelection, QItemSelection)
    def _selection_changed(self, selected: QItemSelection, deselected: QItemSelection) -> None:
        self._show_open_state()

    @Slot()
    def _retry_selected(self) -> None:
        invoice = self.selected_invoice()
        if invoice is not None:
            self.retry_requested.emit(invoice)

    def _tell(self, action: Action) -> None:
        invoice = self.selected_invoice()
        if invoice is not None:
            self.tell_requested.emit(action.value, invoice)

    def refresh_actions(self) -> None:
        """Judge the actions again (the window's state changed: online, busy)."""
        self._show_open_state()

    @Slot()
    def _open_selected(self) -> None:
        invoice = self.selected_invoice()
        if invoice is not None and openable(invoice.hosted_invoice_url):
            self.open_requested.emit(invoice)

""" "Needs attention (N)" beside the customers list: who needs attention and why, most severe
first. Choosing a row shows that customer's cards and portal buttons on the right; Enter or a
double-click also puts the focus on their cards.

The ranking is computed in the background (`ui.common.cache_read`) whenever the window
re-reads the cache (a sync, an action, another process's change), so that a large cache never
freezes the window; the
reasons are read a page at a time as rows are shown (`ui.attention.attention_model`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date

from PySide6.QtCore import QItemSelection, Qt, Signal, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QHBoxLayout, QLabel, QTabWidget, QToolButton, QVBoxLayout, QWidget

from app.cache import billing_queries
from app.operations.declared import COPY_PAYMENT_LINK, EMAIL_CUSTOMER
from app.operations.declared import RETRY_PAYMENT as RETRY
from app.records import Action
from ui.attention.attention_model import WHY_COLUMN, AttentionModel
from ui.common.badges import BadgeDelegate
from ui.common.cache_read import CacheRead
from ui.common.row_menus import RowMenu
from ui.common.widgets import act_on_rows, empty_label, make_table, stack_of
from ui.shell.customer_controller import CustomerController
from ui.shell.follower import Follower
from ui.shell.invoice_actions import open_invoice_of, retry_payment, why_not_retry
from ui.shell.protocol import Shell
from ui.shell.tell_actions import copy_payment_link, email_customer, why_not_tell

log = logging.getLogger(__name__)
NOBODY = (
    "Nobody needs attention: no failed payment, no subscription behind, and every "
    "subscription has a valid card to renew with."
)


class AttentionPane(QWidget):
    """The list, its count, and what it says when nobody needs attention."""

    #: The chosen customer's Stripe id.
    customer_chosen = Signal(str)
    #: Enter or a double-click on a customer: go to their cards.
    customer_activated = Signal(str)
    #: "Retry payment…" on a customer's row: charge their open invoice now.
    retry_requested = Signal(str)
    #: "Copy payment link" or "Email customer…" on a customer's row: the action, the customer.
    tell_requested = Signal(str, str)

    def __init__(self, model: AttentionModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.hint = QLabel(
            "Customers whose payments failed or whose card will not pay, most severe first.",
            self,
        )
        self.hint.setObjectName("HintLabel")
        self.hint.setWordWrap(True)
        self.count_label = QLabel(self)
        self.count_label.setObjectName("CountLabel")
        self.table = make_table(
            self, "Needs attention", model, object_name="AttentionTable", widths=(150, 190, 96)
        )
        self.table.setAlternatingRowColors(True)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)  # sentences read from the start
        self.table.setItemDelegateForColumn(WHY_COLUMN, BadgeDelegate(self.table))
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 12)
        self.table.horizontalHeader().setDefaultAlignment(
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        )
        self.go_action = QAction("Show this customer's cards", self)
        self.go_action.triggered.connect(self._activate_current)
        act_on_rows(self.table, self.go_action)
        self.retry_action = QAction(RETRY.label, self)
        self.retry_action.setObjectName("AttentionRetryAction")
        self.retry_action.setEnabled(False)
        self.retry_action.setToolTip("Select a customer whose payment failed")
        self.retry_action.triggered.connect(self._retry_current)
        self.copy_link_action = QAction(COPY_PAYMENT_LINK.label, self)
        self.copy_link_action.setObjectName("AttentionCopyLinkAction")
        self.copy_link_action.triggered.connect(lambda: self._tell(Action.COPY_PAYMENT_LINK))
        self.email_action = QAction(EMAIL_CUSTOMER.label, self)
        self.email_action.setObjectName("AttentionEmailAction")
        self.email_action.triggered.connect(lambda: self._tell(Action.EMAIL_CUSTOMER))
        self.row_menu = RowMenu(
            self.table,
            [
                self.go_action,
                None,
                self.retry_action,
                None,
                self.copy_link_action,
                self.email_action,
            ],
        )
        self.retry_button = QToolButton(self)
        self.retry_button.setObjectName("AttentionRetryButton")
        self.retry_button.setDefaultAction(self.retry_action)
        self.retry_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.retry_button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.retry_button.setVisible(False)
        #: Why "Retry payment…" cannot run for a customer, or "" (set by the view).
        self.retry_refusal: Callable[[str | None], str] = lambda customer: ""
        #: Why the payment link cannot be given (an action, a customer), or "" (the view's).
        self.tell_refusal: Callable[[Action, str], str] = lambda action, customer: ""
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.empty_label = empty_label(self, "Reading…")
        self.stack = stack_of(self, self.table, self.empty_label)
        top = QHBoxLayout()
        top.addWidget(self.hint, 1)
        top.addWidget(self.retry_button, 0, Qt.AlignmentFlag.AlignTop)
        top.addWidget(self.count_label, 0, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 4, 8)
        layout.addLayout(top)
        layout.addWidget(self.stack, 1)
        self.show_state()

    def show_state(self, *, reading: bool = False) -> None:
        count = self.model.rowCount()
        self.count_label.setText(f"{count:,} customer{'s' if count != 1 else ''}" if count else "")
        if count:
            self.stack.setCurrentWidget(self.table)
            return
        if reading:
            text = "Reading the cache…"
        elif self.model.failed:
            text = "“Needs attention” could not be read; the log file has the details."
        else:
            text = NOBODY
        self.empty_label.setText(text)
        self.stack.setCurrentWidget(self.empty_label)

    def selected_customer(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.customer_id_at(rows[0].row()) if rows else None

    def select_customer(self, customer_id: str) -> bool:
        row = self.model.row_of(customer_id)
        if row is None:
            return False
        self.table.selectRow(row)
        return True

    @Slot(QItemSelection, QItemSelection)
    def _selection_changed(self, selected: QItemSelection, deselected: QItemSelection) -> None:
        customer_id = self.selected_customer()
        self.show_retry_state()
        if customer_id:
            self.customer_chosen.emit(customer_id)

    def show_retry_state(self) -> None:
        """The button shows while a row is selected; on as the policy says, else why not."""
        customer_id = self.selected_customer()
        why = self.retry_refusal(customer_id) if customer_id else "Select a customer first."
        self.retry_action.setEnabled(not why)
        tip = why or "Charge this customer's open invoice now"
        self.retry_action.setToolTip(tip)
        self.retry_button.setToolTip(tip)
        self.retry_button.setVisible(customer_id is not None)
        for action, tip in (
            (self.copy_link_action, "Copy the invoice's payment page, to send to the customer"),
            (self.email_action, "Open an email to the customer with the payment page's link"),
        ):
            kind = (
                Action.COPY_PAYMENT_LINK
                if action is self.copy_link_action
                else Action.EMAIL_CUSTOMER
            )
            why = (
                self.tell_refusal(kind, customer_id) if customer_id else "Select a customer first."
            )
            action.setEnabled(not why)
            action.setToolTip(why or tip)
            action.setStatusTip(why or tip)

    def _tell(self, action: Action) -> None:
        customer_id = self.selected_customer()
        if customer_id:
            self.tell_requested.emit(action.value, customer_id)

    @Slot()
    def _retry_current(self) -> None:
        customer_id = self.selected_customer()
        if customer_id:
            self.retry_requested.emit(customer_id)

    @Slot()
    def _activate_current(self) -> None:
        customer_id = self.selected_customer()
        if customer_id:
            self.customer_activated.emit(customer_id)


class AttentionView(Follower[AttentionPane]):
    """Keeps the pane and its tab's title ("Needs attention (N)") up to date."""

    def __init__(
        self, shell: Shell, pane: AttentionPane, tabs: QTabWidget, view: CustomerController
    ) -> None:
        super().__init__(shell, pane, tabs, view)
        self.reader: CacheRead[tuple[list[str], date]] = CacheRead(
            self,
            shell.runner,
            lambda: shell.ctx.cache().db,
            lambda: shell.closing,
            start=self._start,
            show=lambda ranked: self.show_ranking(*ranked),
            show_failed=self._show_failed,
            failure=(log, "could not rank the customers who need attention"),
        )
        #: The ranking was read (True) or could not be (False): for tests and the benchmark.
        self.refreshed = self.reader.refreshed
        view.reloaded.connect(self.refresh)
        pane.customer_chosen.connect(view.show_customer_id)
        pane.customer_activated.connect(self._go_to_cards)
        pane.retry_requested.connect(self._retry)
        pane.retry_refusal = lambda customer: why_not_retry(shell, open_invoice_of(customer or ""))
        pane.tell_refusal = lambda action, customer: why_not_tell(
            shell, action, open_invoice_of(customer)
        )
        pane.tell_requested.connect(self._tell)

    @Slot()
    def refresh(self) -> None:
        """Rank again in the background (once more after the current run, if one runs)."""
        self.reader.refresh()

    def _start(self) -> Callable[[], tuple[list[str], date]]:
        today = date.today()
        if not self.pane.model.rowCount():
            self.pane.show_state(reading=True)
        return lambda: (billing_queries.attention_ranking(today), today)

    def show_ranking(self, ids: list[str], today: date | None = None) -> None:
        """Show this ranking, keeping the selected customer selected if still there."""
        selected = self.pane.selected_customer()
        blocker = self.pane.table.selectionModel().blockSignals(True)
        self.pane.model.set_ranking(ids, today)
        self.pane.table.selectionModel().blockSignals(blocker)
        if selected:
            self.pane.select_customer(selected)
        self.pane.show_state()
        self.pane.show_retry_state()
        self._title(len(ids))

    def _show_failed(self) -> None:
        self.pane.model.set_failed()
        self.pane.show_state()
        self._title(None)

    def _title(self, count: int | None) -> None:
        self.tabs.setTabText(self.tab, "Needs attention" + (f" ({count:,})" if count else ""))

    @Slot(str)
    def _retry(self, customer_id: str) -> None:
        retry_payment(self.shell, open_invoice_of(customer_id))

    @Slot(str, str)
    def _tell(self, action: str, customer_id: str) -> None:
        invoice = open_invoice_of(customer_id)
        if action == Action.EMAIL_CUSTOMER:
            email_customer(self.shell, invoice)
        else:
            copy_payment_link(self.shell, invoice)

    @Slot(str)
    def _go_to_cards(self, customer_id: str) -> None:
        self.view.show_customer_id(customer_id)
        self.view.show_cards_tab()

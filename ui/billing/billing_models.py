"""The Billing tab's models: the customer's subscriptions, a line each, and their invoices,
newest first, with status badges. Both hold the rows `app.cache.billing_queries` read (two
queries for a customer); nothing is read per row, and data() never raises."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from functools import cache
from typing import Any, TypeVar

from PySide6.QtCore import QDate, QLocale, Qt
from PySide6.QtGui import QBrush, QColor, QIcon
from PySide6.QtWidgets import QApplication, QStyle

from app.billing.rules import BILLABLE, failure_reason
from app.billing.status import invoice_status, subscription_status_text
from app.cards import expiry_text
from app.records import CardRow, InvoiceRow, SubscriptionRow
from ui.common import palette
from ui.common.badges import Badge
from ui.common.money_format import money
from ui.common.roles import BADGES_ROLE
from ui.common.rows_model import Index, RowsModel

log = logging.getLogger(__name__)
T = TypeVar("T")
URL_ROLE = Qt.ItemDataRole.UserRole + 3
#: The reason a payment failed beside its status, seen without hovering; the card last.
INVOICE_COLUMNS = ("Date", "Invoice", "Amount", "Status", "Reason", "Card")
AMOUNT_COLUMN, STATUS_COLUMN, REASON_COLUMN = 2, 3, 4
#: Stripe's interval names, singular and plural.
INTERVALS = {"day": "days", "week": "weeks", "month": "months", "year": "years"}


def day_text(when: datetime | None, locale: QLocale | None = None) -> str:
    """ "12 Dec 2026", in the operator's time zone and language."""
    if when is None:
        return "—"
    local = when.astimezone().date()
    return (locale or QLocale()).toString(QDate(local.year, local.month, local.day), "d MMM yyyy")


def _price(sub: SubscriptionRow) -> str | None:
    if sub.amount is None or not sub.currency:
        return None
    text = money(sub.amount, sub.currency)
    if sub.interval:
        count = sub.interval_count or 1
        unit = (
            sub.interval if count == 1 else f"{count} {INTERVALS.get(sub.interval, sub.interval)}"
        )
        text += f" / {unit}"
    return text


def _when(sub: SubscriptionRow) -> str:
    status = sub.status
    if status == "trialing":
        return f"trial until {day_text(sub.trial_end or sub.current_period_end)}"
    if status == "active":
        verb = "ends" if sub.cancel_at_period_end else "renews"
        return f"{verb} {day_text(sub.current_period_end)}"
    return subscription_status_text(status)


def subscription_line(sub: SubscriptionRow) -> str:
    """ "Pro · €49.00 / month · renews 12 Dec 2026 · Visa •••• 4242"."""
    card = sub.payment_method_display
    if card is None and sub.payment_method:
        card = "a card not in the cache"
    if card is None and sub.status in BILLABLE:
        card = "no card to pay"
    parts = [sub.description or sub.id, _price(sub), _when(sub), card]
    return " · ".join(p for p in parts if p)


def subscription_warning(sub: SubscriptionRow, cards: Mapping[str, CardRow]) -> str | None:
    """What is wrong with the card that will pay `sub`, in a sentence; None if nothing."""
    card = cards.get(sub.payment_method or "")
    name = sub.payment_method_display or "The card"
    expiry = f" ({expiry_text(card.exp_month, card.exp_year)})" if card else ""
    if sub.status not in BILLABLE:
        return None
    if sub.card_expired:
        return f"{name} has expired{expiry}: the next charge will fail."
    if sub.card_expires_before_renewal:
        return (
            f"{name} expires{expiry} before this subscription renews on "
            f"{day_text(sub.current_period_end)}."
        )
    if card is not None and not card.is_active:
        return f"{name} is no longer attached: there is no card to pay."
    if sub.payment_method is None and sub.status in ("active", "trialing"):
        return "No card will pay this subscription."
    return None


@cache
def warning_icon() -> QIcon:
    return QApplication.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)


class _BillingRows(RowsModel[T]):
    """Rows whose cells `_cell` says; data() never raises."""

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        item = self.row_at(index.row()) if index.isValid() else None
        if item is None:
            return None
        try:
            return self._cell(item, index.row(), index.column(), role)
        except Exception:  # a model must never raise into Qt
            log.exception("%s: row %d column %d", type(self).__name__, index.row(), index.column())
            return None

    def _cell(self, item: T, row: int, column: int, role: int, /) -> Any:
        raise NotImplementedError


class SubscriptionsModel(_BillingRows[SubscriptionRow]):
    columns = ("Subscription",)

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._cards: dict[str, CardRow] = {}
        self._warnings: list[str | None] = []

    def set_subscriptions(self, rows: list[SubscriptionRow], cards: list[CardRow]) -> None:
        self._cards = {card.id: card for card in cards}
        self._warnings = [subscription_warning(sub, self._cards) for sub in rows]
        self.set_rows(rows)

    def warnings(self) -> list[str]:
        return [w for w in self._warnings if w]

    def _cell(self, sub: SubscriptionRow, row: int, column: int, role: int) -> Any:
        warning = self._warnings[row] if row < len(self._warnings) else None
        if role == Qt.ItemDataRole.DisplayRole:
            return subscription_line(sub)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return subscription_line(sub) + (f". Warning: {warning}" if warning else "")
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{warning}\n{sub.id}" if warning else sub.id
        if role == Qt.ItemDataRole.DecorationRole and warning:
            return warning_icon()
        if role == Qt.ItemDataRole.ForegroundRole:
            if warning and (sub.card_expired or sub.status not in ("active", "trialing")):
                return QBrush(QColor(palette.DANGER))
            if sub.status not in BILLABLE:
                return QBrush(QColor(palette.TEXT_SECONDARY))
        return None


#: Status badge of an invoice: its words (`app.billing.status`) and the badge kind.
def invoice_badge(invoice: InvoiceRow) -> Badge:
    return Badge(*invoice_status(invoice.status, invoice.attempt_count))


def _status_tip(invoice: InvoiceRow) -> str:
    badge = invoice_badge(invoice)
    lines = [badge.text]
    if invoice.attempt_count and invoice.status not in ("paid", "open"):
        tries = invoice.attempt_count
        lines.append(f"{tries} failed attempt{'s' if tries != 1 else ''}")
    reason = _reason(invoice)
    if reason:
        when = f"Failed {day_text(invoice.failed_at)}: " if invoice.failed_at else ""
        lines.append(when + reason)
    if invoice.next_payment_attempt and invoice.status == "open":
        lines.append(f"Next attempt {day_text(invoice.next_payment_attempt)}")
    if invoice.paid_at and invoice.status == "paid":
        lines.append(f"Paid {day_text(invoice.paid_at)}")
    if invoice.amount_remaining and invoice.status == "open":
        lines.append(f"{money(invoice.amount_remaining, invoice.currency)} still due")
    return "\n".join(lines)


def _reason(invoice: InvoiceRow) -> str:
    return failure_reason(
        invoice.status, invoice.failure_message, invoice.failure_code, invoice.decline_code
    )


class InvoicesModel(_BillingRows[InvoiceRow]):
    columns = INVOICE_COLUMNS
    right_aligned = (AMOUNT_COLUMN,)

    def set_invoices(self, rows: list[InvoiceRow]) -> None:
        self.set_rows(rows)

    def invoice_at(self, row: int) -> InvoiceRow | None:
        return self.row_at(row)

    def _cell(self, invoice: InvoiceRow, row: int, column: int, role: int) -> Any:
        if role == URL_ROLE:
            return invoice.hosted_invoice_url
        if role == BADGES_ROLE and column == STATUS_COLUMN:
            return [invoice_badge(invoice)]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self._text(invoice, column)
        if role == Qt.ItemDataRole.TextAlignmentRole and column == AMOUNT_COLUMN:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and column == REASON_COLUMN:
            return QBrush(QColor(palette.DANGER))
        if role == Qt.ItemDataRole.ToolTipRole:
            if column in (STATUS_COLUMN, REASON_COLUMN):
                return _status_tip(invoice)
            if column == 1:
                page = "\nDouble-click or Open invoice: Stripe's page of this invoice"
                return invoice.id + (page if invoice.hosted_invoice_url else "")
            if column == 0 and invoice.created:
                return invoice.created.astimezone().isoformat(timespec="minutes")
        return None

    @staticmethod
    def _text(invoice: InvoiceRow, column: int) -> str:
        if column == 0:
            return day_text(invoice.created)
        if column == 1:
            return invoice.number or invoice.id
        if column == AMOUNT_COLUMN:
            return money(invoice.amount_due, invoice.currency)
        if column == STATUS_COLUMN:
            return invoice_badge(invoice).text
        if column == REASON_COLUMN:
            return _reason(invoice)
        return invoice.payment_method_display or "—"

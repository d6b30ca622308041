"""Actions on an invoice, made from their declarations (`app.operations.declared`): the
Billing tab's and the attention row's "Retry payment…", and the Cards tab's "Retry with this
card…". The policy says whether they may run (and the action's tooltip why not), the
declaration says what is asked, what the status bar says while it runs and after; the views
are read again from the cache afterwards, so the row changes in place.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QObject, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QInputDialog, QMessageBox, QWidget

from app.cache import billing_queries
from app.demo.emulator import EMULATOR_KEY
from app.operations.declared import DECLARED, Facts
from app.operations.policy import Action, Confirmation, Situation, why_not, why_not_with_card
from app.operations.retry import paying_card
from app.records import CardRow, InvoiceRow
from ui.shell.operations import Op, answered_yes
from ui.shell.protocol import Shell, mode_of, say

RETRY = DECLARED[Action.RETRY_PAYMENT]
WITH_CARD_LABEL = "Retry with this card…"


def open_invoice_of(customer_id: str) -> InvoiceRow | None:
    """The customer's invoice to retry: the newest open one that failed, else the newest open."""
    invoices = [i for i in billing_queries.invoices_of(customer_id, 50) if i.status == "open"]
    failed = [i for i in invoices if i.attempt_count > 0]
    found = failed or invoices
    return found[0] if found else None


def _emulated(shell: Shell) -> bool:
    """The emulator, told as the gateway tells it (`Gateway.emulated`), without making one:
    this is asked on every change of selection."""
    return shell.key is not None and shell.key.value == EMULATOR_KEY


def situation_for(
    shell: Shell, invoice: InvoiceRow | None, card: CardRow | None = None
) -> Situation:
    """What the policy judges a retry on: the invoice, the card that would pay it (or the
    operator's `card`), whether this is the emulator."""
    now = shell.situation()
    paying = paying_card(invoice) if invoice is not None else None
    return replace(
        now,
        invoice=invoice,
        invoice_card=paying,
        card=card if card is not None else now.card,
        emulator=_emulated(shell),
    )


def why_not_retry(shell: Shell, invoice: InvoiceRow | None, card: CardRow | None = None) -> str:
    now = situation_for(shell, invoice, card)
    return why_not_with_card(now) if card is not None else why_not(Action.RETRY_PAYMENT, now)


def charge_question(
    parent: QWidget | None, facts: Facts, *, live: bool
) -> QMessageBox | QInputDialog:
    """The question a charge asks: "Charge €49.00 for invoice 4F2A-0007 to Visa •••• 4242
    now?"; live, the operator types the amount."""
    asked = RETRY.text(RETRY.question, facts)
    sentence = f"{asked[0].upper()}{asked[1:]}?"
    if live and RETRY.typed is not None:
        what, _expected = RETRY.typed(facts)
        dialog = QInputDialog(parent)
        dialog.setObjectName("ChargeQuestion")
        dialog.setWindowTitle("Retry payment — LIVE")
        dialog.setLabelText(f"{sentence}\n\nLIVE mode: type {what} to confirm.")
        dialog.setOkButtonText("Charge")
        return dialog
    box = QMessageBox(parent)
    box.setObjectName("ChargeQuestion")
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle("Retry payment")
    box.setText(sentence)
    box.setInformativeText(
        "The card is charged at once. If it is declined, the invoice stays open and Stripe "
        "records one more failed attempt."
    )
    charge = box.addButton("Charge now", QMessageBox.ButtonRole.AcceptRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    charge.setObjectName("ChargeButton")
    return box


def _confirmed(shell: Shell, facts: Facts) -> bool:
    how = RETRY.confirmation(mode_of(shell), facts, today=shell.situation().today)
    if how is Confirmation.NONE:
        return True
    dialog = charge_question(shell.window(), facts, live=how is Confirmation.AMOUNT)
    if isinstance(dialog, QInputDialog):
        ok = answered_yes(dialog)
        expected = RETRY.typed(facts)[1] if RETRY.typed else ""
        typed = dialog.textValue().strip()
        return ok and bool(expected) and typed in (expected, expected.lstrip("€£$¥"))
    dialog.exec()
    accepted = dialog.buttonRole(dialog.clickedButton()) == QMessageBox.ButtonRole.AcceptRole
    dialog.deleteLater()
    return accepted


def retry_payment(shell: Shell, invoice: InvoiceRow | None, card: CardRow | None = None) -> bool:
    """Charge `invoice` now (with `card`, else the card it would use), if the policy allows it
    and the operator agrees; False when it did not start."""
    why = why_not_retry(shell, invoice, card)
    if why or invoice is None:
        shell.banner.show_message(why or "Select a failed or open invoice first.", "error")
        return False
    paying = card if card is not None else paying_card(invoice)
    facts = Facts(card=paying, customer=invoice.customer, invoice=invoice, target=invoice.id)
    if not _confirmed(shell, facts):
        return False
    chosen = card.id if card is not None else None
    return Op(
        Action.RETRY_PAYMENT,
        lambda ops: ops.retry_payment(invoice.id, chosen),
        RETRY.text(RETRY.doing, facts),
        lambda _: say(shell, RETRY.text(RETRY.said, facts)),
    ).run_in_background(shell)


class RetryWithCard(QAction):
    """The Card menu's (and the card row menu's) "Retry with this card…": the customer's open
    invoice charged to the selected card now, the default card unchanged."""

    def __init__(self, shell: Shell, parent: QObject | None = None) -> None:
        super().__init__(WITH_CARD_LABEL, parent)
        self.shell = shell
        self.setObjectName("RetryWithCardAction")
        self.triggered.connect(self._retry)

    def _invoice(self) -> InvoiceRow | None:
        customer = self.shell.view.customer
        return open_invoice_of(customer.id) if customer is not None else None

    @Slot()
    def _retry(self) -> None:
        card = self.shell.view.selected_card()
        if card is not None:
            retry_payment(self.shell, self._invoice(), card)

    def show_state(self) -> None:
        """On as the policy says for the selected card, else why not (in its tooltip)."""
        card = self.shell.view.selected_card()
        why = why_not_retry(self.shell, self._invoice(), card) if card else "Select a card first."
        self.setEnabled(not why)
        tip = why or "Charge the customer's open invoice to this card now (the default stays)"
        self.setToolTip(tip)
        self.setStatusTip(tip)

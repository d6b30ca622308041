"""Asking before a card is detached or made the default. In live mode the operator types the
card's last four digits."""

from __future__ import annotations

import html

from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.cards import expiry_text
from app.records import CardRow


class CardConfirmDialog(QDialog):
    """A question about one card, with a button that stays off in live mode until the card's
    last four digits are typed."""

    def __init__(
        self,
        card: CardRow,
        *,
        title: str,
        question: str,
        button: str,
        danger: bool,
        live: bool,
        confirm_by_default: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.card = card
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        text = QLabel(question, self)
        text.setWordWrap(True)
        text.setMinimumWidth(420)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        self.last_four: QLineEdit | None = None
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.confirm_button = QPushButton(button, self)
        if danger:
            self.confirm_button.setObjectName("DangerButton")
        self.confirm_button.setAccessibleName(f"{button}: {card.display_name}")
        buttons.addButton(self.confirm_button, QDialogButtonBox.ButtonRole.AcceptRole)
        cancel = buttons.button(QDialogButtonBox.StandardButton.Cancel)
        first = self.confirm_button if confirm_by_default else cancel
        (cancel if confirm_by_default else self.confirm_button).setAutoDefault(False)
        first.setDefault(True)
        if live:
            prompt = QLabel("<b>LIVE mode.</b> Type the card's last four digits to confirm:", self)
            prompt.setWordWrap(True)
            self.last_four = QLineEdit(self)
            self.last_four.setMaxLength(4)
            self.last_four.setAccessibleName("Last four digits of the card")
            self.last_four.setPlaceholderText("••••")
            self.last_four.setFixedWidth(90)
            prompt.setBuddy(self.last_four)
            layout.addWidget(prompt)
            layout.addWidget(self.last_four)
            self.last_four.textChanged.connect(self._check)
            self.confirm_button.setEnabled(False)
        layout.addWidget(buttons)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        (self.last_four or first).setFocus()

    @Slot(str)
    def _check(self, text: str) -> None:
        self.confirm_button.setEnabled(text.strip() == self.card.last_four)

    def accept(self) -> None:
        if self.last_four is not None and self.last_four.text().strip() != self.card.last_four:
            return
        super().accept()


class DetachDialog(CardConfirmDialog):
    def __init__(
        self, card: CardRow, customer_name: str, *, live: bool, parent: QWidget | None = None
    ) -> None:
        super().__init__(
            card,
            title="Detach card",
            question=(
                f"<p><b>Detach {card.display_name}</b> (expires "
                f"{expiry_text(card.exp_month, card.exp_year)}) from "
                f"{html.escape(customer_name, quote=False)}?</p>"
                "<p>The customer can no longer be charged on this card; to use it again they "
                "must add it again. This cannot be undone.</p>"
                + ("<p>The customer has no default card afterwards.</p>" if card.is_default else "")
            ),
            button="Detach card",
            danger=True,
            live=live,
            parent=parent,
        )
        self.detach_button = self.confirm_button


class DefaultDialog(CardConfirmDialog):
    """A new default card is what the next invoice charges: the question says which card it
    replaces, and when a card that expires soon expires. In test mode one key press (Enter)
    confirms; in live mode the card's last four digits do."""

    def __init__(
        self,
        card: CardRow,
        customer_name: str,
        replaced: CardRow | None = None,
        *,
        warning: str = "",
        live: bool = True,
        parent: QWidget | None = None,
    ) -> None:
        instead = f" in place of <b>{replaced.display_name}</b>" if replaced else ""
        super().__init__(
            card,
            title="Change the default card",
            question=(
                f"<p><b>Make {card.display_name}</b> (expires "
                f"{expiry_text(card.exp_month, card.exp_year)}) the default card of "
                f"{html.escape(customer_name, quote=False)}{instead}?</p>"
                "<p>Their next invoices are charged to this card.</p>"
                + (f"<p><b>{html.escape(warning, quote=False)}</b></p>" if warning else "")
            ),
            button="Make default",
            danger=False,
            live=live,
            confirm_by_default=not live,
            parent=parent,
        )

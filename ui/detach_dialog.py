"""Asking before a card is detached. In live mode the operator types its last four digits."""

from __future__ import annotations

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

from app.cache.queries import CardRow
from app.cards import expiry_text


class DetachDialog(QDialog):
    def __init__(
        self, card: CardRow, customer_name: str, *, live: bool, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.card = card
        self.setWindowTitle("Detach card")
        self.setAccessibleName("Confirm detaching a card")
        question = QLabel(
            f"<p><b>Detach {card.display_name}</b> (expires "
            f"{expiry_text(card.exp_month, card.exp_year)}) from {_escape(customer_name)}?</p>"
            "<p>The customer can no longer be charged on this card; to use it again they must "
            "add it again. This cannot be undone.</p>"
            + ("<p>The customer has no default card afterwards.</p>" if card.is_default else ""),
            self,
        )
        question.setWordWrap(True)
        question.setMinimumWidth(420)
        layout = QVBoxLayout(self)
        layout.addWidget(question)
        self.last_four: QLineEdit | None = None
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.detach_button = QPushButton("Detach card", self)
        self.detach_button.setObjectName("DangerButton")
        self.detach_button.setAccessibleName(f"Detach {card.display_name}")
        buttons.addButton(self.detach_button, QDialogButtonBox.ButtonRole.AcceptRole)
        cancel = buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setDefault(True)
        self.detach_button.setAutoDefault(False)
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
            self.detach_button.setEnabled(False)
        layout.addWidget(buttons)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        (self.last_four or cancel).setFocus()

    @Slot(str)
    def _check(self, text: str) -> None:
        self.detach_button.setEnabled(text.strip() == self.card.last_four)

    def accept(self) -> None:
        if self.last_four is not None and self.last_four.text().strip() != self.card.last_four:
            return
        super().accept()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

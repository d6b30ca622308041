"""Asking before something is done to a card (`ui.cards.detach_dialog`,
`ui.cards.default_dialog`). In live mode the operator types the card's last four digits."""

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

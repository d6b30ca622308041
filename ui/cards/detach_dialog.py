"""Asking before a card is detached: it cannot be undone."""

from __future__ import annotations

import html

from PySide6.QtWidgets import QWidget

from app.cards import expiry_text
from app.records import CardRow
from ui.cards.confirm_dialog import CardConfirmDialog


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

"""Asking before a card is made the customer's default: the next invoices charge it."""

from __future__ import annotations

import html

from PySide6.QtWidgets import QWidget

from app.cards import expiry_text
from app.records import CardRow
from ui.cards.confirm_dialog import CardConfirmDialog


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

"""A customer with cards but no default card: the pane says so under the card actions, with
a button that makes a card the default in one step (the newest card that may be the default;
a menu of them when there are several). It goes through Set as default itself, so the policy
judges it and the question says which card becomes the default."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from PySide6.QtCore import Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QBoxLayout, QHBoxLayout, QLabel, QMenu, QToolButton, QWidget

from app.cards import expiry_text
from app.operations.policy import Action, Situation, why_not
from app.records import CardRow
from ui.cards.cards_view import CardsView
from ui.shell.customer_controller import CustomerController

NO_DEFAULT = "No default card: Stripe has no card to charge this customer's invoices."
ALL_EXPIRED = (
    "No default card, and every saved card has expired: add a card to make it the default."
)


def _named(card: CardRow) -> str:
    """The card's name and expiry: two cards of one brand may end alike."""
    return f"{card.display_name} ({expiry_text(card.exp_month, card.exp_year)})"


class DefaultHint(QWidget):
    def __init__(
        self, pane: CardsView, view: CustomerController, situation: Callable[[], Situation]
    ) -> None:
        super().__init__(pane)
        self.setObjectName("DefaultHint")
        self._pane = pane
        self._view = view
        self._situation = situation
        self.label = QLabel(self)
        self.label.setObjectName("HintLabel")
        self.label.setWordWrap(True)
        self.button = QToolButton(self)
        self.button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        self.button.clicked.connect(self._pick_first)
        self.candidates: list[CardRow] = []
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.button)
        holder = pane.action_hint.parentWidget()
        content = holder.layout() if holder is not None else None
        if isinstance(content, QBoxLayout):  # under the actions' hint
            content.insertWidget(content.indexOf(pane.action_hint) + 1, self)
        view.changed.connect(self.refresh)
        self.hide()

    @Slot()
    def refresh(self) -> None:
        now = self._situation()
        cards = [c for c in self._view.all_cards if c.is_active]
        if now.customer is None or not cards or any(c.is_default for c in cards):
            self.hide()
            return
        # The cards that may be the default, the one that lasts longest first.
        self.candidates = sorted(
            (
                c
                for c in cards
                if not why_not(Action.SET_DEFAULT, replace(now, card=c, stripe_off="", busy=False))
            ),
            key=lambda c: (c.exp_year, c.exp_month),
            reverse=True,
        )
        self.label.setText(NO_DEFAULT if self.candidates else ALL_EXPIRED)
        self.button.setVisible(bool(self.candidates))
        if self.candidates:
            first = self.candidates[0]
            self.button.setText(f"Make {_named(first)} the default")
            refusal = why_not(Action.SET_DEFAULT, replace(now, card=first))
            self.button.setEnabled(not refusal)
            self.button.setToolTip(refusal or "Asks first, then makes it the default card")
            menu = None
            if len(self.candidates) > 1:
                menu = QMenu(self.button)
                for card in self.candidates:
                    pick = QAction(f"Make {_named(card)} the default", menu)
                    pick.triggered.connect(lambda _=False, c=card: self.pick(c))
                    menu.addAction(pick)
            old = self.button.menu()
            self.button.setMenu(menu)  # type: ignore[arg-type]
            if old is not None:
                old.deleteLater()
        self.show()

    def set_default_action(self) -> QAction:
        return self._pane.set_default_action

    @Slot()
    def _pick_first(self) -> None:
        if self.candidates:
            self.pick(self.candidates[0])

    def pick(self, card: CardRow) -> None:
        """Select `card` and ask Set as default, as the operator would (policy, question)."""
        self._view.select_card(card.id)
        self.set_default_action().trigger()

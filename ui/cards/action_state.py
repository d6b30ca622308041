"""What the card and portal buttons show: on or off, and the sentence why.

`app.operations.policy.why_not` decides; this module only words the tooltip of an action that is on.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QAction

from app.operations.policy import Action, Situation, card_refusal, why_not
from ui.cards.cards_view import CardsView


def _card(now: Situation) -> str:
    return now.card.display_name if now.card else "this card"


#: The tooltip of each action while it is on.
TIPS: dict[Action, Callable[[Situation], str]] = {
    Action.SET_DEFAULT: lambda now: f"Make {_card(now)} the card Stripe charges by default (Enter)",
    Action.DETACH: lambda now: f"Remove {_card(now)} from the customer (Delete); asks first",
    Action.ADD_CARD: lambda now: (
        f"Add a card for {now.customer.label if now.customer else 'this customer'}: "
        "it is typed into Stripe's own form (Ctrl+Shift+A)"
    ),
    Action.PORTAL: lambda now: "Create a billing portal session now and open it in your browser",
    Action.COPY_LINK: lambda now: (
        "Create a billing portal session now and copy its link (it expires soon)"
    ),
}


def card_actions(pane: CardsView) -> dict[Action, QAction]:
    """The pane's QAction for each action."""
    return {
        Action.SET_DEFAULT: pane.set_default_action,
        Action.DETACH: pane.detach_action,
        Action.ADD_CARD: pane.add_card_action,
        Action.PORTAL: pane.portal_action,
        Action.COPY_LINK: pane.copy_link_action,
    }


def show_actions(pane: CardsView, now: Situation) -> None:
    """Enable each action as the policy allows; its tooltip says why not, or what it does."""
    for action, qaction in card_actions(pane).items():
        refusal = why_not(action, now)
        tip = refusal or TIPS[action](now)
        qaction.setEnabled(not refusal)
        qaction.setToolTip(tip)
        qaction.setStatusTip(tip)
    # A refusal about the card itself (it has expired) is shown, not only in a tooltip.
    about_card = card_refusal(Action.SET_DEFAULT, now.card, now.today) if now.card else ""
    pane.set_hint((now.stripe_off or about_card) if now.customer else "")
    for button in pane.buttons:
        tip = button.defaultAction().toolTip()
        button.setToolTip(tip)
        button.setAccessibleDescription(tip)

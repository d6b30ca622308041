"""What an operator may do now, and if not, why: one answer for the window's buttons, menus
and slot guards, and for the command line.

Nothing here touches Stripe, the cache or Qt; it decides from what the caller already knows.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from app.credentials import Mode
from app.records import Action, CardRow, CustomerRow

__all__ = [
    "Action",
    "Confirmation",
    "Situation",
    "confirmation",
    "why_not",
]


class Confirmation(Enum):
    """How an action is confirmed before it runs."""

    NONE = "none"
    #: A yes/no question.
    YES_NO = "yes-no"
    #: Live mode: the operator types the card's last four digits.
    LAST_FOUR = "last-four"


BUSY = "Another action is still running; wait for it to finish."
NO_CUSTOMER = "Select a customer first."
NO_CARD = "Select a card first."
DETACHED = "This card is detached."
ALREADY_DEFAULT = "This card is already the default."
FORM_OPEN = "The add-card form is open."


@dataclass(frozen=True)
class Situation:
    """What the operator is looking at and what the application is doing."""

    customer: CustomerRow | None = None
    card: CardRow | None = None
    #: Why Stripe cannot be used now (no key, unreachable), or "" when it can.
    stripe_off: str = ""
    #: Another card action is running.
    busy: bool = False
    #: The add-card form is open.
    adding_card: bool = False


def why_not(action: Action, now: Situation) -> str:
    """The one sentence that says why `action` cannot be done now, or "" when it can."""
    if action in (Action.SET_DEFAULT, Action.DETACH):
        if now.stripe_off or now.busy:
            return now.stripe_off or BUSY
        if now.card is None:
            return NO_CARD
        if not now.card.is_active:
            return DETACHED
        if action is Action.SET_DEFAULT and now.card.is_default:
            return ALREADY_DEFAULT
        return ""
    if now.stripe_off:
        return now.stripe_off
    if action is Action.ADD_CARD:
        if now.busy:
            return BUSY
        if now.customer is None:
            return NO_CUSTOMER
        return FORM_OPEN if now.adding_card else ""
    return "" if now.customer is not None else NO_CUSTOMER


def confirmation(action: Action, mode: Mode | None) -> Confirmation:
    """Detaching always asks; changing the default asks in live mode; live mode asks for the
    card's last four digits, so that a wrong card cannot be confirmed by reflex."""
    live = mode is Mode.LIVE
    if action is Action.DETACH:
        return Confirmation.LAST_FOUR if live else Confirmation.YES_NO
    if action is Action.SET_DEFAULT and live:
        return Confirmation.LAST_FOUR
    return Confirmation.NONE

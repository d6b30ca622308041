"""Actions on the selected card: make it the customer's default, detach it.

Each is one entry of `CARD_OPS`: which `Operations` call it makes, what the status bar says
while it runs and once it succeeded ("{card}" and "{customer}" are filled in). `act` runs
any of them: asks the policy, confirms as the policy says, then runs it in the background.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from app.operations import Operations
from app.operations.declared import DECLARED
from app.operations.policy import Action, Confirmation, confirmation, expiry_warning
from app.records import CardRow, CustomerRow
from ui.cards.default_dialog import DefaultDialog
from ui.cards.detach_dialog import DetachDialog
from ui.shell.operations import Op, answered_yes, card_for
from ui.shell.protocol import Shell, mode_of, say


@dataclass(frozen=True)
class CardOp:
    work: Callable[[Operations, CustomerRow, CardRow], object]
    doing: str
    said: str


#: The texts are the actions' declarations' (`app.operations.declared`).
CARD_OPS: dict[Action, CardOp] = {
    Action.SET_DEFAULT: CardOp(
        lambda ops, customer, card: ops.set_default(customer.id, card.id),
        doing=DECLARED[Action.SET_DEFAULT].doing,
        said=DECLARED[Action.SET_DEFAULT].said,
    ),
    Action.DETACH: CardOp(
        lambda ops, customer, card: ops.detach(card.id),
        doing=DECLARED[Action.DETACH].doing,
        said=DECLARED[Action.DETACH].said,
    ),
}


def act(shell: Shell, action: Action) -> None:
    """Do `action` to the selected card, if the policy allows it and the operator agrees."""
    if QApplication.activeModalWidget() is not None:
        return  # a question is open: its own keys answer it, not a stray shortcut
    target = card_for(shell, action)
    if target is None or not _confirmed(shell, action, *target):
        return
    customer, card = target
    spec = CARD_OPS[action]
    names = {"card": card.display_name, "customer": customer.label}
    Op(
        action,
        lambda ops: spec.work(ops, customer, card),
        spec.doing.format(**names),
        lambda _: _done(shell, spec.said.format(**names)),
    ).run_in_background(shell)


def _done(shell: Shell, sentence: str) -> None:
    say(shell, sentence)
    # The action's button was disabled while it ran, which moved the focus on to the next
    # one ("Open billing portal": Space there would make a portal session): back to the list.
    shell.view.cards.cards_table.setFocus(Qt.FocusReason.OtherFocusReason)


def _confirmed(shell: Shell, action: Action, customer: CustomerRow, card: CardRow) -> bool:
    """Ask as the policy says: detaching always; a new default always from the window (which
    card replaces which, and when a card that expires soon expires)."""
    today = shell.situation().today
    how = confirmation(action, mode_of(shell), card, today=today, one_gesture=True)
    if how is Confirmation.NONE:
        return True
    parent = shell.window()
    live = how is Confirmation.LAST_FOUR
    if action is Action.DETACH:
        return answered_yes(DetachDialog(card, customer.label, live=live, parent=parent))
    replaced = next((c for c in shell.view.all_cards if c.is_default and c.is_active), None)
    warning = expiry_warning(action, card, today)
    return answered_yes(
        DefaultDialog(card, customer.label, replaced, warning=warning, live=live, parent=parent)
    )

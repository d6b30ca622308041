"""Set a card as the customer's default; detach a card."""

from __future__ import annotations

from app.policy import Action, Confirmation, confirmation
from app.records import CardRow, CustomerRow
from ui.detach_dialog import DefaultDialog, DetachDialog
from ui.operations import Op, answered_yes, card_for
from ui.shell import Shell, mode_of, say


def set_default(shell: Shell) -> None:
    target = card_for(shell, Action.SET_DEFAULT)
    if target is None or not _confirmed(shell, Action.SET_DEFAULT, *target):
        return
    customer, card = target
    label = card.display_name
    Op(
        Action.SET_DEFAULT,
        lambda ops: ops.set_default(customer.id, card.id),
        f"making {label} the default card",
        lambda _: say(shell, f"{label} is now the default card of {customer.label}."),
    ).run_in_background(shell)


def detach(shell: Shell) -> None:
    target = card_for(shell, Action.DETACH)
    if target is None or not _confirmed(shell, Action.DETACH, *target):
        return
    customer, card = target
    label = card.display_name
    Op(
        Action.DETACH,
        lambda ops: ops.detach(card.id),
        f"detaching {label}",
        lambda _: say(shell, f"{label} was detached from {customer.label}."),
    ).run_in_background(shell)


def _confirmed(shell: Shell, action: Action, customer: CustomerRow, card: CardRow) -> bool:
    """Ask as the policy says: detaching always; a new default in live mode only."""
    how = confirmation(action, mode_of(shell))
    if how is Confirmation.NONE:
        return True
    parent = shell.window()
    if action is Action.DETACH:
        live = how is Confirmation.LAST_FOUR
        return answered_yes(DetachDialog(card, customer.label, live=live, parent=parent))
    return answered_yes(DefaultDialog(card, customer.label, parent=parent))

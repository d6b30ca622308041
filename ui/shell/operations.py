"""The operator's actions, one small module per area, in the manner of Anki's
aqt/operations/: each action says which `Operations` call it makes, what it says when that
succeeds, and what the view then shows.

`Op.run_in_background` is the one place that runs an action through the task runner: the
status bar says what is being done, the views are refreshed from the cache afterwards, a
failure is reported in one sentence, and `action_finished` tells tests and scripts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

from PySide6.QtWidgets import QDialog

from app.operations import Operations
from app.operations.policy import Action, why_not
from app.records import CardRow, CustomerRow
from ui.shell.protocol import Shell

T = TypeVar("T")


class Step(StrEnum):
    """Steps of the add-card flow that are reported like actions."""

    ADD_CARD_START = "add-card-start"
    ADD_CARD_CANCEL = "add-card-cancel"


#: What `action_finished` names: an action, or a step of one.
Reported = Action | Step


@dataclass(frozen=True)
class Op(Generic[T]):
    """One action run in the background against Stripe.

    Attributes:
        name: what `action_finished` reports.
        work: the `Operations` call; runs on a worker thread, never touches a widget.
        doing: e.g. "detaching Visa •••• 4242": the status bar while it runs, and the
            sentence a failure is reported with.
        success: on the main thread, with what `work` returned, once the views are fresh.
        failure: replaces the banner report (the add-card dialog shows its own).
        announce: say `doing` in the status bar while it runs.
    """

    name: Reported
    work: Callable[[Operations], T]
    doing: str
    success: Callable[[T], None]
    failure: Callable[[BaseException], None] | None = None
    announce: bool = True

    def run_in_background(self, shell: Shell) -> bool:
        """Start; False when another action still runs."""
        ctx = shell.ctx

        def ended() -> None:
            shell.statusBar().clearMessage()
            if not shell.closing:
                shell.view.reload_all()

        def succeeded(value: T) -> None:
            ended()
            shell.sync.go_online()
            self.success(value)
            shell.action_finished.emit(self.name, True)

        def failed(exc: BaseException) -> None:
            ended()
            if self.failure is None:
                shell.sync.report(exc, self.doing)
            else:
                self.failure(exc)
            shell.action_finished.emit(self.name, False)

        task = shell.runner.run(
            lambda: self.work(ctx.operations()),
            db=ctx.cache().db,
            key="action",
            on_success=succeeded,
            on_failure=failed,
        )
        if task is None:
            return False
        shell.banner.moved_on()
        if self.announce:
            shell.statusBar().showMessage(f"{self.doing[0].upper()}{self.doing[1:]}…")
        shell.update_actions()
        return True


def customer_for(shell: Shell, action: Action) -> CustomerRow | None:
    """The customer to act on, or None when the policy says no (the slot's guard)."""
    now = shell.situation()
    return None if why_not(action, now) else now.customer


def card_for(shell: Shell, action: Action) -> tuple[CustomerRow, CardRow] | None:
    """The customer and card to act on, or None when the policy says no (the slot's guard)."""
    now = shell.situation()
    if why_not(action, now) or now.customer is None or now.card is None:
        return None
    return now.customer, now.card


def answered_yes(dialog: QDialog) -> bool:
    """Ask (modally; tests find the dialog as the active modal widget), then drop it."""
    accepted = dialog.exec() == QDialog.DialogCode.Accepted
    dialog.deleteLater()
    return accepted

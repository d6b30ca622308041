"""Add a card: a SetupIntent is created in the background, the operator types the card into
Stripe's own form in the add-card dialog, then Stripe confirms it before it is saved.

A dialog closed before a card was saved cancels its SetupIntent.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Slot

from app.operations import Abandoned, AddedCard, CardSetup
from app.operations.policy import Action
from app.records import CustomerRow
from ui.add_card.webengine import add_card_dialog_class
from ui.common.errors import operator_sentence
from ui.shell.operations import Op, Step, customer_for
from ui.shell.protocol import Shell, say

if TYPE_CHECKING:
    from ui.add_card.add_card_dialog import AddCardDialog

log = logging.getLogger(__name__)


class AddCardFlow(QObject):
    def __init__(self, shell: Shell, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.shell = shell
        #: The add-card dialog while it is open (only one at a time).
        self.dialog: AddCardDialog | None = None

    @Slot()
    def start(self) -> None:
        """Create a SetupIntent in the background, then open the add-card dialog on it."""
        customer = customer_for(self.shell, Action.ADD_CARD)
        if customer is None:
            return
        Op(
            Step.ADD_CARD_START,
            lambda ops: ops.start_adding_card(customer.id),
            "starting to add a card",
            lambda setup: self._open(setup, customer),
        ).run_in_background(self.shell)

    def close(self) -> None:
        """The window closes: closing the dialog cancels its SetupIntent."""
        if self.dialog is not None:
            self.dialog.reject()

    def _open(self, setup: CardSetup, customer: CustomerRow) -> None:
        if self.shell.closing:
            return
        try:
            dialog_class = add_card_dialog_class()
            dialog = dialog_class(
                setup, customer.label, open_url=self.shell.open_url, parent=self.shell.window()
            )
        except Exception as exc:
            self.shell.banner.show_message(
                operator_sentence(exc, "opening the add-card form"), transient=True
            )
            self._abandon(setup)
            return
        self.dialog = dialog
        dialog.confirmed.connect(lambda seti: self._finish(dialog, setup, customer, seti))
        dialog.finished.connect(lambda _result: self._closed(dialog, setup))
        dialog.open()

    def _finish(
        self, dialog: AddCardDialog, setup: CardSetup, customer: CustomerRow, seti: str
    ) -> None:
        """The page says Stripe saved the card: have Stripe confirm it, then record it."""
        make_default = dialog.make_default.isChecked()
        doing = "saving the new card"

        def saved(added: AddedCard) -> None:
            dialog.card_saved()
            self.shell.view.select_card(added.card.id)
            if added.note:
                self.shell.banner.show_message(added.note, "warning", transient=True)
            ending = " as the default card." if added.made_default else "."
            say(self.shell, f"{added.card.display_name} was added to {customer.label}{ending}")

        started = Op(
            Action.ADD_CARD,
            lambda ops: ops.finish_adding_card(setup.customer, seti, make_default=make_default),
            doing,
            saved,
            failure=lambda exc: dialog.check_failed(operator_sentence(exc, doing)),
            announce=False,
        ).run_in_background(self.shell)
        if not started:  # another action still runs: let the operator retry
            dialog.check_failed("Another action is still running; press Save card again.")

    def _closed(self, dialog: AddCardDialog, setup: CardSetup) -> None:
        if self.dialog is dialog:
            self.dialog = None
        self.shell.update_actions()
        if not self.shell.closing:  # back where the operator was, not on the next button
            self.shell.view.cards.cards_table.setFocus(Qt.FocusReason.OtherFocusReason)
        if not dialog.saved:
            self._abandon(setup)

    def _abandon(self, setup: CardSetup) -> None:
        """The dialog closed before a card was saved: cancel the SetupIntent (in the
        background; a failure is only logged, the SetupIntent then simply expires unused)."""
        shell = self.shell
        ctx = shell.ctx

        def done(outcome: Abandoned) -> None:
            log.info("add card for %s closed early: %s", setup.customer, outcome)
            if outcome is Abandoned.RECORDED and not shell.closing:
                shell.view.reload_all()
            shell.action_finished.emit(Step.ADD_CARD_CANCEL, True)

        def failed(exc: BaseException) -> None:
            log.warning("could not cancel %s: %s", setup.setup_intent, exc)
            shell.action_finished.emit(Step.ADD_CARD_CANCEL, False)

        shell.runner.run(
            lambda: ctx.operations().abandon_adding_card(setup.customer, setup.setup_intent),
            db=ctx.cache().db,
            on_success=done,
            on_failure=failed,
        )

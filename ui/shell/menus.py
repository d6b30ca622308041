"""The window's menus, each action connected to the window's command for it:

- File: sync, a full sync, cancel; Export (`ui.shell.exports`); Profile
  (`ui.shell.profile_menu`); enter a Stripe key; quit;
- View: find customers, the two filters, the customer's tabs, "Needs attention", the
  Overview, the account's activity;
- Card: the cards pane's actions and "Retry with this card…" (`ui.shell.invoice_actions`);
- Help (`ui.shell.help_menu`);
- the right-click menus on the customers' and the cards' rows: the very actions of the
  buttons and the menus.

The shortcuts are the window's too, so that they work while the menu bar is hidden (or
native).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence

from app.context import Context
from app.settings import Profile
from ui.common.row_menus import RowMenu
from ui.shell.exports import ListExports
from ui.shell.help_menu import HelpMenu
from ui.shell.invoice_actions import RetryWithCard
from ui.shell.profile_menu import ProfileMenu

if TYPE_CHECKING:
    from ui.shell.main_window import MainWindow


class Menus(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self._window = window
        self._file_menu(window)
        self._view_menu(window)
        self._card_menu(window)
        window.addActions([window.sync.sync_action, window.sync.full_sync_action, self.key_action])
        self.help = HelpMenu(window, lambda: window.ctx, window.runner)
        self._row_menus(window)

    def _action(
        self,
        text: str,
        on: Callable[[], object] | None = None,
        shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None,
        *,
        checkable: bool = False,
    ) -> QAction:
        action = QAction(text, self._window)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.setCheckable(checkable)
        if on is not None:
            action.triggered.connect(on)
        return action

    def _file_menu(self, window: MainWindow) -> None:
        sync = window.sync
        self.key_action: QAction = self._action("Enter a Stripe &key…", window.show_welcome)
        quit_action = self._action("&Quit", window.close, QKeySequence.StandardKey.Quit)
        menu = window.menuBar().addMenu("&File")
        menu.addActions([sync.sync_action, sync.full_sync_action, sync.cancel_action])
        menu.addSeparator()
        self.exports = ListExports(window)
        menu.addMenu(self.exports.menu)
        menu.addSeparator()
        self.profile_menu = ProfileMenu(
            window,
            lambda: window.ctx.profile.name,
            lambda name: window.switch_context(Context(Profile(name)), None),
        )
        menu.addMenu(self.profile_menu.menu)
        menu.addAction(self.key_action)
        menu.addSeparator()
        menu.addAction(quit_action)

    def _view_menu(self, window: MainWindow) -> None:
        action = self._action
        view, customers, cards = window.view, window.customers, window.cards
        self.find_action = action(
            "&Find customers", window.find_customers, QKeySequence.StandardKey.Find
        )
        # The filters' checkboxes and these actions show the same state.
        self.expiring_action = action(customers.expiring.text(), checkable=True)
        self.expiring_action.toggled.connect(customers.expiring.setChecked)
        customers.expiring.toggled.connect(self.expiring_action.setChecked)
        self.detached_action = action("Show &detached cards", checkable=True)
        self.detached_action.toggled.connect(cards.show_detached.setChecked)
        cards.show_detached.toggled.connect(self.detached_action.setChecked)
        self.cards_tab_action = action("Ca&rds of this customer", view.show_cards_tab, "Ctrl+1")
        self.activity_action = action(
            "&Activity of this customer", view.show_activity_tab, "Ctrl+2"
        )
        self.billing_tab_action = action(
            "&Billing of this customer", window.show_billing_tab, "Ctrl+3"
        )
        self.attention_action = action(
            "Customers who need a&ttention", window.show_attention, "Ctrl+Shift+N"
        )
        self.overview_action = action(
            "&Overview of the account", window.show_overview, "Ctrl+Shift+G"
        )
        self.account_activity_action = action(
            "Activity of the a&ccount…", window.show_account_activity, "Ctrl+Shift+Y"
        )
        window.menuBar().addMenu("&View").addActions(
            [
                self.find_action,
                self.expiring_action,
                self.detached_action,
                self.cards_tab_action,
                self.activity_action,
                self.billing_tab_action,
                self.attention_action,
                self.overview_action,
                self.account_activity_action,
            ]
        )
        window.addActions(
            [
                self.find_action,
                self.cards_tab_action,
                self.activity_action,
                self.billing_tab_action,
                self.overview_action,
                self.account_activity_action,
            ]
        )

    def _card_menu(self, window: MainWindow) -> None:
        pane = window.cards
        menu = window.menuBar().addMenu("&Card")
        menu.addAction(pane.add_card_action)
        menu.addSeparator()
        menu.addActions([pane.set_default_action, pane.detach_action])
        menu.addSeparator()
        menu.addActions([pane.portal_action, pane.copy_link_action])
        menu.addSeparator()
        # Made from the retry's declaration (app.operations.declared), judged by its policy.
        self.retry_with_card_action = RetryWithCard(window, window)
        menu.addAction(self.retry_with_card_action)

    def _row_menus(self, window: MainWindow) -> None:
        pane = window.cards
        self.customer_menu = RowMenu(
            window.customers.table,
            [
                pane.add_card_action,
                None,
                pane.portal_action,
                pane.copy_link_action,
                None,
                self.activity_action,
            ],
        )
        self.card_menu = RowMenu(
            pane.cards_table,
            [
                pane.set_default_action,
                pane.detach_action,
                None,
                self.retry_with_card_action,
                None,
                pane.add_card_action,
            ],
        )

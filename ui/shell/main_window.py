"""The main window: customers on the left, the selected customer's cards on the right.

The window composes the parts; each part has a room of its own:

- `ui.shell.panes`: the panes, built and laid out (the lists, the customer's tabs, the header);
- `ui.shell.menus`: the menus and their actions, the right-click menus on the rows;

- `ui.shell.customer_controller`: the cache read into the views, the selection, polling for changes;
- `ui.shell.operations`: the operator's actions (`cards`, `portal`, `add_card`), run in the
  background through one helper;
- `ui.cards.action_state`: what the action buttons show, as `app.operations.policy` decides;
- `ui.shell.sync_controller`: sync, its progress and cancelling, online/offline;
- `ui.shell.first_run`: the welcome panel (a key, the demo, offline review);
- `ui.shell.layout_memory`: the layout, remembered per profile;
- `ui.billing.billing_controller` and `ui.attention.attention_view`: the Billing tab and
  "Needs attention".
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, QUrl, Signal, Slot
from PySide6.QtGui import QCloseEvent, QDesktopServices
from PySide6.QtWidgets import QMainWindow, QWidget

from app.cache import queries
from app.context import Context
from app.demo.emulator import Emulator
from app.errors import KeyProblemError, KnownError
from app.operations.policy import Action, Situation
from app.settings.credentials import SecretKey
from ui.activity.account_activity import AccountActivity
from ui.activity.activity_model import ActivityModel
from ui.add_card.operations import AddCardFlow
from ui.attention.attention_model import AttentionModel
from ui.attention.attention_view import AttentionView
from ui.billing.billing_controller import BillingController
from ui.billing.portal_operations import PortalLinks
from ui.cards import operations as cards
from ui.cards.action_state import show_actions
from ui.cards.cards_model import CardsModel
from ui.cards.default_hint import DefaultHint
from ui.common.resources import app_icon
from ui.common.tasks import TaskRunner
from ui.customers.customers_model import CustomersModel
from ui.overview.overview_controller import OverviewController
from ui.shell.customer_controller import CustomerController, safe_read
from ui.shell.first_run import FirstRun, empty_cache_text
from ui.shell.layout_memory import LayoutMemory
from ui.shell.menus import Menus
from ui.shell.panes import Panes
from ui.shell.protocol import mode_of
from ui.shell.sync_controller import SyncController

if TYPE_CHECKING:
    from ui.add_card.add_card_dialog import AddCardDialog


#: A cache synced this recently is not synced again when the window opens.
FRESH = timedelta(minutes=1)


class MainWindow(QMainWindow):
    #: After every sync: the SyncResult, or the exception that stopped it.
    sync_finished = Signal(object)
    #: Sync progress as the engine reports it: phase, done, total (or None).
    sync_progress = Signal(str, int, object)
    #: After every card or portal action: its name (an `Action` or a `Step`, e.g.
    #: "set-default", "add-card-start") and whether it succeeded.
    action_finished = Signal(str, bool)
    #: The welcome panel's key was stored (True) or refused (False).
    key_stored = Signal(bool)
    #: The demo from the welcome panel is running (True) or failed to start (False).
    demo_started = Signal(bool)

    def __init__(
        self,
        ctx: Context,
        *,
        sync_on_start: bool = False,
        emulator: Emulator | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.key: SecretKey | None = None
        self.runner = TaskRunner(self)
        #: Opens a URL in the system browser; replaceable in tests.
        self.open_url: Callable[[QUrl], object] = QDesktopServices.openUrl
        self.closing = False
        self._emulator = emulator
        self._last_customer = ""

        self.setWindowIcon(app_icon())
        self.customers_model = CustomersModel(self)
        self.cards_model = CardsModel(self)
        self.activity_model = ActivityModel(self)
        self.attention_model = AttentionModel(self)
        panes = Panes(
            self, self.customers_model, self.cards_model, self.activity_model, self.attention_model
        )
        # The parts (`ui.shell.protocol`), the features' controllers and the tests name the
        # panes on the window.
        self.header = panes.header
        self.banner = panes.banner
        self.lists = panes.lists
        self.customers = panes.customers
        self.attention = panes.attention
        self.overview = panes.overview
        self.cards = panes.cards
        self.billing = panes.billing
        self.splitter = panes.splitter
        self.welcome = panes.welcome
        self.pages = panes.pages
        self.view = CustomerController(self.customers, self.cards, self.activity_model, self.runner)
        self.billing_view = BillingController(self, self.billing, self.cards.tabs, self.view)
        self.attention_view = AttentionView(self, self.attention, self.lists, self.view)
        self.overview_view = OverviewController(self, self.overview, self.lists, self.view)
        self.sync: SyncController = SyncController(self, self)
        self.first_run = FirstRun(self, self)
        self.add_card_flow = AddCardFlow(self, self)
        self.portal = PortalLinks(self, self)
        self.layout_memory = LayoutMemory(self, self.splitter, self.customers, self.cards)
        self.default_hint = DefaultHint(self.cards, self.view, self.situation)
        self.account_activity: AccountActivity | None = None
        self.menus = menus = Menus(self)
        # The tests, and the parts that came before the menus had a module, name these on the
        # window.
        self.key_action = menus.key_action
        self.find_action = menus.find_action
        self.exports = menus.exports
        self.profile_menu = menus.profile_menu
        self.help = menus.help
        self.retry_with_card_action = menus.retry_with_card_action
        self.customer_menu = menus.customer_menu
        self.card_menu = menus.card_menu
        self._connect()
        self.load_context()
        if sync_on_start and self.key is not None:
            if self._synced_before(FRESH):
                QTimer.singleShot(0, self.sync.sync_now)
            else:  # the demo synced a moment ago: Stripe answered, say so
                self.sync.go_online()

    # -- wiring ------------------------------------------------------------------------------

    def _connect(self) -> None:
        self.view.changed.connect(self.update_actions)
        self.customers.customer_selected.connect(self._customer_selected)
        self.view.last_sync.connect(self.header.set_last_sync)
        self.sync.progress.connect(self.sync_progress)
        self.sync.finished.connect(self.sync_finished)
        self.first_run.key_stored.connect(self.key_stored)
        self.first_run.demo_started.connect(self.demo_started)
        self.lists.currentChanged.connect(self._list_shown)
        self.overview.open_list.connect(self.open_from_overview)
        self.cards.set_default_action.triggered.connect(self.set_default)
        self.cards.detach_action.triggered.connect(self.detach)
        self.cards.add_card_action.triggered.connect(self.add_card_flow.start)
        self.cards.portal_action.triggered.connect(self.portal.open)
        self.cards.copy_link_action.triggered.connect(self.portal.copy_link)

    # -- profile, cache, key --------------------------------------------------------------------

    def load_context(self) -> None:
        """Open the cache, find the key and show what the cache holds."""
        self.banner.dismiss()
        try:
            opened = self.ctx.cache()
        except KnownError as exc:
            self.banner.show_message(str(exc))
            opened = None
        if opened is not None and opened.notice:
            self.banner.show_message(opened.notice, "warning")
        self.key = None
        try:
            self.key = self.ctx.find_key()
        except KeyProblemError as exc:
            self.banner.show_message(str(exc), action="Enter a key…", on_action=self.show_welcome)
        self.sync.key_loaded()
        settings_note = ""
        try:
            if self.ctx.settings.uses_emulator:
                settings_note = "local emulator"
        except KnownError as exc:
            self.banner.show_message(str(exc))
        self.header.set_profile(self.ctx.profile.name, settings_note)
        self.header.set_mode(mode_of(self))
        self.customers.empty_cache_text = empty_cache_text(self.key)
        self.layout_memory.restore(self.ctx.profile.name)
        self.view.reload_all(reset=True)
        if self.key is None and not self.first_run.reviewing_offline:
            self.show_welcome()
        else:
            self.pages.setCurrentWidget(self.splitter)
        self.update_actions()

    def switch_context(self, ctx: Context, emulator: Emulator | None) -> None:
        """Leave the current profile (its layout saved, its cache closed) for `ctx`."""
        self.layout_memory.save()
        old, old_emulator = self.ctx, self._emulator
        self.view.customer = None
        self.ctx, self._emulator = ctx, emulator
        old.close()
        if old_emulator is not None and old_emulator is not emulator:
            old_emulator.stop()
        self.first_run.reviewing_offline = False
        self.load_context()

    def _synced_before(self, fresh: timedelta) -> bool:
        """Synced once, and not in the last `fresh` (the demo syncs just before the window
        opens: a second sync at once would only read the same events again)."""
        state = safe_read(queries.sync_state)
        last = state.last_sync if state else None
        return last is not None and datetime.now(UTC) - last > fresh

    # -- what an action may do now ---------------------------------------------------------------

    def situation(self) -> Situation:
        return Situation(
            customer=self.view.customer,
            card=self.view.selected_card(),
            stripe_off=self.sync.offline_reason,
            busy=self.runner.busy("action"),
            adding_card=self.add_card_flow.dialog is not None,
        )

    def _show_title(self) -> None:
        """The customer, then the profile and mode; Qt adds the application's name once."""
        mode = f" ({self.key.mode.value.upper()})" if self.key else ""
        customer = self.view.customer
        where = f"{self.ctx.profile.name}{mode}"
        self.setWindowTitle(f"{customer.label} — {where}" if customer else where)

    @Slot(str)
    def _customer_selected(self, customer_id: str) -> None:
        if self.customers.isHidden():
            return  # the list is not shown: nor is the customer (`CustomerController`)
        if customer_id and customer_id != self._last_customer:
            self.banner.moved_on()  # another customer: a failure about the last one is moot
        self._last_customer = customer_id or self._last_customer

    @Slot()
    def update_actions(self) -> None:
        self._show_title()
        show_actions(self.cards, self.situation())
        self.retry_with_card_action.show_state()
        self.billing.refresh_actions()
        self.attention.show_retry_state()
        self.sync.show_state()

    # -- the operator's commands (the menus' entry points, and the tests') ------------------------

    def start_sync(self, full: bool = False) -> bool:
        """Start a sync in the background; False if one runs already or there is no key."""
        return self.sync.start(full)

    @Slot()
    def set_default(self) -> None:
        cards.act(self, Action.SET_DEFAULT)

    @Slot()
    def detach(self) -> None:
        cards.act(self, Action.DETACH)

    @property
    def add_card_dialog(self) -> AddCardDialog | None:
        """The add-card dialog while it is open."""
        return self.add_card_flow.dialog

    @Slot()
    def show_account_activity(self) -> AccountActivity:
        """The account-wide activity, read afresh; one window, raised when open."""
        if self.account_activity is None:
            self.account_activity = AccountActivity(self)
            self.action_finished.connect(lambda *_: self._refresh_account_activity())
        self.account_activity.reload()
        self.account_activity.show()
        self.account_activity.raise_()
        return self.account_activity

    def _refresh_account_activity(self) -> None:
        if self.account_activity is not None and self.account_activity.isVisible():
            self.account_activity.reload()

    @Slot()
    def show_welcome(self) -> None:
        self.first_run.show_welcome()

    @Slot()
    def show_billing_tab(self) -> None:
        self.cards.tabs.setCurrentWidget(self.billing)
        self.billing.invoices_table.setFocus(Qt.FocusReason.ShortcutFocusReason)

    @Slot()
    def find_customers(self) -> None:
        """Ctrl+F: the Customers tab, its search focused (never the hidden list's search
        while "Needs attention" shows)."""
        self.lists.setCurrentWidget(self.customers)
        self.customers.focus_search()

    @Slot(int)
    def _list_shown(self, index: int) -> None:
        if self.lists.widget(index) is self.customers:
            self.view.customers_shown()

    @Slot()
    def show_attention(self) -> None:
        self.lists.setCurrentWidget(self.attention)
        self.attention.table.setFocus(Qt.FocusReason.ShortcutFocusReason)

    @Slot()
    def show_overview(self) -> None:
        self.lists.setCurrentWidget(self.overview)
        self.overview.risk.chart.setFocus(Qt.FocusReason.ShortcutFocusReason)

    @Slot(str, str)
    def open_from_overview(self, kind: str, key: str) -> None:
        """A bar or point of the Overview: its cards in the customers list's "Cards expiring"
        filter, anything else in "Needs attention" (which has no filter of its own yet)."""
        if kind == "expiring":
            self.lists.setCurrentWidget(self.customers)
            self.customers.expiring.setChecked(True)
            self.customers.table.setFocus(Qt.FocusReason.OtherFocusReason)
        else:
            self.show_attention()

    # -- closing -------------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        self.closing = True
        self.view.stop_polling()
        self.sync.interrupt()
        self.add_card_flow.close()  # cancels its SetupIntent, before the cache closes
        self.runner.wait()
        self.layout_memory.save()
        self.ctx.close()
        if self._emulator is not None:
            self._emulator.stop()
            self._emulator = None
        super().closeEvent(event)

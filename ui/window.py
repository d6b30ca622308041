"""The main window: customers on the left, the selected customer's cards on the right.

Everything shown comes from the cache; every Stripe call (sync, set default, detach,
portal link, storing a key, starting the demo) runs through `TaskRunner`, and the views are
refreshed from the cache when it reports back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QItemSelection, Qt, QTimer, QUrl, Signal, Slot
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDesktopServices,
    QGuiApplication,
    QKeySequence,
)
from PySide6.QtWidgets import QMainWindow, QSplitter, QStackedWidget, QVBoxLayout, QWidget

from app import credentials
from app.cache import queries
from app.context import Context
from app.credentials import Mode, SecretKey
from app.demo import demo_context, start_demo
from app.emulator import Emulator
from app.errors import (
    KeyProblemError,
    KnownError,
    NotFoundError,
    StripeRefusedError,
    StripeUnreachableError,
)
from app.operations import AddedCard, CardSetup, Operations, PortalLink
from app.records import CardRow, CustomerRow
from app.sync import SyncProgress, SyncResult
from ui.activity_model import ActivityModel
from ui.banner import Banner
from ui.cards_model import CardsModel
from ui.cards_pane import CardsPane
from ui.customers_model import CustomersModel
from ui.customers_pane import CustomersPane
from ui.detach_dialog import DefaultDialog, DetachDialog
from ui.errors import operator_sentence
from ui.header import HeaderBar
from ui.resources import app_icon
from ui.tasks import TaskRunner
from ui.webengine import add_card_dialog_class
from ui.welcome import WelcomePanel
from ui.window_state import WindowState

if TYPE_CHECKING:
    from ui.add_card_dialog import AddCardDialog

log = logging.getLogger(__name__)
#: How often the window checks whether someone else (a cron sync, the CLI) changed the cache.
POLL_MS = 4000
ACTIVITY_LIMIT = 500


class MainWindow(QMainWindow):
    #: After every sync: the SyncResult, or the exception that stopped it.
    sync_finished = Signal(object)
    #: Sync progress as the engine reports it: phase, done, total (or None).
    sync_progress = Signal(str, int, object)
    #: After every card or portal action: its name ("set-default", "detach", "portal",
    #: "copy-link") and whether it succeeded.
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
        #: Why Stripe actions are off (no key, unreachable), or "" when they are on.
        self.offline_reason = ""
        self.runner = TaskRunner(self)
        #: Opens a URL in the system browser; replaceable in tests.
        self.open_url: Callable[[QUrl], object] = QDesktopServices.openUrl
        self._emulator = emulator
        self._customer: CustomerRow | None = None
        self._all_cards: list[CardRow] = []
        self._version: int | None = None
        self._sync: SyncProgress | None = None
        self._action_running = False
        self._reviewing_offline = False
        self._closing = False
        self._state: WindowState | None = None
        #: The detach confirmation while it is open (tests answer it).
        self.detach_dialog: DetachDialog | None = None
        self.confirm_dialog: DefaultDialog | None = None
        #: The add-card dialog while it is open (tests drive its page).
        self.add_card_dialog: AddCardDialog | None = None

        self.setWindowIcon(app_icon())
        self.customers_model = CustomersModel(self)
        self.cards_model = CardsModel(self)
        self.activity_model = ActivityModel(self)
        self._build()
        self._build_menus()
        self._connect()
        self._load_context()
        self._poll = QTimer(self)
        self._poll.setInterval(POLL_MS)
        self._poll.timeout.connect(self._poll_cache)
        self._poll.start()
        if sync_on_start and self.key is not None and self._synced_before():
            QTimer.singleShot(0, self.sync_now)

    # -- building ---------------------------------------------------------------------------

    def _build(self) -> None:
        self.header = HeaderBar(self)
        self.banner = Banner(self)
        self.customers = CustomersPane(self.customers_model, self)
        self.cards = CardsPane(self.cards_model, self.activity_model, self)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setObjectName("MainSplitter")
        self.splitter.addWidget(self.customers)
        self.splitter.addWidget(self.cards)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setChildrenCollapsible(False)
        self.welcome = WelcomePanel(self)
        self.pages = QStackedWidget(self)
        self.pages.addWidget(self.splitter)
        self.pages.addWidget(self.welcome)
        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.header)
        banner_row = QVBoxLayout()
        banner_row.setContentsMargins(8, 6, 8, 0)
        banner_row.addWidget(self.banner)
        layout.addLayout(banner_row)
        layout.addWidget(self.pages, 1)
        self.setCentralWidget(central)
        self.resize(1280, 760)

        pane = self.cards
        tab_chain: list[QWidget] = [
            self.customers.search,
            self.customers.expiring,
            self.customers.table,
            pane.tabs,
            pane.cards_table,
            pane.show_detached,
            *pane.buttons,
            pane.activity_table,
            self.header.sync_button,
            self.header.cancel_button,
        ]
        for first, second in pairwise(tab_chain):
            self.setTabOrder(first, second)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        self.sync_action = QAction("&Sync with Stripe", self)
        self.sync_action.setShortcut(QKeySequence(Qt.Key.Key_F5))
        self.full_sync_action = QAction("&Full sync (re-read everything)", self)
        self.full_sync_action.setShortcut(QKeySequence("Shift+F5"))
        self.cancel_sync_action = QAction("&Cancel sync", self)
        self.key_action = QAction("Enter a Stripe &key…", self)
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Quit))
        quit_action.triggered.connect(self.close)
        file_menu = bar.addMenu("&File")
        for action in (self.sync_action, self.full_sync_action, self.cancel_sync_action):
            file_menu.addAction(action)
        file_menu.addSeparator()
        file_menu.addAction(self.key_action)
        file_menu.addSeparator()
        file_menu.addAction(quit_action)

        self.find_action = QAction("&Find customers", self)
        self.find_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Find))
        self.expiring_action = QAction(self.customers.expiring.text(), self)
        self.expiring_action.setCheckable(True)
        self.detached_action = QAction("Show &detached cards", self)
        self.detached_action.setCheckable(True)
        self.activity_action = QAction("&Activity of this customer", self)
        self.activity_action.setShortcut(QKeySequence("Ctrl+2"))
        self.cards_tab_action = QAction("Ca&rds of this customer", self)
        self.cards_tab_action.setShortcut(QKeySequence("Ctrl+1"))
        view_menu = bar.addMenu("&View")
        for action in (
            self.find_action,
            self.expiring_action,
            self.detached_action,
            self.cards_tab_action,
            self.activity_action,
        ):
            view_menu.addAction(action)
        for action in (self.find_action, self.cards_tab_action, self.activity_action):
            self.addAction(action)

        card_menu = bar.addMenu("&Card")
        card_menu.addAction(self.cards.add_card_action)
        card_menu.addSeparator()
        card_menu.addAction(self.cards.set_default_action)
        card_menu.addAction(self.cards.detach_action)
        card_menu.addSeparator()
        card_menu.addAction(self.cards.portal_action)
        card_menu.addAction(self.cards.copy_link_action)
        for action in (self.sync_action, self.full_sync_action, self.key_action):
            self.addAction(action)

    def _connect(self) -> None:
        self.sync_action.triggered.connect(self.sync_now)
        self.full_sync_action.triggered.connect(self.start_full_sync)
        self.cancel_sync_action.triggered.connect(self.cancel_sync)
        self.key_action.triggered.connect(self.show_welcome)
        self.header.sync_button.clicked.connect(self.sync_now)
        self.header.cancel_button.clicked.connect(self.cancel_sync)
        self.sync_progress.connect(self._on_sync_progress)
        self.find_action.triggered.connect(self.customers.focus_search)
        self.expiring_action.toggled.connect(self.customers.expiring.setChecked)
        self.customers.expiring.toggled.connect(self.expiring_action.setChecked)
        self.detached_action.toggled.connect(self.cards.show_detached.setChecked)
        self.cards.show_detached.toggled.connect(self.detached_action.setChecked)
        self.cards.show_detached.toggled.connect(self._show_detached_toggled)
        self.cards_tab_action.triggered.connect(self._show_cards_tab)
        self.activity_action.triggered.connect(self._show_activity_tab)
        self.customers.customer_selected.connect(self._customer_selected)
        self.customers_model.modelReset.connect(self._customers_reset)
        self.cards.cards_table.selectionModel().selectionChanged.connect(
            self._card_selection_changed
        )
        self.cards.set_default_action.triggered.connect(self.set_default)
        self.cards.detach_action.triggered.connect(self.detach)
        self.cards.add_card_action.triggered.connect(self.add_card)
        self.cards.portal_action.triggered.connect(self.open_portal)
        self.cards.copy_link_action.triggered.connect(self.copy_portal_link)
        self.welcome.key_entered.connect(self._store_key)
        self.welcome.demo_requested.connect(self._start_demo)
        self.welcome.offline_requested.connect(self._review_offline)

    # -- context: profile, cache, key ---------------------------------------------------------

    def _load_context(self) -> None:
        """Open the cache, find the key and show what the cache holds."""
        self.banner.dismiss()
        self._state = WindowState(self.ctx.profile.name)
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
        self.offline_reason = "" if self.key else self._no_key_reason()
        settings_note = ""
        try:
            if self.ctx.settings.uses_emulator:
                settings_note = "local emulator"
        except KnownError as exc:
            self.banner.show_message(str(exc))
        self.header.set_profile(self.ctx.profile.name, settings_note)
        self.header.set_mode(self.key.mode if self.key else None)
        self.header.set_connection("nokey" if not self.key else "unknown", self.offline_reason)
        mode = f" — {self.key.mode.value.upper()}" if self.key else ""
        self.setWindowTitle(f"billing-admin — {self.ctx.profile.name}{mode}")
        self.customers.empty_cache_text = self._empty_cache_text()
        self._restore_state()
        self._reload_all(reset=True)
        if self.key is None and not self._reviewing_offline:
            self.show_welcome()
        else:
            self.pages.setCurrentWidget(self.splitter)
        self._update_actions()

    def _no_key_reason(self) -> str:
        return (
            f"No Stripe key is set for the profile “{self.ctx.profile.name}”, so actions that "
            "need Stripe are off; use File → Enter a Stripe key."
        )

    def _empty_cache_text(self) -> str:
        if self.key is None:
            return (
                "The cache is empty. Enter a Stripe key (File → Enter a Stripe key), then "
                "press Sync (F5) to fetch your customers."
            )
        return "The cache is empty. Press Sync (F5) to fetch your customers and their cards."

    def _synced_before(self) -> bool:
        state = self._safe(queries.sync_state)
        return bool(state and state.last_sync)

    def _safe(self, fn: Callable[[], Any]) -> Any:
        """Run a cache read on the main thread; log and return None if it fails."""
        try:
            return fn()
        except Exception:
            log.exception("reading the cache failed")
            return None

    # -- remembering the layout ----------------------------------------------------------------

    def _restore_state(self) -> None:
        state = self._state
        if state is None:
            return
        if (geometry := state.load("geometry")) is not None:
            self.restoreGeometry(geometry)
        if (splitter := state.load("splitter")) is not None:
            self.splitter.restoreState(splitter)
        else:
            self.splitter.setSizes([705, 575])  # card names and badges show in full
        for name, table in (
            ("customers_header", self.customers.table),
            ("cards_header", self.cards.cards_table),
            ("activity_header", self.cards.activity_table),
        ):
            if (saved := state.load(name)) is not None:
                table.horizontalHeader().restoreState(saved)
        self.cards.show_detached.setChecked(state.flag("show_detached"))

    def _save_state(self) -> None:
        state = self._state
        if state is None:
            return
        state.save("geometry", self.saveGeometry())
        state.save("splitter", self.splitter.saveState())
        state.save("customers_header", self.customers.table.horizontalHeader().saveState())
        state.save("cards_header", self.cards.cards_table.horizontalHeader().saveState())
        state.save("activity_header", self.cards.activity_table.horizontalHeader().saveState())
        state.set_flag("show_detached", self.cards.show_detached.isChecked())
        state.sync()

    # -- reading the cache into the views -------------------------------------------------------

    def _reload_all(self, *, reset: bool = False) -> None:
        """Re-read customers (keeping selection and scroll), cards, activity, sync time."""
        scroll = self.customers.table.verticalScrollBar()
        position = scroll.value()
        self.customers_model.reload(reset=reset)
        if reset:
            scroll.setValue(position)
        self.customers.update_state()
        state = self._safe(queries.sync_state)
        self._version = state.version if state else None
        self.header.set_last_sync(state.last_sync if state else None)
        self._reload_customer()

    @Slot()
    def _customers_reset(self) -> None:
        """Rows moved (search, sort, sync): select the same customer again if still shown."""
        previous = self._customer
        if previous is None:
            return
        if not self.customers.select_customer(previous.id):
            self._customer_selected("")

    @Slot(str)
    def _customer_selected(self, customer_id: str) -> None:
        rows = self.customers.table.selectionModel().selectedRows()
        row = self.customers_model.customer_at(rows[0].row()) if rows else None
        self._customer = row if row is not None and row.id == customer_id else None
        self._reload_customer(keep_card=False)

    def _reload_customer(self, *, keep_card: bool = True) -> None:
        customer = self._customer
        if customer is not None:
            rows = self.customers.table.selectionModel().selectedRows()
            fresh = self.customers_model.customer_at(rows[0].row()) if rows else None
            if fresh is not None and fresh.id == customer.id:
                self._customer = customer = fresh
        if customer is None:
            self._all_cards = []
            self.cards.show_nobody()
            self.cards_model.set_cards([])
            self.activity_model.set_entries([])
            self._update_actions()
            return
        selected = self._selected_card() if keep_card else None
        details = " · ".join(p for p in (customer.email, customer.id) if p)
        self.cards.show_customer(customer.name or "(no name)", details)
        self._all_cards = (
            self._safe(lambda: queries.cards_of(customer.id, include_inactive=True)) or []
        )
        self._show_cards()
        entries = self._safe(lambda: queries.audit_entries(customer.id, ACTIVITY_LIMIT)) or []
        self.activity_model.set_entries(entries)
        self.cards.set_activity_count(len(entries))
        table = self.cards.cards_table
        row = self.cards_model.row_of(selected.id) if selected else None
        if row is None and self.cards_model.rowCount():
            row = 0
        if row is not None:
            table.selectRow(row)
        self._update_actions()

    def _show_cards(self) -> None:
        show_detached = self.cards.show_detached.isChecked()
        shown = [c for c in self._all_cards if c.is_active or show_detached]
        hidden = any(not c.is_active for c in self._all_cards) and not show_detached
        self.cards.set_cards(shown, any_detached_hidden=hidden)

    @Slot(bool)
    def _show_detached_toggled(self, on: bool) -> None:
        selected = self._selected_card()
        self._show_cards()
        row = self.cards_model.row_of(selected.id) if selected else None
        if row is None and self.cards_model.rowCount():
            row = 0
        if row is not None:
            self.cards.cards_table.selectRow(row)
        self._update_actions()

    @Slot(QItemSelection, QItemSelection)
    def _card_selection_changed(self, selected: QItemSelection, deselected: QItemSelection) -> None:
        self._update_actions()

    def _selected_card(self) -> CardRow | None:
        rows = self.cards.cards_table.selectionModel().selectedRows()
        return self.cards_model.card_at(rows[0].row()) if rows else None

    @Slot()
    def _show_cards_tab(self) -> None:
        self.cards.tabs.setCurrentIndex(0)
        self.cards.cards_table.setFocus(Qt.FocusReason.ShortcutFocusReason)

    @Slot()
    def _show_activity_tab(self) -> None:
        self.cards.tabs.setCurrentIndex(1)
        self.cards.activity_table.setFocus(Qt.FocusReason.ShortcutFocusReason)

    @Slot()
    def _poll_cache(self) -> None:
        """Pick up changes made outside the window (cron sync, the command line)."""
        if self._closing or self.runner.active():
            return
        state = self._safe(queries.sync_state)
        if state is None:
            return
        self.header.set_last_sync(state.last_sync)
        if self._version is not None and state.version != self._version:
            self._reload_all()

    # -- enabling actions ----------------------------------------------------------------------

    def _update_actions(self) -> None:
        pane = self.cards
        card = self._selected_card()
        customer = self._customer
        syncing = self._sync is not None
        stripe_off = self.offline_reason
        busy = (
            "Another action is still running; wait for it to finish."
            if (self._action_running)
            else ""
        )

        def set_state(action: QAction, why_not: str, tip: str) -> None:
            action.setEnabled(not why_not)
            action.setToolTip(why_not or tip)
            action.setStatusTip(why_not or tip)

        if stripe_off or busy:
            reason = stripe_off or busy
            set_state(pane.set_default_action, reason, "")
            set_state(pane.detach_action, reason, "")
        else:
            if card is None:
                no_default = no_detach = "Select a card first."
            elif not card.is_active:
                no_default = no_detach = "This card is detached."
            else:
                no_default = "This card is already the default." if card.is_default else ""
                no_detach = ""
            set_state(
                pane.set_default_action,
                no_default,
                f"Make {card.display_name if card else 'this card'} the card Stripe charges "
                "by default (Enter)",
            )
            set_state(
                pane.detach_action,
                no_detach,
                f"Remove {card.display_name if card else 'this card'} from the customer "
                "(Delete); asks first",
            )
        no_customer = "" if customer else "Select a customer first."
        set_state(
            pane.add_card_action,
            stripe_off
            or busy
            or no_customer
            or ("The add-card form is open." if self.add_card_dialog is not None else ""),
            f"Add a card for {customer.name or customer.id if customer else 'this customer'}: "
            "it is typed into Stripe's own form (Ctrl+Shift+A)",
        )
        set_state(
            pane.portal_action,
            stripe_off or no_customer,
            "Create a billing portal session now and open it in your browser",
        )
        set_state(
            pane.copy_link_action,
            stripe_off or no_customer,
            "Create a billing portal session now and copy its link (it expires soon)",
        )
        pane.set_hint(stripe_off if customer else "")
        no_key = "" if self.key else self._no_key_reason()
        can_sync = not no_key and not syncing
        self.sync_action.setEnabled(can_sync)
        self.full_sync_action.setEnabled(can_sync)
        self.cancel_sync_action.setEnabled(syncing)
        self.header.sync_button.setEnabled(can_sync)
        self.header.sync_button.setToolTip(
            no_key or ("A sync is running" if syncing else "Fetch what changed on Stripe (F5)")
        )
        for button in pane.buttons:
            action = button.defaultAction()
            button.setToolTip(action.toolTip())
            button.setAccessibleDescription(action.toolTip())

    # -- connection state ----------------------------------------------------------------------

    def _go_online(self) -> None:
        if self.key is None:
            return
        self.offline_reason = ""
        self.header.set_connection("online")
        if self.banner.isVisible() and self.banner.property("offline"):
            self.banner.dismiss()
        self._update_actions()

    def _go_offline(self, why: str) -> None:
        self.offline_reason = (
            "Stripe cannot be reached, so this is unavailable; the cached data stays "
            "visible. Use Retry or Sync (F5) to try again."
        )
        self.header.set_connection("offline", why)
        self.banner.show_message(why, "error", action="&Retry", on_action=self.sync_now)
        self.banner.setProperty("offline", True)
        self._update_actions()

    def _report(self, exc: BaseException, doing: str) -> None:
        """Tell the operator what went wrong, in one sentence in the banner."""
        self.banner.setProperty("offline", False)
        if isinstance(exc, StripeUnreachableError):
            self._go_offline(str(exc))
            return
        if isinstance(exc, StripeRefusedError | NotFoundError):
            self._go_online()  # Stripe answered, even if it said no
        if isinstance(exc, KeyProblemError):
            self.banner.show_message(str(exc), action="Enter a key…", on_action=self.show_welcome)
            return
        self.banner.show_message(operator_sentence(exc, doing))

    # -- sync ----------------------------------------------------------------------------------

    @Slot()
    def sync_now(self) -> None:
        self.start_sync()

    def start_sync(self, full: bool = False) -> bool:
        """Start a sync in the background; False if one runs already or there is no key."""
        if self._sync is not None or self.key is None or self._closing:
            return False
        progress = SyncProgress(self.sync_progress.emit)
        ctx = self.ctx
        task = self.runner.run(
            lambda: ctx.sync_engine().run(progress, full=full),
            db=ctx.cache().db,
            key="sync",
            on_success=self._sync_done,
            on_failure=self._sync_failed,
        )
        if task is None:
            return False
        self._sync = progress
        self.header.set_syncing(True)
        self._update_actions()
        return True

    @Slot()
    def start_full_sync(self) -> None:
        self.start_sync(full=True)

    @Slot()
    def cancel_sync(self) -> None:
        if self._sync is not None:
            self._sync.request_interruption()
            self.header.cancel_button.setEnabled(False)
            self.header.phase_label.setText("Cancelling…")

    @Slot(str, int, object)
    def _on_sync_progress(self, phase: str, done: int, total: object) -> None:
        if self._sync is not None and not self._sync.is_interruption_requested():
            self.header.set_progress(phase, done, total if isinstance(total, int) else None)

    def _sync_ended(self) -> None:
        self._sync = None
        self.header.set_syncing(False)
        if not self._closing:
            self._reload_all(reset=True)
            self._update_actions()

    def _sync_done(self, result: SyncResult) -> None:
        self._go_online()
        self._sync_ended()
        if result.cancelled:
            self.statusBar().showMessage(
                "Sync cancelled: what was read so far is kept; nothing was removed.", 15000
            )
        else:
            self.statusBar().showMessage(f"Synced: {result.summary()}", 15000)
        self.sync_finished.emit(result)

    def _sync_failed(self, exc: BaseException) -> None:
        self._sync_ended()
        self._report(exc, "syncing with Stripe")
        self.sync_finished.emit(exc)

    # -- card and customer actions -------------------------------------------------------------

    def _run_action(
        self,
        name: str,
        work: Callable[[Operations], Any],
        doing: str,
        done: Callable[[Any], None],
    ) -> None:
        if self._action_running or self.offline_reason:
            return
        ctx = self.ctx

        def succeeded(value: Any) -> None:
            self._action_ended()
            self._go_online()
            done(value)
            self.action_finished.emit(name, True)

        def failed(exc: BaseException) -> None:
            self._action_ended()
            self._report(exc, doing)
            self.action_finished.emit(name, False)

        task = self.runner.run(
            lambda: work(ctx.operations()),
            db=ctx.cache().db,
            key="action",
            on_success=succeeded,
            on_failure=failed,
        )
        if task is not None:
            self._action_running = True
            self.statusBar().showMessage(f"{doing[0].upper()}{doing[1:]}…")
            self._update_actions()

    def _action_ended(self) -> None:
        self._action_running = False
        self.statusBar().clearMessage()
        if not self._closing:
            self._reload_all()

    @Slot()
    def set_default(self) -> None:
        card, customer = self._selected_card(), self._customer
        if card is None or customer is None or card.is_default or not card.is_active:
            return
        if self.key is not None and self.key.mode is Mode.LIVE:
            dialog = DefaultDialog(card, customer.name or customer.id, parent=self)
            self.confirm_dialog = dialog  # reachable from tests while it is open
            accepted = dialog.exec() == DefaultDialog.DialogCode.Accepted
            self.confirm_dialog = None
            dialog.deleteLater()
            if not accepted:
                return
        label = card.display_name
        self._run_action(
            "set-default",
            lambda ops: ops.set_default(customer.id, card.id),
            f"making {label} the default card",
            lambda _: self.statusBar().showMessage(
                f"{label} is now the default card of {customer.name or customer.id}.", 15000
            ),
        )

    @Slot()
    def detach(self) -> None:
        card, customer = self._selected_card(), self._customer
        if card is None or customer is None or not card.is_active or self.offline_reason:
            return
        if self._action_running:
            return
        dialog = DetachDialog(
            card,
            customer.name or customer.id,
            live=self.key is not None and self.key.mode is Mode.LIVE,
            parent=self,
        )
        self.detach_dialog = dialog  # reachable from tests while it is open
        accepted = dialog.exec() == DetachDialog.DialogCode.Accepted
        self.detach_dialog = None
        dialog.deleteLater()
        if not accepted:
            return
        label = card.display_name
        self._run_action(
            "detach",
            lambda ops: ops.detach(card.id),
            f"detaching {label}",
            lambda _: self.statusBar().showMessage(
                f"{label} was detached from {customer.name or customer.id}.", 15000
            ),
        )

    @Slot()
    def add_card(self) -> None:
        """Create a SetupIntent in the background, then open the add-card dialog on it."""
        customer = self._customer
        if customer is None or self.add_card_dialog is not None:
            return
        self._run_action(
            "add-card-start",
            lambda ops: ops.start_adding_card(customer.id),
            "starting to add a card",
            lambda setup: self._open_add_card(setup, customer),
        )

    def _open_add_card(self, setup: CardSetup, customer: CustomerRow) -> None:
        label = customer.name or customer.id
        if self._closing:
            return
        try:
            dialog_class = add_card_dialog_class()
            dialog = dialog_class(setup, label, open_url=self.open_url, parent=self)
        except Exception as exc:
            self.banner.show_message(operator_sentence(exc, "opening the add-card form"))
            self._abandon_card(setup)
            return
        self.add_card_dialog = dialog
        dialog.confirmed.connect(lambda seti: self._finish_card(dialog, setup, customer, seti))
        dialog.finished.connect(lambda _result: self._add_card_closed(dialog, setup))
        dialog.open()

    def _finish_card(
        self, dialog: AddCardDialog, setup: CardSetup, customer: CustomerRow, seti: str
    ) -> None:
        make_default = dialog.make_default.isChecked()
        label = customer.name or customer.id

        def saved(added: AddedCard) -> None:
            self._go_online()
            self._action_ended()
            name = added.card.display_name
            dialog.card_saved()
            self._select_card_later(added.card.id)
            if added.note:
                self.banner.show_message(added.note, "warning")
            self.statusBar().showMessage(
                f"{name} was added to {label}"
                + (" as the default card." if added.made_default else "."),
                15000,
            )
            self.action_finished.emit("add-card", True)

        def refused(exc: BaseException) -> None:
            self._action_ended()
            dialog.check_failed(operator_sentence(exc, "saving the new card"))
            self.action_finished.emit("add-card", False)

        ctx = self.ctx
        self._action_running = True
        self._update_actions()
        task = self.runner.run(
            lambda: ctx.operations().finish_adding_card(
                setup.customer, seti, make_default=make_default
            ),
            db=ctx.cache().db,
            key="action",
            on_success=saved,
            on_failure=refused,
        )
        if task is None:  # another action still runs: let the operator retry
            self._action_running = False
            dialog.check_failed("Another action is still running; press Save card again.")

    def _select_card_later(self, pm_id: str) -> None:
        row = self.cards_model.row_of(pm_id)
        if row is not None:
            self.cards.cards_table.selectRow(row)

    def _add_card_closed(self, dialog: AddCardDialog, setup: CardSetup) -> None:
        if self.add_card_dialog is dialog:
            self.add_card_dialog = None
        self._update_actions()
        if not dialog.saved:
            self._abandon_card(setup)

    def _abandon_card(self, setup: CardSetup) -> None:
        """The dialog closed before a card was saved: cancel the SetupIntent (in the
        background; a failure is only logged, the SetupIntent then simply expires unused)."""
        ctx = self.ctx

        def done(outcome: str) -> None:
            log.info("add card for %s closed early: %s", setup.customer, outcome)
            if outcome == "recorded" and not self._closing:
                self._reload_all()
            self.action_finished.emit("add-card-cancel", True)

        def failed(exc: BaseException) -> None:
            log.warning("could not cancel %s: %s", setup.setup_intent, exc)
            self.action_finished.emit("add-card-cancel", False)

        self.runner.run(
            lambda: ctx.operations().abandon_adding_card(setup.customer, setup.setup_intent),
            db=ctx.cache().db,
            on_success=done,
            on_failure=failed,
        )

    @Slot()
    def open_portal(self) -> None:
        customer = self._customer
        if customer is None:
            return

        def opened(link: PortalLink) -> None:
            self.open_url(QUrl(link.url))
            if link.is_session:
                self.statusBar().showMessage(
                    f"Opened the billing portal of {customer.name or customer.id} in your browser.",
                    15000,
                )
            else:
                self.banner.show_message(link.note, "info")

        self._run_action(
            "portal",
            lambda ops: ops.portal_link(customer.id),
            "opening the billing portal",
            opened,
        )

    @Slot()
    def copy_portal_link(self) -> None:
        customer = self._customer
        if customer is None:
            return

        def copied(link: PortalLink) -> None:
            QGuiApplication.clipboard().setText(link.url)
            self.banner.show_message(
                f"Copied the billing portal link of {customer.name or customer.id}. "
                + (link.note or "It expires soon: use it within a few minutes."),
                "info",
            )

        self._run_action(
            "copy-link",
            lambda ops: ops.portal_link(customer.id),
            "creating a billing portal link",
            copied,
        )

    # -- first run -----------------------------------------------------------------------------

    @Slot()
    def show_welcome(self) -> None:
        count = self._safe(lambda: queries.count(queries.customers_query())) or 0
        self.welcome.set_profile(self.ctx.profile.name, cached_customers=count)
        self.welcome.clear()
        self.pages.setCurrentWidget(self.welcome)
        self.welcome.key_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    @Slot(str)
    def _store_key(self, value: str) -> None:
        profile = self.ctx.profile.name
        self.welcome.set_busy(True, "Storing the key in the keyring…")

        def stored(key: SecretKey) -> None:
            self.welcome.set_busy(False)
            self._reviewing_offline = False
            self._load_context()
            if self.key is None:  # STRIPE_API_KEY is unusable, or the keyring lost it
                self.key = key
                self._load_key_into_header()
            self.statusBar().showMessage(
                f"Stored {key.masked} ({key.mode.value} mode) in the keyring for the profile "
                f"“{profile}”.",
                15000,
            )
            self.key_stored.emit(True)
            self.start_sync()

        def refused(exc: BaseException) -> None:
            self.welcome.set_busy(False)
            self.welcome.show_key_error(operator_sentence(exc, "storing the key"))
            self.key_stored.emit(False)

        self.runner.run(
            lambda: credentials.store_key(profile, value),
            key="key",
            on_success=stored,
            on_failure=refused,
        )

    def _load_key_into_header(self) -> None:
        self.offline_reason = ""
        self.header.set_mode(self.key.mode if self.key else None)
        self.header.set_connection("unknown")
        self.customers.empty_cache_text = self._empty_cache_text()
        self.customers.update_state()
        self.pages.setCurrentWidget(self.splitter)
        self._update_actions()

    @Slot()
    def _start_demo(self) -> None:
        self.welcome.set_busy(
            True, "Starting the local emulator and creating sample customers (a few seconds)…"
        )

        def ready(emulator: Emulator) -> None:
            if self._closing:
                emulator.stop()
                return
            self.welcome.set_busy(False)
            self._switch_context(demo_context(emulator), emulator)
            self.demo_started.emit(True)
            self.start_sync(full=True)

        def failed(exc: BaseException) -> None:
            self.welcome.set_busy(False)
            self.welcome.demo_status.setText(operator_sentence(exc, "starting the demo"))
            self.demo_started.emit(False)

        self.runner.run(start_demo, key="demo", on_success=ready, on_failure=failed)

    def _switch_context(self, ctx: Context, emulator: Emulator | None) -> None:
        self._save_state()
        old, old_emulator = self.ctx, self._emulator
        self._customer = None
        self.ctx, self._emulator = ctx, emulator
        old.close()
        if old_emulator is not None and old_emulator is not emulator:
            old_emulator.stop()
        self._reviewing_offline = False
        self._load_context()

    @Slot()
    def _review_offline(self) -> None:
        self._reviewing_offline = True
        self.pages.setCurrentWidget(self.splitter)
        self.banner.show_message(
            f"You are reviewing the cache of the profile “{self.ctx.profile.name}” offline: "
            "no Stripe key is set, so actions that need Stripe are off.",
            "warning",
            action="Enter a key…",
            on_action=self.show_welcome,
        )
        self._update_actions()
        self.customers.table.setFocus(Qt.FocusReason.OtherFocusReason)

    # -- closing -------------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        self._closing = True
        self._poll.stop()
        if self._sync is not None:
            self._sync.request_interruption()
        if self.add_card_dialog is not None:
            self.add_card_dialog.reject()  # cancels its SetupIntent, before the cache closes
        self.runner.wait()
        self._save_state()
        self.ctx.close()
        if self._emulator is not None:
            self._emulator.stop()
            self._emulator = None
        super().closeEvent(event)

"""The cache read into the views: the selected customer, its cards and activity, the last sync.

Keeps the selection across reloads (a sync, a search, another process changing the cache)
and polls the cache's version number so that a cron sync or a colleague's change shows up.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from typing import TypeVar

from PySide6.QtCore import QItemSelection, QObject, Qt, QTimer, Signal, Slot

from app.cache import billing_queries, queries
from app.records import CardRow, CustomerRow
from ui.activity.activity_model import ActivityModel
from ui.cards.cards_view import CardsView
from ui.common.tasks import TaskRunner
from ui.customers.customers_view import CustomersView
from ui.customers.match_count import MatchCounter
from ui.name_keys_loader import NameKeysLoader

log = logging.getLogger(__name__)
T = TypeVar("T")
#: How often the window checks whether someone else (a cron sync, the CLI) changed the cache.
POLL_MS = 4000
ACTIVITY_LIMIT = 500


def safe_read(fn: Callable[[], T]) -> T | None:
    """Run a cache read on the main thread; log and return None if it fails."""
    try:
        return fn()
    except Exception:
        log.exception("reading the cache failed")
        return None


class CustomerController(QObject):
    """Fills the customers and cards panes from the cache.

    The poll waits while background work runs: that work reloads the views when it ends.
    """

    #: The customer or the selected card may have changed: actions may be on or off now.
    changed = Signal()
    #: When the cache was last synced (a datetime, or None if never), read from the cache.
    last_sync = Signal(object)
    #: The customer shown (a CustomerRow, or None), its cards read: the Billing tab follows.
    customer_shown = Signal(object)
    #: Everything was re-read from the cache ("Needs attention" follows).
    reloaded = Signal()

    def __init__(
        self,
        customers: CustomersView,
        cards: CardsView,
        activity: ActivityModel,
        runner: TaskRunner,
    ) -> None:
        super().__init__(cards)  # lives as long as the panes it fills
        self.customers = customers
        self.cards = cards
        self.activity = activity
        self._runner = runner
        self._counter = MatchCounter(customers.model, runner)
        #: Searches in name order on a shared cache read their pages from memory.
        self.name_keys = NameKeysLoader(customers.model, runner, customers.table.viewport())
        self.customer: CustomerRow | None = None
        #: The customer's cards, detached ones included (the pane may hide those).
        self.all_cards: list[CardRow] = []
        self._version: int | None = None
        #: The customer was chosen from another list ("Needs attention"), not the table.
        self._chosen_elsewhere = False
        #: The customers list's selection changed while its tab was hidden.
        self._unseen_selection = False
        customers.customer_selected.connect(self._customer_selected)
        customers.model.modelReset.connect(self._customers_reset)
        cards.cards_table.selectionModel().selectionChanged.connect(self._card_selection_changed)
        cards.show_detached.toggled.connect(self._show_detached_toggled)
        self._poll = QTimer(self)
        self._poll.setInterval(POLL_MS)
        self._poll.timeout.connect(self._poll_cache)
        self._poll.start()

    def stop_polling(self) -> None:
        self._poll.stop()

    def selected_card(self) -> CardRow | None:
        rows = self.cards.cards_table.selectionModel().selectedRows()
        return self.cards.cards_model.card_at(rows[0].row()) if rows else None

    def select_card(self, pm_id: str | None, *, else_first: bool = False) -> None:
        """Select the card `pm_id` if it is shown, else (if asked) the first card."""
        row = self.cards.cards_model.row_of(pm_id) if pm_id else None
        if row is None and else_first and self.cards.cards_model.rowCount():
            row = 0
        if row is not None:
            self.cards.cards_table.selectRow(row)

    def reload_all(self, *, reset: bool = False) -> None:
        """Re-read customers (keeping selection and scroll), cards, activity, sync time."""
        scroll = self.customers.table.verticalScrollBar()
        position = scroll.value()
        self.customers.model.reload(reset=reset)
        if reset:
            scroll.setValue(position)
        self.customers.update_state()
        state = safe_read(queries.sync_state)
        self._version = state.version if state else None
        self.name_keys.cache_read(self._version)
        self.last_sync.emit(state.last_sync if state else None)
        self._reload_customer()
        self.reloaded.emit()

    @Slot()
    def _customers_reset(self) -> None:
        """Rows moved (search, sort, sync): select the same customer again if still shown."""
        previous = self.customer
        if previous is None or self._chosen_elsewhere:
            return
        if not self.customers.select_customer(previous.id):
            self._customer_selected("")

    def _row_customer(self) -> CustomerRow | None:
        rows = self.customers.table.selectionModel().selectedRows()
        return self.customers.model.customer_at(rows[0].row()) if rows else None

    @Slot(str)
    def _customer_selected(self, customer_id: str) -> None:
        if self.customers.isHidden():
            # Its tab is not shown ("Needs attention" is): the right pane never changes to a
            # customer the left pane does not show. `customers_shown` catches up.
            self._unseen_selection = True
            return
        if not customer_id and self._chosen_elsewhere:
            return  # the table let go of its row for a customer chosen elsewhere
        row = self._row_customer()
        self._chosen_elsewhere = False
        self.customer = row if row is not None and row.id == customer_id else None
        self._reload_customer(keep_card=False)

    def customers_shown(self) -> None:
        """The customers list is shown again: the right pane follows its selection if that
        changed while it was hidden."""
        if self._unseen_selection:
            self._unseen_selection = False
            selected = self.customers.selected_customer()
            if selected and (self.customer is None or self.customer.id != selected):
                self._customer_selected(selected)

    def show_customer_id(self, customer_id: str) -> None:
        """Show a customer chosen outside the customers table (e.g. "Needs attention"): the
        table selects them too when they are in view, and selects nobody otherwise."""
        if self.customer is not None and self.customer.id == customer_id:
            return
        found = self.customers.select_customer(customer_id)
        if found and not self.customers.isHidden():
            return  # through _customer_selected
        self._chosen_elsewhere = True
        if not found:
            self.customers.table.selectionModel().clearSelection()  # says "": ignored, see above
        self.customer = safe_read(lambda: queries.customer(customer_id))
        self._reload_customer(keep_card=False)

    def _reload_customer(self, *, keep_card: bool = True) -> None:
        customer = self.customer
        if customer is not None:
            fresh = self._row_customer()
            if self._chosen_elsewhere:
                chosen = customer.id
                fresh = safe_read(lambda: queries.customer(chosen))
            if fresh is not None and fresh.id == customer.id:
                self.customer = customer = fresh
        if customer is None:
            self.all_cards = []
            self.cards.show_nobody()
            self.cards.cards_model.set_cards([])
            self.activity.set_entries([])
            self.customer_shown.emit(None)
            self.changed.emit()
            return
        selected = self.selected_card() if keep_card else None
        details = " · ".join(p for p in (customer.email, customer.id) if p)
        self.cards.show_customer(customer.name or "(no name)", details)
        cards = safe_read(lambda: queries.cards_of(customer.id, include_inactive=True)) or []
        declined = safe_read(lambda: billing_queries.declined_cards(customer.id)) or {}
        self.all_cards = [replace(c, declined_at=declined.get(c.id)) for c in cards]
        self._show_cards()
        entries = safe_read(lambda: queries.audit_entries(customer.id, ACTIVITY_LIMIT)) or []
        names = {card.id: card.display_name for card in self.all_cards}
        self.activity.set_entries(entries, names)
        self.cards.set_activity_count(len(entries))
        # A customer opened from a last-four search shows the card that matched.
        match = None if keep_card else self.customers.model.matching_card(customer.id)
        pick = selected or match
        self.select_card(pick.id if pick else None, else_first=True)
        self.customer_shown.emit(customer)
        self.changed.emit()

    def _show_cards(self) -> None:
        show_detached = self.cards.show_detached.isChecked()
        shown = [c for c in self.all_cards if c.is_active or show_detached]
        hidden = any(not c.is_active for c in self.all_cards) and not show_detached
        pending = self.customer is not None and self.customer.cards_pending
        self.cards.set_cards(shown, any_detached_hidden=hidden, pending=pending)

    @Slot(bool)
    def _show_detached_toggled(self, on: bool) -> None:
        selected = self.selected_card()
        self._show_cards()
        self.select_card(selected.id if selected else None, else_first=True)
        self.changed.emit()

    @Slot(QItemSelection, QItemSelection)
    def _card_selection_changed(self, selected: QItemSelection, deselected: QItemSelection) -> None:
        self.changed.emit()

    @Slot()
    def show_cards_tab(self) -> None:
        self.cards.tabs.setCurrentIndex(0)
        self.cards.cards_table.setFocus(Qt.FocusReason.ShortcutFocusReason)

    @Slot()
    def show_activity_tab(self) -> None:
        self.cards.tabs.setCurrentIndex(1)
        self.cards.activity_table.setFocus(Qt.FocusReason.ShortcutFocusReason)

    @Slot()
    def _poll_cache(self) -> None:
        """Pick up changes made outside the window (cron sync, the command line)."""
        if self._runner.active():
            return
        state = safe_read(queries.sync_state)
        if state is None:
            return
        self.last_sync.emit(state.last_sync)
        if self._version is not None and state.version != self._version:
            self.reload_all()

"""Full and incremental sync from Stripe into the cache.

Full, in two passes: first every customer with its default card embedded in the list (100 a
page, ceil(N/100) requests), each page written at once, each new customer marked as having its
other cards still to come (`cards_pending`); then every customer's whole card list, several
requests in flight under the rate limit, each customer written with all its cards (which
clears the mark). A cut or cancelled sync keeps what both passes wrote, and nothing is marked
deleted unless the sync completed. A customer left marked by a cut sync is new to the cache,
so the next incremental sync reads its cards from its events, or the next full sync does.

Billing: between the two passes (so that "Needs attention" is useful before the second) a
full sync lists every subscription (`status=all`) and the invoices of the last
`history_months`, account-wide, 100 a page: no request per customer. Incremental sync
applies invoice and subscription events from the objects they carry (no request per event);
a customer touched by invoice events has its subscriptions listed once, since the emulator
sends no subscription updates and an invoice's outcome changes its subscription's status.

Incremental: card and billing events since the stored cursor, applied idempotently in any
order; a customer touched by any number of card events has its cards fetched once. No cursor,
or one older than Stripe's 30-day event window, means a full sync.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import chain, islice
from typing import Any, Literal

from peewee import Database

from app.billing_events import BillingEvents, history_start, not_older
from app.cache import queries, store
from app.cache.locks import exclusive_sync
from app.cache.models import now
from app.errors import CacheError, KnownError, NotFoundError
from app.gateway import EventData, Gateway
from app.records import Action, CardData, CustomerData, SubscriptionData

log = logging.getLogger(__name__)
EVENT_WINDOW = timedelta(days=30) - timedelta(hours=1)  # Stripe keeps events 30 days
WORKERS = 8
#: Card lists asked for and not yet written, at most, in a full sync's second pass.
IN_FLIGHT = WORKERS * 16
#: The progress phases of a full sync's two passes. When the second begins (and the billing
#: history before it), what came before is in the cache: a window shows it then.
FIRST_PASS = "Customers and default cards"
SECOND_PASS = "Customers and cards"
SHOW_WHAT_CAME_BEFORE = frozenset({"Subscriptions", SECOND_PASS})
#: How old an intent with no outcome must be before a sync settles it: longer than any
#: request may take.
SETTLE_AFTER = timedelta(minutes=3)


class SyncProgress:
    """Progress and cancellation, shared between the sync and whoever shows it.

    The sync calls `set_progress`; the caller may call `request_interruption` from any
    thread. `on_change` is called from the sync's thread: a window must forward it to its
    own thread (through a signal), never touch widgets from it.
    """

    def __init__(self, on_change: Callable[[str, int, int | None], None] | None = None) -> None:
        self.phase = ""
        self.done = 0
        self.total: int | None = None
        self._on_change = on_change
        self._interrupt = threading.Event()

    def set_progress(self, phase: str, done: int, total: int | None) -> None:
        self.phase, self.done, self.total = phase, done, total
        if self._on_change:
            self._on_change(phase, done, total)

    def request_interruption(self) -> None:
        self._interrupt.set()

    def is_interruption_requested(self) -> bool:
        return self._interrupt.is_set()


SyncKind = Literal["full", "incremental", "skipped"]


@dataclass
class SyncResult:
    #: "skipped": another process is syncing this cache.
    kind: SyncKind
    customers: int = 0
    cards: int = 0
    events: int = 0
    removed_customers: int = 0
    removed_cards: int = 0
    subscriptions: int = 0
    invoices: int = 0
    requests: int = 0
    seconds: float = 0.0
    cancelled: bool = False
    reason: str = ""
    refetched: set[str] = field(default_factory=set)

    def summary(self) -> str:
        if self.kind == "skipped":
            return f"sync skipped: {self.reason}; its results will show here when it is done."
        if self.cancelled:
            return (
                f"{self.kind} sync cancelled: nothing was removed; "
                f"{self.customers} customers saved."
            )
        if self.kind == "full":
            text = (
                f"full sync: {self.customers} customers, {self.cards} cards, "
                f"{self.subscriptions} subscriptions, {self.invoices} invoices; "
                f"{self.removed_customers} customers and {self.removed_cards} cards "
                "no longer on Stripe"
            )
        else:
            text = (
                f"incremental sync: {self.events} events, {len(self.refetched)} customers refreshed"
            )
        return f"{text} ({self.requests} requests, {self.seconds:.1f} s)"


class SyncEngine:
    def __init__(
        self,
        gateway: Gateway,
        db: Database,
        *,
        still_in_place: Callable[[], bool] = lambda: True,
    ) -> None:
        self.gateway = gateway
        self.db = db
        #: Whether the cache file is still the one opened (not deleted or replaced).
        self.still_in_place = still_in_place

    def run(self, progress: SyncProgress | None = None, *, full: bool = False) -> SyncResult:
        """Pick the right kind of sync and run it."""
        progress = progress or SyncProgress()
        start_requests, started = self.gateway.requests_sent, time.monotonic()
        with exclusive_sync(self.db) as ours:
            if not ours:
                log.info("another sync of this shared cache is running; skipped")
                return SyncResult("skipped", reason="another sync of this cache is running")
            reason = self._full_sync_reason() if not full else "asked for"
            if reason:
                result = self.full(progress)
                result.reason = reason
            else:
                result = self.incremental(progress)
            if not result.cancelled:
                self._settle_open_intents()
        if not self.still_in_place():
            raise CacheError(
                "The cache file was deleted or replaced during the sync, so what it read went "
                "to the removed file: run the sync again to fill the new one."
            )
        result.requests = self.gateway.requests_sent - start_requests
        result.seconds = time.monotonic() - started
        log.info("%s", result.summary())
        return result

    def _settle_open_intents(self) -> None:
        """Operations whose outcome was never recorded (the app stopped, or the cache could
        not be written, after Stripe was asked) are settled from what Stripe now holds."""
        # An operation in flight elsewhere (another desktop) is not settled under its feet.
        for intent in queries.open_intents(before=now() - SETTLE_AFTER):
            if intent.action not in (Action.DETACH, Action.SET_DEFAULT):
                continue  # nothing in the cache tells whether it happened
            card = queries.card(intent.target)
            customer = queries.customer(intent.customer) if intent.customer else None
            if intent.action == Action.DETACH:
                happened = card is not None and not card.is_active
            else:
                happened = customer is not None and customer.default_payment_method == intent.target
            with self.db.atomic():
                store.audit(
                    intent.profile,
                    Action(intent.action),
                    intent.target,
                    "ok" if happened else "not done",
                    customer=intent.customer,
                    detail="settled by sync: "
                    + ("the change is on Stripe" if happened else "Stripe shows no such change"),
                    intent=intent.id,
                )

    def _full_sync_reason(self) -> str:
        state = store.ensure_sync_state()
        if state.last_full_sync is None or state.event_cursor_created is None:
            return "no earlier sync"
        if time.time() - state.event_cursor_created > EVENT_WINDOW.total_seconds():
            return "last sync older than Stripe's 30-day event window"
        return ""

    # -- full ----------------------------------------------------------------------------------

    def full(self, progress: SyncProgress) -> SyncResult:
        """Two passes, then the deletions. The first lists every customer with its default
        card embedded (100 a page) and writes each page at once, so that the cache can find
        every customer within ceil(N/100) requests; then the billing history (account-wide
        lists), so that "Needs attention" is useful early; then the second pass reads every
        customer's whole card list, as before. Only a sync that finished all of them marks
        what Stripe no longer has as deleted."""
        result = SyncResult("full")
        progress.set_progress("Starting", 0, None)
        server_time = self.gateway.latest_server_time() or int(time.time()) - 5
        started = now()
        listed = self._first_pass(progress, started)
        result.customers = len(listed)
        if progress.is_interruption_requested() or not self._billing(progress, started, result):
            result.cancelled = True
            return result
        if not self._second_pass(listed, progress, started, result):
            result.cancelled = True
            return result
        with self.db.atomic():
            result.removed_customers, result.removed_cards = store.deactivate_unseen(started)
            store.drop_unseen_billing(started)
            store.full_sync_finished(server_time)
            store.bump_version()
        progress.set_progress("Done", len(listed), len(listed))
        return result

    def _first_pass(self, progress: SyncProgress, started: datetime) -> list[str]:
        """Every customer and its default card, a page written at a time; the customers
        listed (those of the pages read before a cancel)."""
        listed: list[str] = []
        progress.set_progress(FIRST_PASS, 0, None)
        for page in self.gateway.customers_with_default_card():
            with self.db.atomic():
                ids = store.upsert_customers([c for c, _ in page], started, cards_pending=True)
                default_cards = {c.id: [card] if card else [] for c, card in page}
                store.upsert_cards(default_cards, ids, started, complete=False)
                store.bump_version()
            listed.extend(c.id for c, _ in page)
            progress.set_progress(FIRST_PASS, len(listed), None)
            if progress.is_interruption_requested():
                break
        return listed

    def _billing(self, progress: SyncProgress, started: datetime, result: SyncResult) -> bool:
        """Every subscription and the invoices of the last `history_months`, account-wide,
        written a page at a time; False when cancelled."""
        since = history_start(datetime.now(UTC), self.gateway.settings.history_months)
        lists: list[tuple[str, Iterable[Sequence[Any]], Callable[..., None]]] = [
            ("Subscriptions", self.gateway.subscription_pages(), store.upsert_subscriptions),
            ("Invoices", self.gateway.invoice_pages(int(since.timestamp())), store.upsert_invoices),
        ]
        for phase, pages, write in lists:
            done = 0
            progress.set_progress(phase, done, None)
            for page in pages:
                with self.db.atomic():
                    write(page, started)
                    store.bump_version()
                done += len(page)
                progress.set_progress(phase, done, None)
                if progress.is_interruption_requested():
                    return False
            setattr(result, phase.lower(), done)
        return True

    def _second_pass(
        self, listed: list[str], progress: SyncProgress, started: datetime, result: SyncResult
    ) -> bool:
        """Each listed customer's whole card list, several requests in flight under the rate
        limit, each customer written with its cards as they arrive; False when cancelled."""
        total = len(listed)
        progress.set_progress(SECOND_PASS, 0, total)
        read = 0
        pending: set[Future[tuple[str, list[CardData] | None]]] = set()
        customers = iter(listed)
        with ThreadPoolExecutor(WORKERS, thread_name_prefix="sync") as pool:
            try:
                while True:
                    # A bounded queue: 100,000 customers are not 100,000 futures at once.
                    for customer in islice(customers, IN_FLIGHT - len(pending)):
                        pending.add(pool.submit(self._cards_unless_cancelled, customer, progress))
                    if not pending or progress.is_interruption_requested():
                        break
                    done, pending = wait(pending, return_when=FIRST_COMPLETED)
                    read += self._write_cards(done, started, result)
                    progress.set_progress(SECOND_PASS, read, total)
            except BaseException:
                pool.shutdown(wait=True, cancel_futures=True)
                raise
            if progress.is_interruption_requested():
                pool.shutdown(wait=True, cancel_futures=True)
                return False
        return True

    def _cards_unless_cancelled(
        self, customer: str, progress: SyncProgress
    ) -> tuple[str, list[CardData] | None]:
        """The customer's cards; None when Stripe no longer knows the customer."""
        if progress.is_interruption_requested():
            raise _Cancelled
        try:
            return customer, self.gateway.cards(customer)
        except NotFoundError:  # deleted on Stripe between the list and the fetch
            return customer, None

    def _write_cards(
        self,
        done: Iterable[Future[tuple[str, list[CardData] | None]]],
        started: datetime,
        result: SyncResult,
    ) -> int:
        """Write the card lists that arrived, each customer's whole list at once; how many
        customers were written."""
        cards: dict[str, list[CardData]] = {}
        gone: list[str] = []
        for future in done:
            try:
                customer, listed = future.result()
            except _Cancelled:
                continue
            if listed is None:
                gone.append(customer)
            else:
                cards[customer] = listed
        with self.db.atomic():
            ids = store.customer_ids(sorted(cards))
            store.upsert_cards(cards, ids, started, complete=False)
            store.cards_listed(list(ids.values()))
            for customer in gone:
                store.mark_customer_deleted(customer, started)
            store.bump_version()
        result.cards += sum(len(c) for c in cards.values())
        return len(cards) + len(gone)

    # -- incremental ---------------------------------------------------------------------------

    def incremental(self, progress: SyncProgress) -> SyncResult:
        result = SyncResult("incremental")
        state = store.ensure_sync_state()
        assert state.event_cursor_created is not None
        applied = set(json.loads(state.cursor_event_ids or "[]"))
        progress.set_progress("Reading events", 0, None)
        events = list(self.gateway.events_since(state.event_cursor_created))
        fresh = [e for e in events if e.id not in applied]
        result.events = len(fresh)
        if fresh:
            result.refetched = self.apply_events(fresh, progress)
        if progress.is_interruption_requested():
            result.cancelled = True
            return result
        # The next sync lists events from the newest one's second again (`created[gte]`), and
        # skips the ids already applied in that second.
        newest = max((e.created for e in events), default=state.event_cursor_created)
        ids_at_newest = {e.id for e in events if e.created == newest}
        if newest == state.event_cursor_created:
            ids_at_newest |= applied
        with self.db.atomic():
            store.events_applied(
                max(ids_at_newest, default=state.event_cursor), newest, ids_at_newest
            )
        progress.set_progress("Done", 1, 1)
        return result

    def apply_events(self, events: Iterable[EventData], progress: SyncProgress) -> set[str]:
        """Apply events idempotently, in any order; return the customers whose cards were
        re-fetched. Each touched customer costs one card list, however many events."""
        deleted: set[str] = set()
        snapshots: dict[str, EventData] = {}
        touched: set[str] = set()
        billing = BillingEvents()
        for event in events:
            if billing.take(event):
                continue
            customer = event.customer or queries.customer_of_card(event.payment_method)
            if customer is None:
                log.info("event %s (%s) names no known customer; skipped", event.id, event.type)
                continue
            if event.type == "customer.deleted":
                deleted.add(customer)
                continue
            touched.add(customer)
            if event.customer_data is not None:
                latest = snapshots.get(customer)
                if latest is None or event.created >= latest.created:
                    snapshots[customer] = event
        touched -= deleted
        unknown = touched - set(snapshots) - set(store.customer_ids(sorted(touched)))
        fetched: dict[str, list[CardData]] = {}
        customers: dict[str, CustomerData] = {
            c: e.customer_data for c, e in snapshots.items() if e.customer_data
        }
        with ThreadPoolExecutor(WORKERS, thread_name_prefix="sync") as pool:
            extra = {c: pool.submit(self.gateway.customer, c) for c in unknown}
            futures = {c: pool.submit(self.gateway.cards, c) for c in sorted(touched)}
            relisted = {
                c: pool.submit(self._subscriptions_of, c) for c in sorted(billing.relist - deleted)
            }
            for number, (customer_id, future) in enumerate(futures.items(), start=1):
                try:
                    fetched[customer_id] = future.result()
                except NotFoundError:
                    deleted.add(customer_id)
                progress.set_progress("Refreshing customers", number, len(futures))
            for customer_id, snapshot in extra.items():
                try:
                    customers[customer_id] = snapshot.result()
                except NotFoundError:
                    deleted.add(customer_id)
            subscriptions = list(billing.subscriptions.values())
            for customer_id, listed in relisted.items():
                try:
                    subscriptions.extend(listed.result())
                except NotFoundError:
                    deleted.add(customer_id)
        at = now()
        with self.db.atomic():
            live = {c: d for c, d in customers.items() if c not in deleted}
            ids = store.upsert_customers(list(live.values()), at)
            ids.update(store.customer_ids([c for c in fetched if c not in ids]))
            whole = {c: cards for c, cards in fetched.items() if c in ids and c not in deleted}
            store.upsert_cards(whole, ids, at, complete=True)
            store.cards_listed([ids[c] for c in whole])
            for customer_id in deleted:
                store.mark_customer_deleted(customer_id, at)
            store.upsert_invoices(not_older(billing.invoices.values()), at)
            store.delete_invoices(sorted(billing.deleted_invoices))
            store.upsert_subscriptions(subscriptions, at)  # the ones listed now win
            store.bump_version()
        return set(fetched) - deleted

    def _subscriptions_of(self, customer_id: str) -> list[SubscriptionData]:
        return list(chain.from_iterable(self.gateway.subscription_pages(customer_id)))


class _Cancelled(KnownError):
    def __init__(self) -> None:
        super().__init__("cancelled")

"""A full sync, in two passes, so that a new account is useful in seconds.

The first pass lists every customer with the card that will be charged embedded in the list
(100 a page: ceil(N/100) requests) and writes each page at once; a customer new to the cache
is marked as having its other cards still to come (`cards_pending`). The second pass reads
every customer's whole card list, several requests in flight under the rate limit, and writes
each customer with all its cards, which clears the mark. Meanwhile a thread of its own lists
the billing history (every subscription, the invoices of the last `history_months` and
their InvoicePayments, account-wide, 100 a page): its pages follow one another, a round
trip each, while the card lists fill the rate limit; it is in the cache long before the
second pass ends, so "Needs attention" is useful early.

A cancelled or cut sync keeps what both passes wrote, and marks nothing deleted: only a sync
that finished all of it marks what Stripe no longer has. A customer left marked by a cut sync
is new to the cache, so the next incremental sync reads its cards from its events (or the
next full sync does).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from datetime import UTC, datetime
from itertools import islice
from typing import Any

from app.cache import store
from app.cache.db import Database
from app.cache.models import now
from app.errors import KnownError, NotFoundError
from app.gateway import Gateway
from app.records import CardData
from app.sync.billing_events import history_start
from app.sync.result import SyncProgress, SyncResult

WORKERS = 8
#: Card lists asked for and not yet written, at most, in the second pass.
IN_FLIGHT = WORKERS * 16
#: The progress phases of the two passes.
FIRST_PASS = "Customers and default cards"
SECOND_PASS = "Customers and cards"
#: A customer's card list: the customer, and its cards (None: Stripe no longer knows it).
Listed = tuple[str, list[CardData] | None]


class FullSync:
    def __init__(self, gateway: Gateway, db: Database, progress: SyncProgress) -> None:
        self.gateway, self.db, self.progress = gateway, db, progress
        self.result = SyncResult("full")
        self.started = now()
        #: Where this sync's entries in `gateway.skipped` begin.
        self._skipped_from = len(gateway.skipped)
        #: Set when the other part must stop: the second pass failed, or was cancelled.
        self._stop = threading.Event()

    def run(self) -> SyncResult:
        progress, result = self.progress, self.result
        progress.set_progress("Starting", 0, None)
        server_time, seen = self.gateway.server_now()
        if server_time is None:
            server_time, seen = int(time.time()) - 5, set()
        self.started = now()
        listed = self._first_pass()
        result.customers = len(listed)
        if self._stopped():
            result.cancelled = True
            return result
        progress.written(whole=True)
        with ThreadPoolExecutor(1, thread_name_prefix="sync-billing") as history:
            billing = history.submit(self._billing)
            try:
                whole = self._second_pass(listed, billing)
            except BaseException:
                self._stop.set()
                raise
            if not whole:
                self._stop.set()
            history_read = billing.result()  # its error, if it failed
        if not (whole and history_read):
            result.cancelled = True
            return result
        with self.db.atomic():
            # What did not convert is still on Stripe: the cache keeps it as it was.
            store.keep_skipped(self.gateway.skipped[self._skipped_from :], self.started)
            result.removed_customers, result.removed_cards = store.deactivate_unseen(self.started)
            store.drop_unseen_billing(self.started)
            store.full_sync_finished(server_time, seen)
            store.bump_version()
        progress.set_progress("Done", len(listed), len(listed))
        return result

    def _stopped(self) -> bool:
        return self.progress.is_interruption_requested() or self._stop.is_set()

    def _first_pass(self) -> list[str]:
        """Every customer and its default card, a page written at a time; the customers
        listed (those of the pages read before a cancel)."""
        listed: list[str] = []
        self.progress.set_progress(FIRST_PASS, 0, None)
        for page in self.gateway.customers_with_default_card():
            customers = [c for c, _ in page]
            default_cards = {c.id: [card] if card else [] for c, card in page}
            with self.db.atomic():
                # New customers are marked: their other cards come in the second pass.
                store.write_customers(
                    customers, default_cards, self.started, complete=False, cards_pending=True
                )
                store.bump_version()
            listed.extend(c.id for c, _ in page)
            self.progress.set_progress(FIRST_PASS, len(listed), None)
            self.progress.written(whole=False)
            if self.progress.is_interruption_requested():
                break
        return listed

    def _billing(self) -> bool:
        """Every subscription and the invoices of the last `history_months`, account-wide,
        written a page at a time (on this thread's own connection); False when stopped."""
        since = history_start(datetime.now(UTC), self.gateway.settings.history_months)
        lists: list[tuple[str, Iterable[Sequence[Any]], Callable[..., None]]] = [
            ("subscriptions", self.gateway.subscription_pages(), store.upsert_subscriptions),
            ("invoices", self.gateway.invoice_pages(int(since.timestamp())), store.upsert_invoices),
            # After the invoices: what each one's payments say goes onto its row.
            (
                "invoice_payments",
                self.gateway.invoice_payment_pages(int(since.timestamp())),
                lambda page, _seen: store.apply_invoice_payments(page),
            ),
        ]
        with self.db.connection_context():
            for name, pages, write in lists:
                done = 0
                for page in pages:
                    with self.db.atomic():
                        write(page, self.started)
                        store.bump_version()
                    done += len(page)
                    if self._stopped():
                        return False
                setattr(self.result, name, done)
        return True

    def _second_pass(self, listed: list[str], billing: Future[bool]) -> bool:
        """Each listed customer's whole card list, several requests in flight under the rate
        limit, each customer written with its cards as they arrive; False when stopped (a
        cancel, or the billing history failed)."""
        total, read, history_shown = len(listed), 0, False
        self.progress.set_progress(SECOND_PASS, 0, total)
        pending: set[Future[Listed]] = set()
        customers = iter(listed)
        with ThreadPoolExecutor(WORKERS, thread_name_prefix="sync") as pool:
            try:
                while not self._stopped() and not _failed(billing):
                    # A bounded queue: 100,000 customers are not 100,000 futures at once.
                    for customer in islice(customers, IN_FLIGHT - len(pending)):
                        pending.add(pool.submit(self._cards_unless_stopped, customer))
                    if not pending:
                        return True
                    # The history's end wakes this thread too, which says it (a window
                    # listens: its signals are sent from the sync's thread, not the history's).
                    waiting: set[Future[Any]] = {*pending, *([] if history_shown else [billing])}
                    done, _ = wait(waiting, return_when=FIRST_COMPLETED)
                    pending -= done
                    if billing in done:
                        history_shown = True
                        if billing.exception() is None and billing.result():
                            self.progress.written(whole=True)
                    if done - {billing}:
                        read += self._write_cards(done - {billing})
                        self.progress.set_progress(SECOND_PASS, read, total)
            except BaseException:
                pool.shutdown(wait=True, cancel_futures=True)
                raise
            pool.shutdown(wait=True, cancel_futures=True)
            return False

    def _cards_unless_stopped(self, customer: str) -> Listed:
        if self._stopped():
            raise _Stopped
        try:
            return customer, self.gateway.cards(customer)
        except NotFoundError:  # deleted on Stripe between the list and the fetch
            return customer, None

    def _write_cards(self, done: Iterable[Future[Listed]]) -> int:
        """Write the card lists that arrived, each customer's whole list at once; how many
        customers were written."""
        cards: dict[str, list[CardData]] = {}
        gone: list[str] = []
        for future in done:
            try:
                customer, listed = future.result()
            except _Stopped:
                continue
            if listed is None:
                gone.append(customer)
            else:
                cards[customer] = listed
        with self.db.atomic():
            # Whole lists: the same write clears the customers' cards_pending marks.
            store.write_customers([], cards, self.started, complete=False, whole=True)
            for customer in gone:
                store.mark_customer_deleted(customer, self.started)
            store.bump_version()
        self.result.cards += sum(len(c) for c in cards.values())
        return len(cards) + len(gone)


def _failed(future: Future[Any]) -> bool:
    return future.done() and future.exception() is not None


class _Stopped(KnownError):
    def __init__(self) -> None:
        super().__init__("stopped")

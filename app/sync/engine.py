"""Full and incremental sync from Stripe into the cache.

Full: every customer and card, in two passes (`app.sync.full`): every customer with its
default card first, 100 a page; then every customer's card list, the billing history beside
it. Nothing is marked deleted unless the sync completed.

Billing: a full sync lists every subscription (`status=all`) and the invoices of the last
`history_months` and their InvoicePayments, account-wide, 100 a page: no request per
customer. Incremental sync applies invoice and subscription events from the objects they
carry (no request per event); a customer touched by invoice events has its subscriptions
listed once, since the emulator sends no subscription updates and an invoice's outcome
changes its subscription's status; an invoice a payment failed or succeeded on has its
InvoicePayments listed once (why it failed: the invoice no longer says, in today's API).

Incremental: card and billing events since the stored cursor, applied idempotently in any
order; a customer touched by any number of card events has its cards fetched once. No cursor,
or one older than Stripe's 30-day event window, means a full sync.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from itertools import chain

from app.cache import billing_queries, queries, store
from app.cache.db import Database
from app.cache.locks import exclusive_sync
from app.cache.models import DATABASE_ERRORS, now
from app.cache.store import Outcome
from app.errors import CacheError, NotFoundError
from app.gateway import EventData, Gateway, Witness
from app.gateway.convert import Unconvertible, skip
from app.operations.declared import DECLARED, Declaration, Settled, Target
from app.records import Action, CardData, CustomerData, InvoicePaymentData, SubscriptionData
from app.sync.billing_events import BillingEvents, not_older
from app.sync.full import WORKERS, FullSync
from app.sync.result import SyncProgress, SyncResult

#: SyncProgress and SyncResult live in `app.sync.result` (the full sync uses them too); their
#: users import them from here.
__all__ = ["EVENT_WINDOW", "SETTLE_AFTER", "SyncEngine", "SyncProgress", "SyncResult"]
log = logging.getLogger(__name__)
ACTIONS = {a.value for a in Action}
EVENT_WINDOW = timedelta(days=30) - timedelta(hours=1)  # Stripe keeps events 30 days
CACHE_GONE = (
    "The cache file was deleted or replaced during the sync, so what it read went to the "
    "removed file: run the sync again to fill the new one."
)
#: How old an intent with no outcome must be before a sync settles it as not done (or, with
#: no witness, from the cache): longer than any request may take (the request deadline).
SETTLE_AFTER = timedelta(minutes=3)
#: A cursor further ahead of this clock than this (an event from the far future became it,
#: before such events were skipped) would read nothing for ever: a full sync starts afresh.
FUTURE_CURSOR = timedelta(days=1)


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
        skipped_from = len(self.gateway.skipped)
        with exclusive_sync(self.db) as ours:
            if not ours:
                log.info("another sync of this shared cache is running; skipped")
                return SyncResult("skipped", reason="another sync of this cache is running")
            reason = self._full_sync_reason() if not full else "asked for"
            try:
                if reason:
                    result = self.full(progress)
                    result.reason = reason
                else:
                    result = self.incremental(progress)
            except DATABASE_ERRORS:
                # A thread that opened the path after the file went found an empty database.
                if not self.still_in_place():
                    raise CacheError(CACHE_GONE) from None
                raise
            skipped = self.gateway.skipped[skipped_from:]
            with self.db.atomic():  # for `doctor`; a whole full sync forgets what now converts
                whole = result.kind == "full" and not result.cancelled
                store.record_skipped(skipped, now(), whole=whole)
            result.skipped = len(skipped)
            if not result.cancelled:
                self._settle_open_intents()
        if not self.still_in_place():
            raise CacheError(CACHE_GONE)
        result.requests = self.gateway.requests_sent - start_requests
        result.seconds = time.monotonic() - started
        log.info("%s", result.summary())
        return result

    def _settle_open_intents(self) -> None:
        """Operations whose outcome was never recorded (the app stopped, or the cache could
        not be written, after Stripe was asked) are settled by Stripe's witness: the event
        that carries the intent's Idempotency-Key settles it as done at once, whatever the
        cache shows now. No such event settles it as not done once the request's deadline
        has passed (the desktop that sent it may still be waiting for the answer before
        that). Where Stripe no longer keeps events that old (30 days), or the account's
        events carry no request (the emulator's), what the cache now holds says whether it
        happened; a keyed intent it cannot confirm stays "outcome unknown"."""
        at = now()
        intents = queries.open_intents()
        keyed = [i for i in intents if i.key and i.at > at - EVENT_WINDOW]
        witnessed = self._witnessed(min(i.at for i in keyed)) if keyed else None
        for intent in intents:
            declared = DECLARED.get(Action(intent.action)) if intent.action in ACTIONS else None
            if declared is None:
                continue
            late = intent.at < at - SETTLE_AFTER
            if witnessed is not None and intent.key and intent.at > at - EVENT_WINDOW:
                events = witnessed.get(intent.key, [])
                done = [e for e in events if e.type in declared.witnessed_by]
                if done:
                    why = (
                        f"Stripe's event {done[0].id} ({done[0].type}) carries its Idempotency-Key"
                    )
                    self._settle(intent, declared, "ok", why)
                elif late:
                    why = "Stripe has no event with its Idempotency-Key"
                    if events:
                        why = f"Stripe's events with its key show no change ({events[0].type})"
                    self._settle(intent, declared, "not done", why)
                continue
            if not late or declared.settled is None:
                continue  # in flight elsewhere, or nothing in the cache tells
            settled = self._from_the_cache(intent, declared)
            if intent.key and intent.at < at - EVENT_WINDOW and not settled.happened:
                continue  # Stripe's witness is gone and the cache cannot confirm: unknown
            self._settle(intent, declared, "ok" if settled.happened else "not done", settled.why)

    def _witnessed(self, since: datetime) -> dict[str, list[Witness]] | None:
        """Stripe's events since `since` (a minute earlier: clocks differ) by the
        Idempotency-Key of their request; None when no event names its request (the
        emulator's): the keys cannot be witnessed there."""
        created = int(since.timestamp()) - 60
        events = list(self.gateway.witnesses(created))
        if not any(e.has_request for e in events):
            return None
        by_key: dict[str, list[Witness]] = {}
        for event in events:
            if event.key:
                by_key.setdefault(event.key, []).append(event)
        return by_key

    @staticmethod
    def _from_the_cache(intent: queries.OpenIntent, declared: Declaration) -> Settled:
        assert declared.settled is not None
        customer = queries.customer(intent.customer) if intent.customer else None
        invoice = (
            billing_queries.invoice(intent.target) if declared.target is Target.INVOICE else None
        )
        return declared.settled(
            intent.target,
            queries.card(intent.target) if declared.target is Target.CARD else None,
            customer.default_payment_method if customer else None,
            invoice,
        )

    def _settle(
        self, intent: queries.OpenIntent, declared: Declaration, outcome: Outcome, why: str
    ) -> None:
        with self.db.atomic():
            store.audit(
                intent.profile,
                declared.action,
                intent.target,
                outcome,
                customer=intent.customer,
                detail=f"settled by sync: {why}",
                intent=intent.id,
            )

    def _full_sync_reason(self) -> str:
        state = store.ensure_sync_state()
        if state.last_full_sync is None or state.event_cursor_created is None:
            return "no earlier sync"
        if time.time() - state.event_cursor_created > EVENT_WINDOW.total_seconds():
            return "last sync older than Stripe's 30-day event window"
        if state.event_cursor_created > time.time() + FUTURE_CURSOR.total_seconds():
            return "the events cursor was in the future"
        return ""

    # -- full ----------------------------------------------------------------------------------

    def full(self, progress: SyncProgress) -> SyncResult:
        """Every customer and card, in two passes (`app.sync.full`)."""
        return FullSync(self.gateway, self.db, progress).run()

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
        events = list(events)
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
        # An event that carried only some of the customer's fields: read it whole.
        unknown |= {e.customer for e in events if e.partial and e.customer} & touched
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
            # One request per invoice a payment failed or succeeded on (none on the emulator,
            # whose invoices carry their charge).
            paying = sorted(billing.paid_or_failed - billing.deleted_invoices)
            payments_of = {i: pool.submit(self.gateway.invoice_payments, i) for i in paying}
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
                except Unconvertible as exc:  # kept as cached
                    self.gateway.skipped.append(skip(exc, {"id": customer_id}, "customer"))
            subscriptions = list(billing.subscriptions.values())
            for customer_id, listed in relisted.items():
                try:
                    subscriptions.extend(listed.result())
                except NotFoundError:
                    deleted.add(customer_id)
            payments: list[InvoicePaymentData] = []
            for invoice_id, listing in payments_of.items():
                try:
                    payments.extend(listing.result() or [])
                except NotFoundError:
                    log.info("invoice %s is gone from Stripe; its payments not read", invoice_id)
        failed_at = {
            i: [datetime.fromtimestamp(t, UTC) for t in times]
            for i, times in billing.failed_at.items()
        }
        at = now()
        with self.db.atomic():
            live = {c: d for c, d in customers.items() if c not in deleted}
            store.write_customers(
                list(live.values()),
                {c: cards for c, cards in fetched.items() if c not in deleted},
                at,
                complete=True,
            )
            for customer_id in deleted:
                store.mark_customer_deleted(customer_id, at)
            store.upsert_invoices(not_older(billing.invoices.values()), at)
            store.apply_invoice_payments(payments, failed_at)
            store.delete_invoices(sorted(billing.deleted_invoices))
            store.upsert_subscriptions(subscriptions, at)  # the ones listed now win
            store.bump_version()
        return set(fetched) - deleted

    def _subscriptions_of(self, customer_id: str) -> list[SubscriptionData]:
        return list(chain.from_iterable(self.gateway.subscription_pages(customer_id)))

"""What an incremental sync makes of invoice and subscription events: the latest snapshot of
each object (events come in any order, several in one second), never a state older than the
cache holds; and where a full sync's invoice history starts."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from app.cache import billing_queries
from app.gateway import PAYMENT_EVENTS, EventData
from app.records import InvoiceData, SubscriptionData

#: Within one second, the later of an invoice's states: events of the same second come in no
#: guaranteed order.
_INVOICE_STAGE = {"draft": 0, "open": 1}


def _progress(status: str, attempts: int) -> tuple[int, int]:
    """How far along an invoice is: draft, open, then final (paid, void, uncollectible), and
    within a stage, how many payment attempts it has seen. It never goes back."""
    return _INVOICE_STAGE.get(status, 2), attempts


def not_older(snapshots: Iterable[InvoiceData]) -> list[InvoiceData]:
    """The event snapshots that are not behind what the cache holds: an event replayed after
    a full sync (events of the second it started are listed again) carries an older state of
    an invoice the full sync read as it is now, and must not put it back."""
    wanted = list(snapshots)
    held = billing_queries.invoice_states([i.id for i in wanted])
    return [
        i
        for i in wanted
        if i.id not in held or _progress(i.status, i.attempt_count) >= _progress(*held[i.id])
    ]


class BillingEvents:
    """The invoice and subscription events of one incremental sync: the latest snapshot of
    each object, and the customers whose subscriptions to list again."""

    def __init__(self) -> None:
        self.invoices: dict[str, InvoiceData] = {}
        self.subscriptions: dict[str, SubscriptionData] = {}
        self.deleted_invoices: set[str] = set()
        self.relist: set[str] = set()
        #: Invoices a payment failed or succeeded on: their InvoicePayments are read once.
        self.paid_or_failed: set[str] = set()
        #: When each invoice's failed attempts were, from its events.
        self.failed_at: dict[str, set[int]] = {}
        self._when: dict[str, tuple[int, int]] = {}

    def take(self, event: EventData) -> bool:
        """Keep what a billing event says; False for any other event."""
        target = event.invoice or event.subscription
        if target is None:
            return False
        if event.invoice is not None:
            self.relist.add(event.invoice.customer)
            if event.type in PAYMENT_EVENTS:
                self.paid_or_failed.add(event.invoice.id)
            if event.type == "invoice.payment_failed":
                self.failed_at.setdefault(event.invoice.id, set()).add(event.created)
            stage = (
                3
                if event.type == "invoice.deleted"
                else _INVOICE_STAGE.get(event.invoice.status, 2)
            )
        else:
            stage = 2 if event.type.endswith(".deleted") else 1
        when = (event.created, stage)
        if when < self._when.get(target.id, (0, 0)):
            return True
        self._when[target.id] = when
        if event.type == "invoice.deleted":
            self.deleted_invoices.add(target.id)
            self.invoices.pop(target.id, None)
        elif event.invoice is not None:
            self.invoices[target.id] = event.invoice
        elif event.subscription is not None:
            self.subscriptions[target.id] = event.subscription
        return True


def history_start(now_: datetime, months: int) -> datetime:
    """`months` calendar months before `now_` (the day clamped to the month's length)."""
    index = now_.year * 12 + now_.month - 1 - months
    year, month = divmod(index, 12)
    for day in range(now_.day, 0, -1):
        try:
            return now_.replace(year=year, month=month + 1, day=day)
        except ValueError:
            continue
    raise AssertionError("unreachable")

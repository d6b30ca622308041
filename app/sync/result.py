"""What a sync reports while it runs (`SyncProgress`: progress, what may be shown, cancel)
and when it ends (`SyncResult`)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal


class SyncProgress:
    """Progress and cancellation, shared between the sync and whoever shows it.

    The sync calls `set_progress`; the caller may call `request_interruption` from any
    thread. `on_change` is called from the sync's thread: a window must forward it to its
    own thread (through a signal), never touch widgets from it.
    """

    def __init__(
        self,
        on_change: Callable[[str, int, int | None], None] | None = None,
        on_written: Callable[[bool], None] | None = None,
    ) -> None:
        self.phase = ""
        self.done = 0
        self.total: int | None = None
        self._on_change = on_change
        self._on_written = on_written
        self._interrupt = threading.Event()

    def set_progress(self, phase: str, done: int, total: int | None) -> None:
        self.phase, self.done, self.total = phase, done, total
        if self._on_change:
            self._on_change(phase, done, total)

    def written(self, *, whole: bool) -> None:
        """What the sync wrote so far may be shown: a page of the first pass, or (`whole`)
        all of it (every customer with its default card; then the billing history). Called
        from the sync's threads, like `on_change`."""
        if self._on_written:
            self._on_written(whole)

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
    #: InvoicePayments read (none where the API has none: the emulator).
    invoice_payments: int = 0
    requests: int = 0
    seconds: float = 0.0
    cancelled: bool = False
    reason: str = ""
    refetched: set[str] = field(default_factory=set)
    #: Objects from Stripe that did not convert: left out, logged, listed by `doctor`.
    skipped: int = 0

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
        if self.skipped:
            text += (
                f"; {self.skipped} object{'' if self.skipped == 1 else 's'} skipped: see the log"
            )
        return f"{text} ({self.requests} requests, {self.seconds:.1f} s)"

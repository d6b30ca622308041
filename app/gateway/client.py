"""The Gateway: typed, rate-limited requests to Stripe for one key.

It turns Stripe objects into our records (through `convert`), spaces requests under a
client-side rate limit, retries 429 answers with back-off (reusing the same idempotency key
for writes), and turns Stripe's exceptions into one-sentence KnownErrors (`sending`). Every
request has a deadline (`transport`), and every list is followed through `paging`, which
stops a list whose pages do not advance. Its reads are in `reads` (customers, cards, events)
and `billing_reads` (invoices, subscriptions, InvoicePayments), its writes in `writes`.
"""

from __future__ import annotations

from app.gateway.billing_reads import (
    INVOICE_PAYMENT_EXPAND,
    INVOICE_PAYMENTS_ROUTE,
    PAYMENT_EVENTS,
    BillingReads,
)
from app.gateway.reads import (
    BILLING_EVENTS,
    CARD_EVENTS,
    CLOCK_SKEW,
    DEFAULT_CARD_EXPAND,
    EVENT_TYPES,
    TYPES_FILTER,
    Reads,
)
from app.gateway.sending import CARDS_ROUTE, DEFAULT_RATE, PAGE
from app.gateway.writes import Writes

__all__ = [
    "BILLING_EVENTS",
    "CARDS_ROUTE",
    "CARD_EVENTS",
    "CLOCK_SKEW",
    "DEFAULT_CARD_EXPAND",
    "DEFAULT_RATE",
    "EVENT_TYPES",
    "INVOICE_PAYMENTS_ROUTE",
    "INVOICE_PAYMENT_EXPAND",
    "PAGE",
    "PAYMENT_EVENTS",
    "TYPES_FILTER",
    "Gateway",
]


class Gateway(Writes, BillingReads, Reads):
    """Typed, rate-limited access to the Stripe API for one key.

    Args:
        timeout: seconds to connect, and the most any one read may wait.
        deadline: seconds one request may take in all, network retries included.
    """

"""Reads of the billing cache: a customer's subscriptions and invoices, the cards declined.
"Needs attention" for every customer at once is read by `attention_queries`, which this module
names for its callers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, cast

from peewee import (
    JOIN,
    Select,
    fn,
)

from app.billing.rules import (
    BILLABLE,
)
from app.cache import attention_queries
from app.cache.attention_queries import _label, _Paying, _raw
from app.cache.models import Card, FailedPayment, Invoice, Subscription
from app.records import (
    InvoiceRow,
    SubscriptionRow,
)

#: The columns behind SubscriptionData and InvoiceData (a Stripe id first), in field order.
SUBSCRIPTION_COLUMNS = (
    Subscription.stripe_id,
    Subscription.customer,
    Subscription.status,
    Subscription.description,
    Subscription.amount,
    Subscription.currency,
    Subscription.interval,
    Subscription.interval_count,
    Subscription.current_period_end,
    Subscription.cancel_at_period_end,
    Subscription.trial_end,
    Subscription.default_payment_method,
    Subscription.default_source,
    Subscription.created,
)
INVOICE_COLUMNS = (
    Invoice.stripe_id,
    Invoice.number,
    Invoice.customer,
    Invoice.subscription,
    Invoice.status,
    Invoice.amount_due,
    Invoice.amount_paid,
    Invoice.amount_remaining,
    Invoice.currency,
    Invoice.created,
    Invoice.due_date,
    Invoice.paid_at,
    Invoice.attempt_count,
    Invoice.next_payment_attempt,
    Invoice.payment_method,
    Invoice.card_label,
    Invoice.failure_message,
    Invoice.hosted_invoice_url,
    Invoice.failure_code,
    Invoice.decline_code,
    Invoice.failed_at,
)
_CARD_LABEL = [c.name for c in INVOICE_COLUMNS].index("card_label")


def _tuples(query: Select) -> list[tuple[Any, ...]]:
    return cast(list[tuple[Any, ...]], list(query.tuples()))


#: "Needs attention" (`attention_queries`).
needs_attention = attention_queries.needs_attention
attention_ranking = attention_queries.attention_ranking
ranking_query = attention_queries.ranking_query


def subscriptions_of(customer_id: str, today: date | None = None) -> list[SubscriptionRow]:
    """The customer's subscriptions, the ones still billed first, each with the card that
    will pay it."""
    paying = _Paying.on(today or date.today())
    billed = Subscription.status.in_(BILLABLE)
    query = (
        paying.select(
            *SUBSCRIPTION_COLUMNS,
            paying.payer,
            Card.card_type,
            Card.last_four,
            paying.expired,
            paying.expires_before_renewal,
        )
        .where(Subscription.customer == customer_id)
        .order_by(billed.desc(), Subscription.created.desc(), Subscription.id)
    )
    width = len(SUBSCRIPTION_COLUMNS)
    return [
        SubscriptionRow(
            *row[:width],
            *[
                row[width],  # payment_method
                _label(row[width + 1], row[width + 2]),
                bool(row[width + 3]),  # card_expired
                bool(row[width + 4]) and not row[width + 3],  # card_expires_before_renewal
            ],
        )
        for row in _tuples(query)
    ]


def invoice(stripe_id: str) -> InvoiceRow | None:
    """One cached invoice, or None."""
    rows = invoices_of("", where=Invoice.stripe_id == stripe_id)
    return rows[0] if rows else None


def invoices_of(
    customer_id: str, limit: int | None = None, *, where: Any = None
) -> list[InvoiceRow]:
    """The customer's invoices, newest first (`where`: those matching it instead)."""
    query = (
        Invoice.select(*INVOICE_COLUMNS, Card.card_type, Card.last_four)
        .join(Card, JOIN.LEFT_OUTER, on=(Card.stripe_payment_method_id == Invoice.payment_method))
        .where(Invoice.customer == customer_id if where is None else where)
        .order_by(Invoice.created.desc(), Invoice.id.desc())
    )
    if limit:
        query = query.limit(limit)
    width = len(INVOICE_COLUMNS)
    out = []
    for row in _tuples(query):
        label = row[_CARD_LABEL] or _label(row[width], row[width + 1])
        out.append(InvoiceRow(*row[:width], *[label]))
    return out


def declined_cards(customer_id: str) -> dict[str, datetime]:
    """The customer's cards a payment last failed on, and when: the newest failed attempt on
    each, unless an invoice was paid with that card since. Two small queries."""
    failed = (
        FailedPayment.select(FailedPayment.payment_method, fn.MAX(FailedPayment.at))
        .join(Invoice, on=(Invoice.stripe_id == FailedPayment.invoice))
        .where(Invoice.customer == customer_id, FailedPayment.payment_method.is_null(False))
        .group_by(FailedPayment.payment_method)
    )
    paid = (
        Invoice.select(Invoice.payment_method, fn.MAX(Invoice.paid_at))
        .where(
            Invoice.customer == customer_id,
            Invoice.status == "paid",
            Invoice.payment_method.is_null(False),
        )
        .group_by(Invoice.payment_method)
    )
    paid_at = {pm: when for pm, when in _raw(paid)}
    out = {}
    for pm, when in _raw(failed):
        if paid_at.get(pm) is None or paid_at[pm] < when:
            out[pm] = FailedPayment.at.python_value(when)
    return out


def invoice_states(stripe_ids: list[str]) -> dict[str, tuple[str, int]]:
    """(status, attempt count) of these invoices as the cache holds them."""
    query = Invoice.select(Invoice.stripe_id, Invoice.status, Invoice.attempt_count).where(
        Invoice.stripe_id.in_(stripe_ids)
    )
    return {row[0]: (row[1], row[2]) for row in _tuples(query)}

"""Writes of billing to the cache: subscriptions, invoices, what InvoicePayments say of them,
the failed attempts. Every function here is called inside the caller's transaction;
`store` names them for its callers."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from operator import attrgetter
from typing import Any

from peewee import EXCLUDED, Case, Field, fn

from app.cache import paying
from app.cache.bulk import later, room_for, upsert_values
from app.cache.models import BaseModel, FailedPayment, Invoice, Subscription, UtcField
from app.cards import month_index
from app.records import InvoiceData, InvoicePaymentData, SubscriptionData


def upsert_subscriptions(rows: Sequence[SubscriptionData], seen_at: datetime) -> None:
    """Insert or update subscriptions as Stripe describes them now."""
    latest = _latest(rows)
    fields, values = _record_values(Subscription, latest)
    at = seen_at.timestamp()
    states = paying.stored_state(latest)
    for s, row, state in zip(latest, values, states, strict=True):
        end = s.current_period_end
        row += [month_index(end.year, end.month) if end else None, at, *state]
    with room_for(len(values)):
        upsert_values(
            Subscription,
            [*fields, Subscription.period_end_month, Subscription.seen_at, *paying.COLUMNS],
            values,
            conflict_target=[Subscription.stripe_id],
            update={Subscription.seen_at: later(Subscription.seen_at)},
        )


def upsert_invoices(rows: Sequence[InvoiceData], seen_at: datetime) -> None:
    """Insert or update invoices as Stripe describes them now. What Stripe no longer says
    (the card tried, the failure) is kept when it said it before: a later snapshot of the
    same invoice (paid, or listed without its charge) does not erase the card it was tried on.
    """
    kept = (Invoice.payment_method, Invoice.card_label)
    # The failure's fields go together: a snapshot with no failure keeps the last one whole.
    failure = (Invoice.failure_message, Invoice.failure_code, Invoice.decline_code)
    no_failure = EXCLUDED[Invoice.failure_message.column_name].is_null()
    latest = _latest(rows)
    fields, values = _record_values(Invoice, latest)
    at = seen_at.timestamp()
    with room_for(len(values)):
        upsert_values(
            Invoice,
            [*fields, Invoice.seen_at],
            [[*row, at] for row in values],
            conflict_target=[Invoice.stripe_id],
            update={
                Invoice.seen_at: later(Invoice.seen_at),
                **{f: fn.COALESCE(EXCLUDED[f.column_name], f) for f in kept},
                **{f: Case(None, [(no_failure, f)], EXCLUDED[f.column_name]) for f in failure},
                Invoice.failed_at: fn.COALESCE(EXCLUDED["failed_at"], Invoice.failed_at),
            },
        )
    record_failures((i.id, i.failed_at, i.payment_method) for i in latest if i.failed_at)


def record_failures(attempts: Iterable[tuple[str, datetime, str | None]]) -> None:
    """Failed attempts (invoice, when, card tried), each kept once."""
    rows = [{"invoice": i, "at": at, "payment_method": pm} for i, at, pm in attempts]
    if rows:
        FailedPayment.insert_many(rows).on_conflict_ignore().execute()


def apply_invoice_payments(
    payments: Sequence[InvoicePaymentData],
    failed_at: Mapping[str, Iterable[datetime]] | None = None,
) -> None:
    """What InvoicePayments say of the invoices the cache holds: the card that paid, else
    the card last tried and why it failed. `failed_at`: when an invoice's attempts failed,
    where events said it; else the failing payment's creation (its first attempt). The
    invoice keeps the latest failure time it knows."""
    by_invoice: dict[str, list[InvoicePaymentData]] = {}
    for payment in payments:
        by_invoice.setdefault(payment.invoice, []).append(payment)
    attempts: list[tuple[str, datetime, str | None]] = []
    for invoice, listed in by_invoice.items():
        chosen = _telling(listed)
        changes: dict[Field, Any] = {}
        if chosen.payment_method:
            changes[Invoice.payment_method] = chosen.payment_method
        if chosen.card_label:
            changes[Invoice.card_label] = chosen.card_label
        times = sorted((failed_at or {}).get(invoice, ())) or [
            t for t in [chosen.created] if t is not None
        ]
        if chosen.failed:
            changes[Invoice.failure_message] = chosen.failure_message
            changes[Invoice.failure_code] = chosen.failure_code
            changes[Invoice.decline_code] = chosen.decline_code
            if times:
                changes[Invoice.failed_at] = _later_time(times[-1])
            attempts.extend((invoice, when, chosen.payment_method) for when in times)
        if changes:
            Invoice.update(changes).where(Invoice.stripe_id == invoice).execute()
    # Only the invoices the cache holds (an older payment's invoice is past the history).
    held = Invoice.select(Invoice.stripe_id).where(Invoice.stripe_id.in_([a[0] for a in attempts]))
    known = {i.stripe_id for i in held} if attempts else set()
    record_failures(a for a in attempts if a[0] in known)


def _later_time(when: datetime) -> Any:
    """The later of `when` and the invoice's stored failure time."""
    value = when.timestamp()
    return Case(
        None,
        [(Invoice.failed_at.is_null() | (Invoice.failed_at < value), value)],
        Invoice.failed_at,
    )


def _telling(payments: list[InvoicePaymentData]) -> InvoicePaymentData:
    """The payment that says most of an invoice: the one that paid, else the newest failed
    one, else the newest."""

    def rank(p: InvoicePaymentData) -> tuple[int, int, float]:
        when = p.paid_at or p.created
        return (p.status == "paid", p.failed, when.timestamp() if when else 0.0)

    return max(payments, key=rank)


def _latest(rows: Sequence[Any]) -> list[Any]:
    """One row per id (the last given wins): one INSERT must not name a row twice."""
    return list({row.id: row for row in rows}.values())


def _record_values(
    model: type[BaseModel], records: Sequence[Any]
) -> tuple[list[Field], list[list[Any]]]:
    """The record fields that the model has a column of the same name for (a record's `id`
    is the Stripe id), and each record's database values of them. Made a list of values per
    record, not a mapping per record: hashing Peewee's fields took most of writing 3,000,000
    invoices."""
    if not records:
        return [], []
    columns = model._meta.fields
    names = [f.name for f in dataclasses.fields(records[0]) if f.name in columns and f.name != "id"]
    fields = [columns["stripe_id"], *(columns[name] for name in names)]
    times = [n for n, field in enumerate(fields) if isinstance(field, UtcField)]
    read = attrgetter("id", *names)
    values = []
    for record in records:
        row = list(read(record))
        for n in times:
            row[n] = fields[n].db_value(row[n])
        values.append(row)
    return fields, values


def delete_invoices(stripe_ids: Sequence[str]) -> None:
    """Draft invoices Stripe deleted."""
    if stripe_ids:
        Invoice.delete().where(Invoice.stripe_id.in_(list(stripe_ids))).execute()
        FailedPayment.delete().where(FailedPayment.invoice.in_(list(stripe_ids))).execute()


def drop_unseen_billing(started: datetime) -> None:
    """After a completed full sync: subscriptions Stripe no longer lists, and invoices it no
    longer lists within the history window (older ones included) leave the cache."""
    Subscription.delete().where(Subscription.seen_at < started).execute()
    Invoice.delete().where(Invoice.seen_at < started).execute()
    held = Invoice.select(Invoice.stripe_id)
    FailedPayment.delete().where(FailedPayment.invoice.not_in(held)).execute()

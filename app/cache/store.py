"""Writes to the cache. Every function here is called inside the caller's transaction."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from operator import attrgetter
from typing import Any, Literal

from peewee import EXCLUDED, JOIN, Field, SqliteDatabase, fn

from app import platform
from app.cache import chain, customer_write, paying, search_index
from app.cache.bulk import later, room_for, upsert_values
from app.cache.models import (
    AuditEntry,
    BaseModel,
    Card,
    Customer,
    Invoice,
    SkippedObject,
    Subscription,
    SyncState,
    UtcField,
    now,
)
from app.cards import month_index
from app.records import Action, CardData, CustomerData, InvoiceData, Skipped, SubscriptionData
from app.untrusted import message

#: An audit entry's outcome: "intent" is written before Stripe is asked; then the outcome
#: names it: done, refused (by Stripe or the operator), failed (Stripe unreachable), or
#: "not done" when a sync found the change absent from Stripe.
Outcome = Literal["intent", "ok", "refused", "failed", "not done"]


def write_customers(
    customers: Sequence[CustomerData],
    cards: Mapping[str, Sequence[CardData]],
    seen_at: datetime,
    *,
    complete: bool,
    whole: bool = False,
    cards_pending: bool = False,
) -> dict[str, int]:
    """Insert or update customers and their cards, each row once; their cache ids by Stripe
    id. `whole`: the lists are the customers' whole card lists, which clears their
    `cards_pending` mark; `cards_pending`: the mark of a customer new to the cache (see
    `customer_write.write_customers`)."""
    return customer_write.write_customers(
        customers, cards, seen_at, complete=complete, whole=whole, cards_pending=cards_pending
    )


def upsert_customers(
    rows: Sequence[CustomerData], seen_at: datetime, *, cards_pending: bool = False
) -> dict[str, int]:
    """Insert or update customers, their stored cards kept; their cache ids by Stripe id.

    With `cards_pending`, a customer new to the cache is marked as having its cards still to
    come (a full sync's first pass); a customer already cached keeps its mark, which only a
    write of its whole card list clears."""
    return write_customers(rows, {}, seen_at, complete=False, cards_pending=cards_pending)


def upsert_cards(
    cards_by_customer: Mapping[str, Sequence[CardData]],
    ids: Mapping[str, int],
    seen_at: datetime,
    *,
    complete: bool,
) -> None:
    """Write the cards of customers already in the cache (`ids`, as `upsert_customers`
    returned them) as Stripe listed them. Writing a customer and its cards in one
    `write_customers` writes the customer's row once instead of twice."""
    write_customers(
        [],
        {c: cards for c, cards in cards_by_customer.items() if c in ids},
        seen_at,
        complete=complete,
    )


customer_ids = customer_write.customer_ids
refresh_summaries = customer_write.refresh_summaries


def deactivate_unseen(started: datetime) -> tuple[int, int]:
    """After a completed full sync: what Stripe no longer has is marked deleted/inactive."""
    gone = Customer.update(deleted=True).where(Customer.seen_at < started, ~Customer.deleted)
    customers_gone = gone.execute()
    stale_cards = (
        Card.select(Card.id)
        .join(Customer, JOIN.INNER)
        .where(Card.is_active, (Card.seen_at < started) | Customer.deleted)
    )
    affected = [
        c.customer_id for c in Card.select(Card.customer).where(Card.id.in_(stale_cards)).distinct()
    ]
    cards_gone = (
        Card.update(is_active=False, is_default=False, updated_at=now())
        .where(Card.id.in_([c.id for c in stale_cards]))
        .execute()
    )
    refresh_summaries(affected)
    return customers_gone, cards_gone


def mark_customer_deleted(stripe_id: str, at: datetime) -> None:
    customer = Customer.get_or_none(Customer.stripe_id == stripe_id)
    if customer is None:
        return
    Customer.update(deleted=True, synced_at=at).where(Customer.id == customer.id).execute()
    Card.update(is_active=False, is_default=False, updated_at=at).where(
        Card.customer == customer.id, Card.is_active
    ).execute()
    refresh_summaries([customer.id])


def ensure_sync_state() -> SyncState:
    """The sync state row, created on first use (the queries' `sync_state` only reads it)."""
    state: SyncState = SyncState.get_or_create(id=1)[0]
    return state


def full_sync_finished(server_time: int, seen: Iterable[str] = ()) -> None:
    """A completed full sync: the next incremental sync starts from `server_time`, skipping
    the events of that second that were `seen` before the sync read anything."""
    SyncState.update(
        event_cursor=None,
        event_cursor_created=server_time,
        cursor_event_ids=json.dumps(sorted(seen)),
        last_full_sync=now(),
        last_sync=now(),
    ).where(SyncState.id == 1).execute()


def events_applied(cursor: str | None, created: int, ids_at_created: Iterable[str]) -> None:
    """Events up to `created` are applied; `ids_at_created` are those of that very second,
    which the next sync lists again (`created[gte]`) and skips."""
    SyncState.update(
        event_cursor=cursor,
        event_cursor_created=created,
        cursor_event_ids=json.dumps(sorted(ids_at_created)),
        last_sync=now(),
    ).where(SyncState.id == 1).execute()


def card_detached(pm_id: str, customer_id: str, at: datetime) -> None:
    """Stripe detached `pm_id` from `customer_id`; Stripe leaves a customer whose default was
    detached with no default."""
    Customer.update(default_payment_method=None).where(
        Customer.stripe_id == customer_id, Customer.default_payment_method == pm_id
    ).execute()
    ids = customer_ids([customer_id])
    if customer_id in ids:
        Card.update(is_active=False, is_default=False, updated_at=at).where(
            Card.stripe_payment_method_id == pm_id
        ).execute()
        refresh_summaries([ids[customer_id]])


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
    kept = (Invoice.payment_method, Invoice.card_label, Invoice.failure_message)
    fields, values = _record_values(Invoice, _latest(rows))
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
            },
        )


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


def drop_unseen_billing(started: datetime) -> None:
    """After a completed full sync: subscriptions Stripe no longer lists, and invoices it no
    longer lists within the history window (older ones included) leave the cache."""
    Subscription.delete().where(Subscription.seen_at < started).execute()
    Invoice.delete().where(Invoice.seen_at < started).execute()


def keep_skipped(skipped: Sequence[Skipped], started: datetime) -> None:
    """Before a full sync removes what it did not see: what it skipped is not gone from
    Stripe, so the cache keeps it as it was (a skipped customer's cards with it)."""
    ids: dict[str, list[str]] = {}
    for item in skipped:
        ids.setdefault(item.kind, []).append(item.id)
    for kind, model, column in (
        ("customer", Customer, Customer.stripe_id),
        ("card", Card, Card.stripe_payment_method_id),
        ("invoice", Invoice, Invoice.stripe_id),
        ("subscription", Subscription, Subscription.stripe_id),
    ):
        for chunk in _chunks(ids.get(kind, [])):
            model.update(seen_at=started).where(column.in_(chunk)).execute()
    for chunk in _chunks(ids.get("customer", [])):
        owners = Customer.select(Customer.id).where(Customer.stripe_id.in_(chunk))
        Card.update(seen_at=started).where(Card.customer.in_(owners)).execute()


def record_skipped(skipped: Sequence[Skipped], at: datetime, *, whole: bool) -> None:
    """What a sync skipped, for `doctor`. `whole`: a completed full sync read everything
    again, so what it did not skip is forgotten."""
    if whole:
        SkippedObject.delete().execute()
    for item in skipped:
        SkippedObject.delete().where(
            SkippedObject.kind == item.kind, SkippedObject.stripe_id == item.id
        ).execute()
    rows = [
        {"kind": s.kind[:32], "stripe_id": s.id[:255], "reason": s.reason, "at": at}
        for s in {(s.kind, s.id): s for s in skipped}.values()
    ]
    for chunk in _chunks(rows):
        SkippedObject.insert_many(chunk).execute()


def _chunks(items: Sequence[Any], size: int = 200) -> list[Sequence[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def bump_version() -> None:
    """The end of a write: the search index catches up, and windows learn of the change."""
    search_index.catch_up(SyncState._meta.database.obj)
    SyncState.update(version=SyncState.version + 1).where(SyncState.id == 1).execute()


def operator() -> str:
    """The operating system account running us (`app.platform.operator`)."""
    return platform.operator()


#: The key of the PostgreSQL advisory lock that serialises appends to the audit chain.
AUDIT_LOCK = 0x6175_6469


def audit(
    profile: str,
    action: Action,
    target: str,
    outcome: Outcome,
    *,
    customer: str | None = None,
    detail: str | dict[str, object] = "",
    intent: int | None = None,
) -> int:
    """Append an entry to the audit log, chained to the one before; its id.

    Inside the caller's transaction: on SQLite that holds the write lock already (BEGIN
    IMMEDIATE); on PostgreSQL several desktops append at once, so the chain's tail is read
    under an advisory lock held until the transaction ends."""
    db = AuditEntry._meta.database
    sqlite = isinstance(db.obj, SqliteDatabase)
    if not sqlite:
        db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (AUDIT_LOCK,))
    last = AuditEntry.select(AuditEntry.hash).order_by(AuditEntry.id.desc()).first()
    previous = last.hash if last else ""
    entry: dict[str, Any] = {
        "at": now(),
        "operator": operator(),
        "db_role": None if sqlite else db.execute_sql("SELECT current_user").fetchone()[0],
        "profile": profile,
        "action": str(action),
        "target": target,
        "customer": customer,
        "outcome": outcome,
        # The detail may quote Stripe's text or a name: one line, no secrets, bounded.
        "detail": message(
            detail if isinstance(detail, str) else json.dumps(detail, ensure_ascii=False)
        ),
        "intent": intent,
    }
    return int(
        AuditEntry.insert(
            **entry, prev_hash=previous, hash=chain.entry_hash(previous, entry)
        ).execute()
    )

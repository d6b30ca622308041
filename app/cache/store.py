"""Writes to the cache. Every function here is called inside the caller's transaction."""

from __future__ import annotations

import json
import os
import pwd
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Literal, cast

from peewee import EXCLUDED, JOIN, Field, SqliteDatabase, fn

from app.cache import chain, search_index
from app.cache.bulk import BATCH, bulk_upsert, later, update_by_id
from app.cache.models import (
    AuditEntry,
    BaseModel,
    Card,
    Customer,
    Invoice,
    Subscription,
    SyncState,
    fold,
    now,
)
from app.cards import display_name, month_index
from app.records import Action, CardData, CustomerData, InvoiceData, SubscriptionData
from app.untrusted import message

#: An audit entry's outcome: "intent" is written before Stripe is asked; then the outcome
#: names it: done, refused (by Stripe or the operator), failed (Stripe unreachable), or
#: "not done" when a sync found the change absent from Stripe.
Outcome = Literal["intent", "ok", "refused", "failed", "not done"]


def _ts(seconds: int | None) -> datetime | None:
    return datetime.fromtimestamp(seconds, UTC) if seconds else None


def _search_key(name: str, email: str, stripe_id: str, last_fours: Iterable[str]) -> str:
    return fold(" ".join([name, email, stripe_id, *last_fours]))


def upsert_customers(
    rows: Sequence[CustomerData], seen_at: datetime, *, cards_pending: bool = False
) -> dict[str, int]:
    """Insert or update customers; return their cache ids by Stripe id.

    With `cards_pending`, a customer new to the cache is marked as having its cards still to
    come (a full sync's first pass); a customer already cached keeps its mark, which only
    `cards_listed` clears."""
    db = Customer._meta.database.obj
    before = search_index.last_id(db)
    bulk_upsert(
        Customer,
        [
            {
                Customer.stripe_id: c.id,
                Customer.name: c.name,
                Customer.email: c.email,
                Customer.default_payment_method: c.default_payment_method,
                Customer.deleted: c.deleted,
                Customer.created: _ts(c.created),
                Customer.synced_at: seen_at,
                Customer.seen_at: seen_at,
                Customer.search_key: _search_key(c.name, c.email, c.id, ()),
                Customer.cards_pending: cards_pending,
            }
            for c in rows
        ],
        conflict_target=[Customer.stripe_id],
        update={Customer.seen_at: later(Customer.seen_at)},
        # Recomputed with the cards' last fours by refresh_summaries.
        keep_stored=[Customer.search_key, Customer.cards_pending],
    )
    search_index.note_new(db, before)
    return customer_ids([c.id for c in rows])


def customer_ids(stripe_ids: Sequence[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for start in range(0, len(stripe_ids), BATCH):
        chunk = stripe_ids[start : start + BATCH]
        query = Customer.select(Customer.id, Customer.stripe_id).where(
            Customer.stripe_id.in_(chunk)
        )
        out.update({c.stripe_id: c.id for c in query})
    return out


def upsert_cards(
    cards_by_customer: Mapping[str, Sequence[CardData]],
    ids: dict[str, int],
    seen_at: datetime,
    *,
    complete: bool,
) -> None:
    """Write each customer's cards as Stripe listed them.

    With `complete`, a card of those customers that Stripe did not list is marked inactive
    at once: the caller has that customer's whole, current list (an incremental re-fetch).
    A full sync passes False and deactivates only after it has finished.
    """
    rows = []
    for stripe_id, cards in cards_by_customer.items():
        for card in cards:
            rows.append(
                {
                    Card.stripe_payment_method_id: card.id,
                    Card.customer: ids[stripe_id],
                    Card.card_type: card.card_type[:20],
                    Card.last_four: card.last_four,
                    Card.exp_month: card.exp_month,
                    Card.exp_year: card.exp_year,
                    Card.country: card.country,
                    Card.funding: card.funding,
                    Card.is_active: True,
                    Card.created_at: _ts(card.created) or seen_at,
                    Card.updated_at: seen_at,
                    Card.seen_at: seen_at,
                }
            )
    bulk_upsert(
        Card,
        rows,
        conflict_target=[Card.stripe_payment_method_id],
        update={Card.seen_at: later(Card.seen_at)},
        keep_stored=[Card.created_at],
    )
    if complete and cards_by_customer:
        cache_ids = [ids[s] for s in cards_by_customer]
        Card.update(is_active=False, is_default=False, updated_at=seen_at).where(
            Card.customer.in_(cache_ids), Card.seen_at < seen_at, Card.is_active
        ).execute()
    refresh_summaries([ids[s] for s in cards_by_customer])


def cards_listed(customer_ids_: Sequence[int]) -> None:
    """These customers' whole card lists are written: no more cards are coming."""
    for start in range(0, len(customer_ids_), BATCH):
        chunk = list(customer_ids_[start : start + BATCH])
        Customer.update(cards_pending=False).where(
            Customer.id.in_(chunk), Customer.cards_pending
        ).execute()


def refresh_summaries(customer_ids_: Sequence[int]) -> None:
    """Recompute default flags, card count, default label and search key of these customers.

    Two reads and two writes per BATCH customers, never a statement per customer: a full
    sync of 100,000 customers refreshes them all."""
    for start in range(0, len(customer_ids_), BATCH):
        chunk = list(customer_ids_[start : start + BATCH])
        customers = cast(
            list[tuple[Any, ...]],
            list(
                Customer.select(
                    Customer.id,
                    Customer.stripe_id,
                    Customer.name,
                    Customer.email,
                    Customer.default_payment_method,
                    Customer.search_key,
                )
                .where(Customer.id.in_(chunk))
                .tuples()
            ),
        )
        #: Active cards by customer: (card id, payment method id, brand, last four).
        cards: dict[int, list[tuple[int, str, str, str]]] = {c[0]: [] for c in customers}
        card_rows = cast(
            Iterable[tuple[Any, ...]],
            Card.select(
                Card.id,
                Card.customer,
                Card.stripe_payment_method_id,
                Card.card_type,
                Card.last_four,
            )
            .where(Card.customer.in_(chunk), Card.is_active)
            .order_by(Card.id)
            .tuples(),
        )
        for card_id, customer_id, pm_id, card_type, last_four in card_rows:
            cards[customer_id].append((card_id, pm_id, card_type, last_four))
        default_ids: list[int] = []
        summaries: list[tuple[int, str, str, int]] = []
        old_keys: list[tuple[int, str]] = []
        for cid, stripe_id, name, email, default_pm, old_key in customers:
            label = ""
            for card_id, pm_id, card_type, last_four in cards[cid]:
                if pm_id == default_pm:
                    label = display_name(card_type, last_four)
                    default_ids.append(card_id)
            last_fours = sorted({card[3] for card in cards[cid]})
            key = _search_key(name, email, stripe_id, last_fours)
            summaries.append((len(cards[cid]), label, key, cid))
            if key != old_key:
                old_keys.append((cid, old_key))
        search_index.note_changed(Customer._meta.database.obj, old_keys)
        update_by_id(
            Customer,
            [Customer.card_count, Customer.default_card_label, Customer.search_key],
            summaries,
        )
        Card.update(is_default=Card.id.in_(default_ids) if default_ids else False).where(
            Card.customer.in_(chunk)
        ).execute()


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


def full_sync_finished(server_time: int) -> None:
    """A completed full sync: the next incremental sync starts from `server_time`."""
    SyncState.update(
        event_cursor=None,
        event_cursor_created=server_time,
        cursor_event_ids="[]",
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
    bulk_upsert(
        Subscription,
        [
            {
                **_columns(Subscription, s, skip=("id",)),
                Subscription.period_end_month: month_index(
                    s.current_period_end.year, s.current_period_end.month
                )
                if s.current_period_end
                else None,
                Subscription.seen_at: seen_at,
            }
            for s in _latest(rows)
        ],
        conflict_target=[Subscription.stripe_id],
        update={Subscription.seen_at: later(Subscription.seen_at)},
    )


def upsert_invoices(rows: Sequence[InvoiceData], seen_at: datetime) -> None:
    """Insert or update invoices as Stripe describes them now. What Stripe no longer says
    (the card tried, the failure) is kept when it said it before: a later snapshot of the
    same invoice (paid, or listed without its charge) does not erase the card it was tried on.
    """
    kept = (Invoice.payment_method, Invoice.card_label, Invoice.failure_message)
    bulk_upsert(
        Invoice,
        [{**_columns(Invoice, i, skip=("id",)), Invoice.seen_at: seen_at} for i in _latest(rows)],
        conflict_target=[Invoice.stripe_id],
        update={
            Invoice.seen_at: later(Invoice.seen_at),
            **{f: fn.COALESCE(EXCLUDED[f.column_name], f) for f in kept},
        },
    )


def _latest(rows: Sequence[Any]) -> list[Any]:
    """One row per id (the last given wins): one INSERT must not name a row twice."""
    return list({row.id: row for row in rows}.values())


def _columns(model: type[BaseModel], record: Any, *, skip: Sequence[str]) -> dict[Field, Any]:
    """The record's fields that the model has a column of the same name for; its `id` is the
    Stripe id."""
    fields = model._meta.fields
    out: dict[Field, Any] = {fields["stripe_id"]: record.id}
    for name, value in vars(record).items():
        if name in fields and name not in skip:
            out[fields[name]] = value
    return out


def delete_invoices(stripe_ids: Sequence[str]) -> None:
    """Draft invoices Stripe deleted."""
    if stripe_ids:
        Invoice.delete().where(Invoice.stripe_id.in_(list(stripe_ids))).execute()


def drop_unseen_billing(started: datetime) -> None:
    """After a completed full sync: subscriptions Stripe no longer lists, and invoices it no
    longer lists within the history window (older ones included) leave the cache."""
    Subscription.delete().where(Subscription.seen_at < started).execute()
    Invoice.delete().where(Invoice.seen_at < started).execute()


def bump_version() -> None:
    """The end of a write: the search index catches up, and windows learn of the change."""
    search_index.catch_up(SyncState._meta.database.obj)
    SyncState.update(version=SyncState.version + 1).where(SyncState.id == 1).execute()


def operator() -> str:
    """The operating system account running us, from the user id: not LOGNAME or USER,
    which anyone can set to anything (another name, a line break)."""
    try:
        return pwd.getpwuid(os.getuid()).pw_name
    except KeyError:  # a uid with no passwd entry (some containers)
        return f"uid {os.getuid()}"


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

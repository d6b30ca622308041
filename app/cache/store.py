"""Writes to the cache. Every function here is called inside the caller's transaction."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Literal

from peewee import JOIN, SqliteDatabase

from app import platform
from app.cache import billing_write, chain, customer_write, search_index
from app.cache.models import (
    AuditEntry,
    Card,
    Customer,
    Invoice,
    SkippedObject,
    Subscription,
    SyncState,
    new_cache_id,
    now,
)
from app.records import (
    Action,
    CardData,
    CustomerData,
    Skipped,
)
from app.untrusted import message

#: An audit entry's outcome: "intent" is written before Stripe is asked; then the outcome
#: names it: done, refused (by Stripe or the operator), declined (a card was charged and said
#: no: the invoice changed), failed (Stripe unreachable), or "not done" when a sync found
#: the change absent from Stripe; "note": the sender's own outcome of an intent a sync had
#: settled already (kept, never a second outcome).
Outcome = Literal["intent", "ok", "refused", "declined", "failed", "not done", "note"]

#: Customers and their cards (`customer_write`), billing (`billing_write`).
write_customers = customer_write.write_customers
customer_ids = customer_write.customer_ids
refresh_summaries = customer_write.refresh_summaries
upsert_subscriptions = billing_write.upsert_subscriptions
upsert_invoices = billing_write.upsert_invoices
record_failures = billing_write.record_failures
apply_invoice_payments = billing_write.apply_invoice_payments
delete_invoices = billing_write.delete_invoices
drop_unseen_billing = billing_write.drop_unseen_billing


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


def cache_id() -> str:
    """This cache's random id (`SyncState.cache_id`), made if a cache somehow lacks it."""
    state = ensure_sync_state()
    if not state.cache_id:
        SyncState.update(cache_id=new_cache_id()).where(
            SyncState.id == 1, SyncState.cache_id.is_null()
        ).execute()
        state = ensure_sync_state()
    return str(state.cache_id)


def idempotency_key(cache: str, intent: int) -> str:
    """The Idempotency-Key of the write an intent announces: unique to this cache and intent,
    the same however often that one write is retried."""
    return f"billing-admin-{cache}-{intent}"


def intend(
    profile: str,
    action: Action,
    target: str,
    *,
    customer: str | None = None,
    detail: Mapping[str, object] | None = None,
) -> tuple[int, str]:
    """Append an operation's intent that carries the Idempotency-Key of its write to Stripe
    (`idempotency_key` in its JSON detail, beside `detail`); its id and that key.

    The key names the intent's own id, so `audit` takes the id before it writes the entry,
    under the lock it appends under."""
    written = audit(
        profile, action, target, "intent", customer=customer, detail=dict(detail or {}), keyed=True
    )
    return written, idempotency_key(cache_id(), written)


def _settled(intent: int) -> bool:
    """Whether an outcome (not a note) names the intent already."""
    return bool(
        AuditEntry.select(AuditEntry.id)
        .where(AuditEntry.intent == intent, AuditEntry.outcome != "note")
        .exists()
    )


def audit(
    profile: str,
    action: Action,
    target: str,
    outcome: Outcome,
    *,
    customer: str | None = None,
    detail: str | Mapping[str, object] = "",
    intent: int | None = None,
    keyed: bool = False,
) -> int:
    """Append an entry to the audit log, chained to the one before; its id. `keyed`: the
    detail (a mapping) starts with the Idempotency-Key made from this entry's id (`intend`).

    Inside the caller's transaction: on SQLite that holds the write lock already (BEGIN
    IMMEDIATE); on PostgreSQL several desktops append at once, so the chain's tail is read
    under an advisory lock held until the transaction ends."""
    db = AuditEntry._meta.database
    sqlite = isinstance(db.obj, SqliteDatabase)
    if not sqlite:
        db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (AUDIT_LOCK,))
    last = AuditEntry.select(AuditEntry.id, AuditEntry.hash).order_by(AuditEntry.id.desc()).first()
    previous = last.hash if last else ""
    if intent is not None and outcome not in ("intent", "note") and _settled(intent):
        # A sync settled it already (from Stripe's events): the sender's own word is a note.
        said = detail if isinstance(detail, str) else json.dumps(dict(detail), ensure_ascii=False)
        outcome, detail = (
            "note",
            f"its sender's outcome, after a sync settled it: {outcome}"
            + (f": {said}" if said else ""),
        )
    entry_id: int | None = None
    if keyed:
        if not isinstance(detail, Mapping):
            raise TypeError("a keyed entry's detail is a mapping")
        # Under the lock: no other entry can be given this id, nor be chained in between.
        if sqlite:
            entry_id = (last.id if last else 0) + 1
        else:
            table = AuditEntry._meta.table_name
            entry_id = int(
                db.execute_sql(
                    "SELECT nextval(pg_get_serial_sequence(%s, 'id'))", (f'"{table}"',)
                ).fetchone()[0]
            )
        detail = {"idempotency_key": idempotency_key(cache_id(), entry_id), **detail}
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
            detail if isinstance(detail, str) else json.dumps(dict(detail), ensure_ascii=False)
        ),
        "intent": intent,
    }
    chained = {**entry, "prev_hash": previous, "hash": chain.entry_hash(previous, entry)}
    if entry_id is not None:
        chained["id"] = entry_id
    return int(AuditEntry.insert(**chained).execute())

"""Writes to the cache. Every function here is called inside the caller's transaction."""

from __future__ import annotations

import getpass
import json
import os
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from peewee import EXCLUDED, JOIN, SqliteDatabase, fn

from app.cache.models import AuditEntry, Card, Customer, SyncState, now
from app.cards import display_name
from app.gateway import CardData, CustomerData

BATCH = 400  # rows per INSERT: under SQLite's 32,766-variable limit with room to spare


def _ts(seconds: int | None) -> datetime | None:
    return datetime.fromtimestamp(seconds, UTC) if seconds else None


def _later(field: Any) -> Any:
    """On conflict, keep the later of the stored and the incoming time: when two syncs overlap
    (the window and a cron job), the one that started first must not make what the other saw
    look unseen, or the other would mark it removed."""
    greatest = (
        fn.GREATEST if not isinstance(field.model._meta.database.obj, SqliteDatabase) else fn.MAX
    )
    return greatest(field, EXCLUDED[field.column_name])


def _search_key(name: str, email: str, stripe_id: str, last_fours: Iterable[str]) -> str:
    return " ".join([name, email, stripe_id, *last_fours]).casefold()


def upsert_customers(rows: Sequence[CustomerData], seen_at: datetime) -> dict[str, int]:
    """Insert or update customers; return their cache ids by Stripe id."""
    for start in range(0, len(rows), BATCH):
        chunk = rows[start : start + BATCH]
        (
            Customer.insert_many(
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
                    }
                    for c in chunk
                ]
            )
            .on_conflict(
                conflict_target=[Customer.stripe_id],
                preserve=[
                    Customer.name,
                    Customer.email,
                    Customer.default_payment_method,
                    Customer.deleted,
                    Customer.created,
                    Customer.synced_at,
                ],
                update={Customer.seen_at: _later(Customer.seen_at)},
            )
            .execute()
        )
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
    cards_by_customer: dict[str, Sequence[CardData]],
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
                    Card.card_type: card.brand[:20],
                    Card.last_four: card.last4,
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
    for start in range(0, len(rows), BATCH):
        (
            Card.insert_many(rows[start : start + BATCH])
            .on_conflict(
                conflict_target=[Card.stripe_payment_method_id],
                preserve=[
                    Card.customer,
                    Card.card_type,
                    Card.last_four,
                    Card.exp_month,
                    Card.exp_year,
                    Card.country,
                    Card.funding,
                    Card.is_active,
                    Card.updated_at,
                ],
                update={Card.seen_at: _later(Card.seen_at)},
            )
            .execute()
        )
    if complete and cards_by_customer:
        cache_ids = [ids[s] for s in cards_by_customer]
        Card.update(is_active=False, is_default=False, updated_at=seen_at).where(
            Card.customer.in_(cache_ids), Card.seen_at < seen_at, Card.is_active
        ).execute()
    refresh_summaries([ids[s] for s in cards_by_customer])


def refresh_summaries(customer_ids_: Sequence[int]) -> None:
    """Recompute default flags, card count, default label and search key of these customers."""
    for start in range(0, len(customer_ids_), BATCH):
        chunk = list(customer_ids_[start : start + BATCH])
        customers = {
            c.id: c
            for c in Customer.select(
                Customer.id,
                Customer.stripe_id,
                Customer.name,
                Customer.email,
                Customer.default_payment_method,
            ).where(Customer.id.in_(chunk))
        }
        cards: dict[int, list[Card]] = {cid: [] for cid in customers}
        for card in (
            Card.select(
                Card.id,
                Card.customer,
                Card.stripe_payment_method_id,
                Card.card_type,
                Card.last_four,
                Card.is_default,
            )
            .where(Card.customer.in_(chunk), Card.is_active)
            .order_by(Card.id)
        ):
            cards[card.customer_id].append(card)
        default_ids: list[int] = []
        for cid, customer in customers.items():
            default = None
            for card in cards[cid]:
                if card.stripe_payment_method_id == customer.default_payment_method:
                    default = card
                    default_ids.append(card.id)
            Customer.update(
                card_count=len(cards[cid]),
                default_card_label=display_name(default.card_type, default.last_four)
                if default
                else "",
                search_key=_search_key(
                    customer.name,
                    customer.email,
                    customer.stripe_id,
                    sorted({c.last_four for c in cards[cid]}),
                ),
            ).where(Customer.id == cid).execute()
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


def sync_state() -> SyncState:
    state: SyncState = SyncState.get_or_create(id=1)[0]
    return state


def bump_version() -> None:
    SyncState.update(version=SyncState.version + 1).where(SyncState.id == 1).execute()


def operator() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid {os.getuid()}"


def audit(
    profile: str,
    action: str,
    target: str,
    outcome: str,
    *,
    customer: str | None = None,
    detail: str | dict[str, object] = "",
) -> None:
    AuditEntry.create(
        at=now(),
        operator=operator(),
        profile=profile,
        action=action,
        target=target,
        customer=customer,
        outcome=outcome,
        detail=detail if isinstance(detail, str) else json.dumps(detail, ensure_ascii=False),
    )


def customer_count() -> int:
    return int(Customer.select(fn.COUNT(Customer.id)).where(~Customer.deleted).scalar() or 0)

"""Writing customers with their cards, for `store`: each row written once, its default flag and
its customer's summary (card count, default card's label, search key, whether more cards are
to come) computed before the write from what is stored and what arrives.

Writing rows and then correcting them (the default flags, the summaries) cost a second write
of every row: on PostgreSQL a second version of each row in the table and in every index
(the first left behind until vacuum), and two thirds of the time of a large write."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from app.cache import paying, search_index
from app.cache.bulk import among, later, lookups_by_index, room_for, update_by_id, upsert_values
from app.cache.models import CARD_DETAILS, Card, Customer, fold, now
from app.cards import display_name
from app.records import CardData, CustomerData

#: Customers a batch: each batch reads what is stored of them, then writes them and their cards
#: in a few statements (under SQLite's 32,766 variables in a list of ids).
BATCH = 2000


def search_key(name: str, email: str, stripe_id: str, last_fours: Iterable[str]) -> str:
    return fold(" ".join([name, email, stripe_id, *last_fours]))


#: What a customer's row says of its cards: their count, the default card's label, the search
#: key (with their last fours), and whether more are still to come (`cards_pending`).
Summary = tuple[int, str, str, bool]


@dataclass(frozen=True)
class _StoredCustomer:
    id: int
    name: str
    email: str
    default_payment_method: str | None
    summary: Summary


@dataclass(frozen=True)
class _StoredCard:
    id: int
    customer_id: int
    payment_method: str
    card_type: str
    last_four: str
    is_active: bool
    is_default: bool
    seen_at: datetime


@dataclass
class _Batch:
    """What one batch of customers writes."""

    #: The values of CUSTOMER_COLUMNS for each customer given.
    customers: list[list[Any]]
    #: (card count, default label, search key, cards pending, customer id) of stored customers
    #: whose cards changed but who were not given themselves.
    summaries: list[tuple[int, str, str, bool, int]]
    #: (customer's Stripe id, card, is default) for every card given.
    cards: list[tuple[str, CardData, bool]]
    #: (is default, card id) of stored cards not given whose flag changes.
    flags: list[tuple[bool, int]]
    #: Stored cards that a customer's complete list no longer names.
    gone: list[int]
    #: (cache id, search key before) of stored customers whose key or name changes
    #: (`search_index`: it files keys in name order).
    old_keys: list[tuple[int, str]]


def write_customers(
    customers: Sequence[CustomerData],
    cards: Mapping[str, Sequence[CardData]],
    seen_at: datetime,
    *,
    complete: bool,
    whole: bool = False,
    cards_pending: bool = False,
) -> dict[str, int]:
    """Insert or update `customers`, and the cards of each customer in `cards` as Stripe
    listed them; return the cache ids of every customer named in either that the cache holds.

    A customer in `cards` need not be in `customers` (the stored one gets its cards), and one
    in `customers` need not be in `cards` (its stored cards stay). With `complete`, a stored
    card of a customer in `cards` that Stripe did not list is marked inactive at once: the
    caller has that customer's whole, current list (an incremental re-fetch). A full sync
    passes False and deactivates only after it has finished (`store.deactivate_unseen`).

    With `whole` (implied by `complete`), each list in `cards` is its customer's whole list:
    the customer's `cards_pending` mark is cleared in the same write. Otherwise a customer new
    to the cache gets `cards_pending` (a full sync's first pass: its default card alone) and
    a stored one keeps its mark.
    """
    given = {c.id: c for c in customers}  # the last given wins
    order = [*given, *(s for s in cards if s not in given)]
    ids: dict[str, int] = {}
    db = Customer._meta.database.obj
    before = search_index.last_id(db)
    with lookups_by_index(), room_for(len(order) + sum(len(held) for held in cards.values())):
        for start in range(0, len(order), BATCH):
            chunk = order[start : start + BATCH]
            stored = _stored_customers(among(Customer.stripe_id, chunk))
            ids.update(
                _write_batch(
                    chunk,
                    stored,
                    given,
                    cards,
                    seen_at,
                    complete=complete,
                    whole=whole or complete,
                    cards_pending=cards_pending,
                )
            )
    search_index.note_new(db, before)
    return ids


def refresh_summaries(customer_ids_: Sequence[int]) -> None:
    """Recompute the default flags and the summaries of these customers from their stored
    cards (after cards were marked inactive); only what changes is written."""
    with lookups_by_index():
        for start in range(0, len(customer_ids_), BATCH):
            chunk = list(customer_ids_[start : start + BATCH])
            stored = _stored_customers(among(Customer.id, chunk))
            _write_batch(list(stored), stored, {}, {}, now(), complete=False)


def _write_batch(
    chunk: list[str],
    stored: dict[str, _StoredCustomer],
    given: Mapping[str, CustomerData],
    cards: Mapping[str, Sequence[CardData]],
    seen_at: datetime,
    *,
    complete: bool,
    whole: bool = False,
    cards_pending: bool = False,
) -> dict[str, int]:
    stored_cards = _stored_cards([c.id for c in stored.values()])
    batch = _Batch([], [], [], [], [], [])
    for stripe_id in chunk:
        data, row = given.get(stripe_id), stored.get(stripe_id)
        if data is None and row is None:
            continue  # cards of a customer the cache does not hold
        listed = cards.get(stripe_id)
        if listed is not None and whole:
            pending = False  # its whole card list is written now
        else:
            pending = row.summary[3] if row else cards_pending
        _plan(
            batch,
            stripe_id,
            data,
            row,
            listed,
            stored_cards.get(row.id, []) if row else [],
            seen_at,
            complete=complete,
            pending=pending,
        )
    search_index.note_changed(Customer._meta.database.obj, batch.old_keys)
    at = seen_at.timestamp()
    ids = {stripe_id: row.id for stripe_id, row in stored.items()}
    ids |= upsert_values(
        Customer,
        CUSTOMER_COLUMNS,
        batch.customers,
        conflict_target=[Customer.stripe_id],
        update={Customer.seen_at: later(Customer.seen_at)},
        ids=True,
    )
    update_by_id(
        Customer,
        [
            Customer.card_count,
            Customer.default_card_label,
            Customer.search_key,
            Customer.cards_pending,
        ],
        batch.summaries,
    )
    upsert_values(
        Card,
        CARD_COLUMNS,
        [_card_row(card, ids[owner], default, at) for owner, card, default in batch.cards],
        conflict_target=[Card.stripe_payment_method_id],
        update={Card.seen_at: later(Card.seen_at)},
        keep_stored=[Card.created_at],
    )
    if batch.gone:
        Card.update(is_active=False, is_default=False, updated_at=seen_at).where(
            among(Card.id, batch.gone)
        ).execute()
    update_by_id(Card, [Card.is_default], batch.flags)
    paying.refresh_customers(list(ids.values()))
    return ids


def _plan(
    batch: _Batch,
    stripe_id: str,
    data: CustomerData | None,
    row: _StoredCustomer | None,
    listed: Sequence[CardData] | None,
    kept: list[_StoredCard],
    seen_at: datetime,
    *,
    complete: bool,
    pending: bool,
) -> None:
    """Add one customer's rows to `batch`: its active cards are those listed, and those stored
    and not listed unless the list is complete (then they are gone, unless a later sync saw
    them); `pending`, its `cards_pending` mark after the write."""
    if data is not None:
        name, email, default = data.name, data.email, data.default_payment_method
    else:
        assert row is not None
        name, email, default = row.name, row.email, row.default_payment_method
    latest = list({card.id: card for card in listed or ()}.values())
    active = [(card.id, card.card_type[:20], card.last_four) for card in latest]
    named = {card.id for card in latest}
    for card in kept:
        if card.payment_method in named:
            continue
        if card.is_active and listed is not None and complete and card.seen_at < seen_at:
            batch.gone.append(card.id)
            continue
        if card.is_active:
            active.append((card.payment_method, card.card_type, card.last_four))
        is_default = card.is_active and card.payment_method == default
        if is_default != card.is_default:
            batch.flags.append((is_default, card.id))
    label = next((display_name(kind, four) for pm, kind, four in active if pm == default), "")
    key = search_key(name, email, stripe_id, sorted({four for _, _, four in active}))
    summary: Summary = (len(active), label, key, pending)
    if row is not None and (key != row.summary[2] or name != row.name):
        # A new name with the same key ("Ana" → "ANA") still moves it in name order.
        batch.old_keys.append((row.id, row.summary[2]))
    if data is not None:
        batch.customers.append(_customer_row(data, summary, seen_at.timestamp()))
    elif row is not None and summary != row.summary:
        batch.summaries.append((*summary, row.id))
    batch.cards.extend((stripe_id, card, card.id == default) for card in latest)


#: The columns a customer's row is written with, in the order of `_customer_row`.
CUSTOMER_COLUMNS = (
    Customer.stripe_id,
    Customer.name,
    Customer.email,
    Customer.default_payment_method,
    Customer.deleted,
    Customer.created,
    Customer.synced_at,
    Customer.seen_at,
    Customer.card_count,
    Customer.default_card_label,
    Customer.search_key,
    Customer.cards_pending,
)


def _customer_row(c: CustomerData, summary: Summary, at: float) -> list[Any]:
    """The database values of CUSTOMER_COLUMNS (times as Unix seconds, as UtcField stores)."""
    created = c.created or None  # 0: not known, as before
    return [c.id, c.name, c.email, c.default_payment_method, c.deleted, created, at, at, *summary]


#: The columns a card's row is written with, in the order of `_card_row`.
CARD_COLUMNS = (Card.stripe_payment_method_id, Card.customer, *CARD_DETAILS, Card.seen_at)


def _card_row(card: CardData, customer: int, is_default: bool, at: float) -> list[Any]:
    return [
        card.id,
        customer,
        card.card_type[:20],
        card.last_four,
        card.exp_month,
        card.exp_year,
        card.country,
        card.funding,
        is_default,
        True,
        card.created or at,
        at,
        at,
    ]


def _stored_customers(where: Any) -> dict[str, _StoredCustomer]:
    rows = cast(
        Iterable[tuple[Any, ...]],
        Customer.select(
            Customer.id,
            Customer.stripe_id,
            Customer.name,
            Customer.email,
            Customer.default_payment_method,
            Customer.card_count,
            Customer.default_card_label,
            Customer.search_key,
            Customer.cards_pending,
        )
        .where(where)
        .tuples(),
    )
    return {
        stripe_id: _StoredCustomer(key, name, email, default, (count, label, search, bool(mark)))
        for key, stripe_id, name, email, default, count, label, search, mark in rows
    }


def _stored_cards(customer_ids_: list[int]) -> dict[int, list[_StoredCard]]:
    out: dict[int, list[_StoredCard]] = {}
    if not customer_ids_:
        return out
    rows = cast(
        Iterable[tuple[Any, ...]],
        Card.select(
            Card.id,
            Card.customer,
            Card.stripe_payment_method_id,
            Card.card_type,
            Card.last_four,
            Card.is_active,
            Card.is_default,
            Card.seen_at,
        )
        .where(among(Card.customer, customer_ids_))
        .order_by(Card.id)
        .tuples(),
    )
    for values in rows:
        card = _StoredCard(*values)
        out.setdefault(card.customer_id, []).append(card)
    return out


def customer_ids(stripe_ids: Sequence[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for start in range(0, len(stripe_ids), BATCH):
        chunk = stripe_ids[start : start + BATCH]
        query = Customer.select(Customer.id, Customer.stripe_id).where(
            among(Customer.stripe_id, chunk)
        )
        out.update({c.stripe_id: c.id for c in query})
    return out

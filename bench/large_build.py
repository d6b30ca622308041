"""The caches of `make bench-large`: a million customers with two million cards, a million
subscriptions and three million invoices, written through the app's own store as a full sync
writes them; and the write of an incremental sync that changed a thousand customers."""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from datetime import date
from typing import Any

from app.cache import store
from app.cache.db import OpenedCache
from app.cache.models import Card, Customer, now
from app.records import CardData, CustomerData
from bench.billing_cache import make_billing
from bench.large_cache import write_into

#: Customers whose subscriptions and invoices are made and written at once (memory).
SLICE = 100_000


def build(
    opened: OpenedCache, customers: list[CustomerData], cards: dict[str, Sequence[CardData]]
) -> dict[str, Any]:
    """Write customers and cards in one transaction (as `make bench` does), then their
    billing a slice of customers at a time, a transaction each (as a sync writes its pages).
    Seconds spent writing, not making the data."""
    write_s = write_into(opened, customers, cards)
    today = date.today()
    expired = {
        card.id
        for held in cards.values()
        for card in held
        if card.exp_year * 12 + card.exp_month < today.year * 12 + today.month
    }
    billing_s, subscriptions, invoices = 0.0, 0, 0
    at = now()
    for start in range(0, len(customers), SLICE):
        subs, bills = make_billing(customers[start : start + SLICE], expired, start=start)
        began = time.perf_counter()
        with opened.db.atomic():
            store.upsert_subscriptions(subs, at)
            store.upsert_invoices(bills, at)
            store.bump_version()
        billing_s += time.perf_counter() - began
        subscriptions, invoices = subscriptions + len(subs), invoices + len(bills)
    return {
        "customers": len(customers),
        "cards": sum(len(held) for held in cards.values()),
        "subscriptions": subscriptions,
        "invoices": invoices,
        "write_seconds": write_s,
        "billing_write_seconds": billing_s,
    }


def incremental_write(opened: OpenedCache, changed: int = 1000, seed: int = 15) -> dict[str, Any]:
    """What an incremental sync writes after `changed` customers changed on Stripe (a new email,
    and a new default card where they hold two): each customer with its whole card list, in one
    transaction (`SyncEngine.apply_events`). The customers are read from the cache first."""
    total = Customer.select().count()
    rng = random.Random(seed)
    picked = sorted(rng.sample(range(1, total + 1), min(changed, total)))
    rows = list(Customer.select().where(Customer.id.in_(picked)))
    cards: dict[str, list[CardData]] = {row.stripe_id: [] for row in rows}
    owners = {row.id: row.stripe_id for row in rows}
    for card in Card.select().where(Card.customer.in_(picked), Card.is_active):
        cards[owners[card.customer_id]].append(
            CardData(
                card.stripe_payment_method_id,
                owners[card.customer_id],
                card.card_type,
                card.last_four,
                card.exp_month,
                card.exp_year,
                card.country,
                card.funding,
                int(card.created_at.timestamp()),
            )
        )
    stamp = int(time.time())
    customers = []
    for row in rows:
        held = cards[row.stripe_id]
        default = row.default_payment_method
        if len(held) >= 2:
            default = next(c.id for c in held if c.id != row.default_payment_method)
        customers.append(
            CustomerData(
                row.stripe_id,
                row.name,
                f"changed-{stamp}-{row.id}@example.com",
                default,
                int(row.created.timestamp()) if row.created else None,
            )
        )
    started = time.perf_counter()
    with opened.db.atomic():
        store.write_customers(customers, cards, now(), complete=True)
        store.bump_version()
    seconds = time.perf_counter() - started
    check = Customer.get(Customer.stripe_id == customers[0].id)
    assert check.email == customers[0].email, "the incremental write did not land"
    return {"customers": len(customers), "seconds": seconds}

"""Billing in `make bench`: subscriptions on the emulator, for the request bound of a full
sync with history; and on the large cache (a subscription and three invoices per customer),
for the window's "Needs attention" and Billing tab (measured by `bench/window_probe.py`)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

import stripe

from app.demo.emulator import Emulator
from app.records import CardData, CustomerData
from bench.billing_cache import make_billing, write_billing


def seed_billing(emulator: Emulator, made: list[tuple[str, list[str]]]) -> dict[str, int]:
    """A monthly subscription for every customer holding a card (their first card made the
    default, so that the first invoice is paid): S subscriptions and I = S invoices."""
    client = stripe.StripeClient(emulator.key, base_addresses={"api": emulator.api_base})
    plan = client.v1.plans.create(
        params={
            "amount": 4900,
            "currency": "eur",
            "interval": "month",
            "nickname": "Pro",
            "product": {"name": "Pro"},
        }
    )
    carded = [(customer, cards) for customer, cards in made if cards]

    def one(item: tuple[str, list[str]]) -> None:
        customer, cards = item
        client.v1.customers.update(
            customer, params={"invoice_settings": {"default_payment_method": cards[0]}}
        )
        client.v1.subscriptions.create(params={"customer": customer, "items": [{"plan": plan.id}]})

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(one, carded))
    return {"subscriptions": len(carded), "invoices": len(carded)}


def large_billing(
    path: Path,
    customers: list[CustomerData],
    cards: dict[str, Any],
    *,
    realistic: bool,
) -> dict[str, Any]:
    """Write a subscription and three invoices per customer into the large cache (see
    `make_billing`: `realistic` or the worst case, where half the customers need attention)."""
    today = date.today()
    own: list[CardData] = [card for held in cards.values() for card in held]
    expired = {
        card.id
        for card in own
        if card.exp_year * 12 + card.exp_month < today.year * 12 + today.month
    }
    subscriptions, invoices = make_billing(customers, expired, realistic=realistic)
    seconds = write_billing(path, subscriptions, invoices)
    return {
        "subscriptions": len(subscriptions),
        "invoices": len(invoices),
        "write_seconds": seconds,
        "realistic": realistic,
    }

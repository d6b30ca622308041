"""The straightforward script a user would write instead of the app: stripe-python, every
customer, then each customer's cards, then every subscription and invoice (the billing history
the app keeps too), one request at a time, into a dict.

    python bench/naive_sync.py API_BASE SECRET_KEY

It lists cards with `GET /v1/payment_methods?customer=...&type=card`, which both Stripe and
the emulator answer.
"""

from __future__ import annotations

import sys
import time
from typing import Any

import stripe


def naive_sync(api_base: str, key: str) -> dict[str, dict[str, Any]]:
    """{customer id: {"name", "email", "default", "cards": {pm id: {...}}, "subscriptions":
    [id, ...], "invoices": [id, ...]}}."""
    client = stripe.StripeClient(key, base_addresses={"api": api_base})
    out: dict[str, dict[str, Any]] = {}
    for customer in client.v1.customers.list(params={"limit": 100}).auto_paging_iter():
        settings = customer.invoice_settings
        cards: dict[str, Any] = {}
        page = client.v1.payment_methods.list(
            params={"customer": customer.id, "type": "card", "limit": 100}
        )
        for pm in page.auto_paging_iter():
            card = pm.card
            assert card is not None  # listed with type=card
            cards[pm.id] = {
                "brand": card.brand,
                "last4": card.last4,
                "exp_month": card.exp_month,
                "exp_year": card.exp_year,
            }
        out[customer.id] = {
            "name": customer.name or "",
            "email": customer.email or "",
            "default": settings.default_payment_method if settings else None,
            "cards": cards,
            "subscriptions": [],
            "invoices": [],
        }
    subscriptions = client.v1.subscriptions.list(params={"status": "all", "limit": 100})
    for subscription in subscriptions.auto_paging_iter():
        out.get(str(subscription.customer), {}).get("subscriptions", []).append(subscription.id)
    for invoice in client.v1.invoices.list(params={"limit": 100}).auto_paging_iter():
        if invoice.id is not None:
            out.get(str(invoice.customer), {}).get("invoices", []).append(invoice.id)
    return out


def main() -> None:
    api_base, key = sys.argv[1], sys.argv[2]
    started = time.monotonic()
    data = naive_sync(api_base, key)
    cards = sum(len(c["cards"]) for c in data.values())
    print(f"{len(data)} customers, {cards} cards in {time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    main()

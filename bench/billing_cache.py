"""Billing on the large cache: 100,000 subscriptions and 300,000 invoices written through the
app's own bulk upserts, then "Needs attention" and one customer's billing lines timed."""

from __future__ import annotations

import random
import statistics
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from app.cache import billing_queries, store
from app.cache.db import open_cache
from app.cache.models import now
from app.records import CustomerData, InvoiceData, SubscriptionData

STATUSES = ["active"] * 90 + ["trialing"] * 4 + ["past_due"] * 3 + ["canceled"] * 3


def make_billing(
    customers: list[CustomerData],
    expired: set[str],
    invoices_each: int = 3,
    seed: int = 7,
    realistic: bool = True,
    start: int = 0,
) -> tuple[list[SubscriptionData], list[InvoiceData]]:
    """A subscription per customer and `invoices_each` invoices. `realistic`: as in a live
    account, a subscription whose customer has no card, or only an expired one, has mostly
    been cancelled after its failed renewals (97%); otherwise the large cache's random cards
    (a fifth of the customers have none, a fifth have expired) leave half the customers
    needing attention, the worst case. `start`: the number of the first customer, when the
    customers come a slice at a time."""
    rng = random.Random(seed)
    today = datetime.now(UTC)
    subs: list[SubscriptionData] = []
    invoices: list[InvoiceData] = []
    for n, customer in enumerate(customers, start=start):
        sub_id = f"sub_bench{n:08d}"
        currency = "jpy" if n % 10 == 0 else "eur"
        status = rng.choice(STATUSES)
        cardless = not customer.default_payment_method or customer.default_payment_method in expired
        if realistic and cardless and rng.random() < 0.97:
            status = "canceled"
        amount = 4900 if currency == "jpy" else rng.choice([900, 4900, 9900])
        subs.append(
            SubscriptionData(
                sub_id,
                customer.id,
                status,
                "Pro",
                amount,
                currency,
                "month",
                1,
                today + timedelta(days=rng.randint(1, 30)),
                False,
                None,
                None,
                None,
                today - timedelta(days=400),
            )
        )
        for k in range(invoices_each):
            failed = k == 0 and rng.random() < 0.02
            created = today - timedelta(days=30 * k + rng.randint(0, 5))
            invoices.append(
                InvoiceData(
                    f"in_bench{n:08d}{k}",
                    f"B-{n}-{k}",
                    customer.id,
                    sub_id,
                    "open" if failed else "paid",
                    amount,
                    0 if failed else amount,
                    amount if failed else 0,
                    currency,
                    created,
                    None,
                    None if failed else created,
                    1,
                    None,
                    customer.default_payment_method,
                    None,
                    "Your card was declined." if failed else None,
                    None,
                )
            )
    return subs, invoices


def write_billing(path: Path, subs: list[SubscriptionData], invoices: list[InvoiceData]) -> float:
    opened = open_cache(path)
    started = time.perf_counter()
    with opened.db.atomic():
        at = now()
        store.upsert_subscriptions(subs, at)
        store.upsert_invoices(invoices, at)
    seconds = time.perf_counter() - started
    opened.close()
    return seconds


def time_reads(path: Path, customer_ids: list[str], runs: int = 5) -> dict[str, float]:
    """Median milliseconds: Needs attention for everyone; one customer's subscriptions and
    invoices (the Billing tab's two reads)."""
    opened = open_cache(path)
    attention, lines = [], []
    count = 0
    for n in range(runs):
        started = time.perf_counter()
        count = len(billing_queries.needs_attention(date.today()))
        attention.append((time.perf_counter() - started) * 1000)
        customer = customer_ids[(n * 7919) % len(customer_ids)]
        started = time.perf_counter()
        billing_queries.subscriptions_of(customer)
        billing_queries.invoices_of(customer)
        lines.append((time.perf_counter() - started) * 1000)
    opened.close()
    return {
        "attention_ms": statistics.median(attention),
        "attention_customers": count,
        "billing_lines_ms": statistics.median(lines),
    }


if __name__ == "__main__":
    import sys
    import tempfile

    from bench.large_cache import make_data, write_cache

    n = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 100_000
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "cache.sqlite3"
        customers, cards = make_data(n)
        write_cache(path, customers, cards)
        today = date.today()
        expired = {
            card.id
            for own in cards.values()
            for card in own
            if card.exp_year * 12 + card.exp_month < today.year * 12 + today.month
        }
        realistic = "--worst" not in sys.argv
        subs, invoices = make_billing(customers, expired, realistic=realistic)
        print(
            f"write {len(subs)} subscriptions, {len(invoices)} invoices:",
            f"{write_billing(path, subs, invoices):.1f} s",
        )
        print(time_reads(path, [c.id for c in customers]))

"""Section 3 of the benchmark: a large cache written through the app's own bulk upserts."""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from app.cache import store
from app.cache.db import OpenedCache, open_cache
from app.cache.models import SyncState, now
from app.records import CardData, CustomerData

FIRST = [
    "Olivia",
    "Liam",
    "Emma",
    "Noah",
    "Zoë",
    "Łukasz",
    "李",
    "Søren",
    "José",
    "Ayşe",
    "Priya",
    "Kwame",
    "Hana",
    "Mehmet",
    "Giulia",
    "Ingrid",
    "Tomáš",
    "Aarav",
    "Chloé",
    "Ana",
]
LAST = [
    "Smith",
    "Johnson",
    "Ångström",
    "Żółkiewski",
    "Papadopoulou",
    "Ivanov",
    "Nguyễn",
    "Lefèvre",
    "Martínez",
    "Yılmaz",
    "Mensah",
    "Raghunathan",
    "Novák",
    "Rossi",
    "Sharma",
    "Kobayashi",
    "Pérez",
    "Öztürk",
    "Ndlovu",
    "Bergström",
]
BRANDS = ["visa", "mastercard", "amex", "discover", "jcb"]
#: Cards per customer, cycling: 2 on average, so 100,000 customers hold 200,000 cards.
CARDS_CYCLE = (0, 1, 2, 3, 4)


def make_data(
    customers: int, seed: int = 6
) -> tuple[list[CustomerData], dict[str, Sequence[CardData]]]:
    rng = random.Random(seed)
    created = int(datetime(2024, 1, 1, tzinfo=UTC).timestamp())
    rows: list[CustomerData] = []
    cards: dict[str, Sequence[CardData]] = {}
    pm_number = 0
    for i in range(customers):
        cid = f"cus_bench{i:08d}"
        own: list[CardData] = []
        for _ in range(CARDS_CYCLE[i % len(CARDS_CYCLE)]):
            pm_number += 1
            own.append(
                CardData(
                    id=f"pm_bench{pm_number:09d}",
                    customer=cid,
                    card_type=rng.choice(BRANDS),
                    last_four=f"{rng.randrange(10000):04d}",
                    exp_month=rng.randint(1, 12),
                    exp_year=rng.randint(2024, 2032),
                    country="US",
                    funding="credit",
                    created=created + pm_number,
                )
            )
        first, last = rng.choice(FIRST), rng.choice(LAST)
        rows.append(
            CustomerData(
                id=cid,
                name=f"{first} {last}",
                email=f"{first.lower()}.{last.lower()}{i}@example.com",
                default_payment_method=own[0].id if own else None,
                created=created + i,
            )
        )
        cards[cid] = own
    return rows, cards


def write_cache(
    path: Path, customers: list[CustomerData], cards: dict[str, Sequence[CardData]]
) -> float:
    """Write everything the way a full sync does; return the seconds it took."""
    opened = open_cache(path)
    seconds = write_into(opened, customers, cards)
    opened.close()
    return seconds


def write_into(
    opened: OpenedCache, customers: list[CustomerData], cards: dict[str, Sequence[CardData]]
) -> float:
    """`write_cache` into an open cache (SQLite or PostgreSQL)."""
    started = time.perf_counter()
    at = now()
    with opened.db.atomic():
        store.write_customers(customers, cards, at, complete=False)
        store.deactivate_unseen(at)
        SyncState.update(last_full_sync=at, last_sync=at).where(SyncState.id == 1).execute()
        store.bump_version()
    return time.perf_counter() - started

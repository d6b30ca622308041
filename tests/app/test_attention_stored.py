"""Issue 25, target 4: "Needs attention" ranks from each subscription's stored paying card
(`app.cache.paying`) instead of joining every billable subscription to its customer and card.
The ranking gives the same ids in the same order as the join did (kept here as the reference),
on random caches written in any order, and after each kind of write that changes a paying
card; and the state written with a subscription is what the SQL refresh works out."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, cast

from peewee import SQL, Select, fn

from app.billing.rules import SEVERITY, Reason
from app.cache import billing_queries, paying, store
from app.cache.attention_queries import _Paying
from app.cache.models import Customer, Invoice, Subscription, now
from app.context import Context
from app.records import CardData, CustomerData, SubscriptionData
from app.settings import Profile
from tests.support.billing import invoice

STATUSES = ["active", "trialing", "past_due", "unpaid", "incomplete", "canceled", "paused"]
TODAY = date(2026, 11, 26)


def joined_ranking(today: date) -> list[str]:
    """The ranking as it was before the stored state: every billable subscription joined to
    its customer and to the card of its payer's id."""
    join = _Paying.on(today)
    subscriptions = join.select(
        Subscription.customer.alias("cid"),
        join.severity().alias("rank"),
        Customer.name.alias("name"),
    ).where(join.flagged())
    failed = (
        Invoice.select(
            Invoice.customer.alias("cid"),
            SQL(str(SEVERITY[Reason.PAYMENT_FAILED])).alias("rank"),
            Customer.name.alias("name"),
        )
        .join(Customer, on=(Customer.stripe_id == Invoice.customer))
        .where(Invoice.status == "open", Invoice.attempt_count > 0, ~Customer.deleted)
    )
    flagged = failed.union_all(subscriptions).alias("flagged")
    rank = fn.MIN(flagged.c.rank)
    query = (
        Select([flagged], [flagged.c.cid])
        .group_by(flagged.c.cid, flagged.c.name)
        .having(rank.is_null(False))
        .order_by(rank, flagged.c.name, flagged.c.cid)
    )
    return [row[0] for row in Customer._meta.database.execute(query).fetchall()]


def stored() -> list[tuple[Any, ...]]:
    query = Subscription.select(Subscription.stripe_id, *paying.COLUMNS)
    return cast(list[tuple[Any, ...]], list(query.order_by(Subscription.stripe_id).tuples()))


class RandomCache:
    """Customers with 0-3 cards (some detached, expiring around TODAY), subscriptions of every
    status paid by their own card, a default source, the customer's default or nothing; some
    name customers or cards the cache does not hold."""

    def __init__(self, seed: int, customers: int = 120) -> None:
        self.rng = random.Random(seed)
        self.customers = [f"cus_{seed}_{n:03d}" for n in range(customers)]
        self.cards: dict[str, list[CardData]] = {}
        for c in self.customers:
            self.cards[c] = [self.card(c, n) for n in range(self.rng.randrange(4))]

    def card(self, customer: str, n: int) -> CardData:
        month = TODAY.year * 12 + TODAY.month - 1 + self.rng.randrange(-3, 6)
        pm = f"pm_{customer[4:]}_{n}_{self.rng.randrange(10**6)}"
        return CardData(
            pm, customer, "visa", "4242", month % 12 + 1, month // 12, "US", "credit", None
        )

    def pm_of(self, customer: str) -> str | None:
        held = self.cards.get(customer) or []
        pick = self.rng.random()
        if pick < 0.15:
            return None
        if pick < 0.25:
            return f"pm_not_cached_{self.rng.randrange(1000)}"
        if pick < 0.3:  # someone else's card
            other = self.cards[self.rng.choice(self.customers)]
            return other[0].id if other else None
        return self.rng.choice(held).id if held else None

    def customer_rows(self) -> list[CustomerData]:
        return [
            CustomerData(c, self.rng.choice(["Ana", "Bo", "Cy", "ana"]), f"{c}@x.io", self.pm_of(c))
            for c in self.customers
        ]

    def subscriptions(self) -> list[SubscriptionData]:
        out = []
        for n in range(len(self.customers) * 2):
            owner = self.rng.choice([*self.customers, "cus_not_cached"])
            own = self.pm_of(owner) if self.rng.random() < 0.4 else None
            source = self.pm_of(owner) if self.rng.random() < 0.1 else None
            renews = datetime(TODAY.year, TODAY.month, 15, tzinfo=UTC) + timedelta(
                days=self.rng.randrange(-40, 200)
            )
            out.append(
                SubscriptionData(
                    f"sub_{owner}_{n}",
                    owner,
                    self.rng.choice(STATUSES),
                    "Pro",
                    4900,
                    "eur",
                    "month",
                    1,
                    renews if self.rng.random() < 0.95 else None,
                    self.rng.random() < 0.3,
                    None,
                    own,
                    source,
                    datetime.now(UTC),
                )
            )
        return out


def assert_same_ranking() -> None:
    for today in (TODAY, date(2026, 8, 1), date(2027, 3, 1)):
        assert billing_queries.attention_ranking(today) == joined_ranking(today), today


def test_the_stored_state_ranks_as_the_join_did(home: Path) -> None:
    ctx = Context(Profile())
    db = ctx.cache().db
    for seed in (1, 2, 3):
        cache = RandomCache(seed)
        subscriptions = cache.subscriptions()
        with db.atomic():
            # Some subscriptions are written before their customers, some after.
            store.upsert_subscriptions(subscriptions[::2], now())
            store.write_customers(cache.customer_rows(), cache.cards, now(), complete=True)
            store.upsert_subscriptions(subscriptions[1::2], now())
            failed = [c for c in cache.customers if cache.rng.random() < 0.05]
            store.upsert_invoices(
                [invoice(f"in_{c}", c, "open", attempts=1, days_ago=3) for c in failed],
                now(),
            )
        assert_same_ranking()
        assert len(billing_queries.attention_ranking(TODAY)) > 10

        # What a sync writes later: new defaults, cards detached, customers deleted,
        # subscriptions changed.
        with db.atomic():
            store.write_customers(cache.customer_rows()[::3], {}, now(), complete=False)
        assert_same_ranking()
        with db.atomic():
            for c in cache.customers[::7]:
                for held in cache.cards[c][:1]:
                    store.card_detached(held.id, c, now())
            store.mark_customer_deleted(cache.customers[5], now())
        assert_same_ranking()
        with db.atomic():
            for c in cache.customers[1::5]:
                cache.cards[c] = [cache.card(c, n + 10) for n in range(2)]
            store.write_customers(
                cache.customer_rows()[1::5],
                {c: cache.cards[c] for c in cache.customers[1::5]},
                now(),
                complete=True,
                whole=True,
            )
            store.upsert_subscriptions(cache.subscriptions()[::4], now())
        assert_same_ranking()

        # The state written with each subscription is what the SQL refresh works out.
        before = stored()
        with db.atomic():
            paying.refresh_all()
        assert stored() == before
    ctx.close()

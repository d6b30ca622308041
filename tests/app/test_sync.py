"""Sync correctness against the emulator: full, incremental, deletions, cancellation."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from app.cache import queries
from app.cache.models import SyncState
from app.errors import CacheError
from app.records import CardRow
from app.settings import Profile
from app.sync.engine import SyncProgress
from tests.support.account import Account

pytestmark = pytest.mark.emulator


def cached_cards(customer: str, *, all_: bool = False) -> dict[str, CardRow]:
    return {c.id: c for c in queries.cards_of(customer, include_inactive=all_)}


def test_full_sync_caches_customers_cards_and_the_default(account: Account, ctx: Any) -> None:
    ada, (visa, other) = account.customer(
        "Ada Lovelace",
        "ada@example.com",
        [("4242424242424242", 12, 2030), ("5555555555554444", 3, 2031)],
        default=1,
    )
    bob, _ = account.customer("Bob", "bob@example.com")

    result = ctx.sync_engine().run(full=True)

    assert (result.kind, result.customers, result.cards) == ("full", 2, 2)
    rows = {r.id: r for r in queries.customer_rows(queries.customers_query())}
    assert rows[ada].card_count == 2 and rows[bob].card_count == 0
    assert rows[ada].default_payment_method == other
    assert rows[ada].default_card_label == "Mastercard •••• 4444"
    cards = cached_cards(ada)
    assert cards[other].is_default and not cards[visa].is_default
    assert (cards[visa].last_four, cards[visa].exp_month, cards[visa].exp_year) == (
        "4242",
        12,
        2030,
    )


def test_full_sync_follows_pages_of_more_than_100_cards(account: Account, ctx: Any) -> None:
    big, ids = account.customer(
        "Big Spender", cards=[("4242424242424242", 1 + i % 12, 2030) for i in range(105)]
    )
    for i in range(3):
        account.customer(f"Small {i}")

    result = ctx.sync_engine().run(full=True)

    assert result.customers == 4
    assert set(cached_cards(big)) == set(ids)


def test_full_sync_follows_pages_of_more_than_100_customers(account: Account, ctx: Any) -> None:
    made = {account.customer(f"Customer {i}", f"c{i}@example.com")[0] for i in range(103)}

    ctx.sync_engine().run(full=True)

    assert {r.id for r in queries.customer_rows(queries.customers_query())} == made


def test_unicode_names_survive_the_round_trip(account: Account, ctx: Any, cli: Any) -> None:
    names = ["Zoë Ångström", "李小龙", "محمد العلي", "Дмитрий Иванов"]
    for name in names:
        account.customer(name, "x@example.com")
    ctx.sync_engine().run(full=True)

    ran = cli("customers", "--json")

    assert sorted(c["name"] for c in json.loads(ran.out)["customers"]) == sorted(names)
    found = json.loads(cli("customers", "--search", "ångström", "--json").out)["customers"]
    assert [c["name"] for c in found] == ["Zoë Ångström"]


def test_customer_deleted_on_stripe_is_marked_deleted_by_the_next_full_sync(
    account: Account, ctx: Any
) -> None:
    gone, (card,) = account.customer("Gone Soon", cards=[("4242424242424242", 1, 2030)])
    kept, _ = account.customer("Kept")
    ctx.sync_engine().run(full=True)

    account.client.v1.customers.delete(gone)
    result = ctx.sync_engine().run(full=True)

    assert result.removed_customers == 1
    assert [r.id for r in queries.customer_rows(queries.customers_query())] == [kept]
    assert not cached_cards(gone, all_=True)[card].is_active


def test_card_detached_on_stripe_is_caught_by_the_next_full_sync(
    account: Account, ctx: Any
) -> None:
    cus, (keep, drop) = account.customer(
        cards=[("4242424242424242", 1, 2030), ("4000056655665556", 2, 2031)]
    )
    ctx.sync_engine().run(full=True)

    account.client.v1.payment_methods.detach(drop)
    ctx.sync_engine().run(full=True)

    assert set(cached_cards(cus)) == {keep}
    assert cached_cards(cus, all_=True)[drop].is_active is False


def test_default_changed_on_stripe_is_caught_by_incremental_sync(
    account: Account, ctx: Any
) -> None:
    cus, (first, second) = account.customer(
        cards=[("4242424242424242", 1, 2030), ("4000056655665556", 2, 2031)], default=0
    )
    ctx.sync_engine().run(full=True)
    assert cached_cards(cus)[first].is_default
    time.sleep(1.1)  # the emulator's event clock has one-second steps

    account.set_default(cus, second)  # emits customer.updated
    result = ctx.sync_engine().run()

    assert result.kind == "incremental" and result.events >= 1
    assert cus in result.refetched
    cards = cached_cards(cus)
    assert cards[second].is_default and not cards[first].is_default


def test_incremental_sync_with_nothing_changed_costs_at_most_two_requests(
    account: Account, ctx: Any
) -> None:
    for i in range(5):
        account.customer(f"Customer {i}", cards=[("4242424242424242", 1, 2030)])
    time.sleep(1.1)
    ctx.sync_engine().run(full=True)
    ctx.sync_engine().run()  # settles the cursor on the newest event

    result = ctx.sync_engine().run()

    assert result.kind == "incremental"
    assert result.events == 0
    assert result.requests <= 2


def test_the_first_incremental_sync_skips_what_the_full_sync_already_read(
    account: Account, ctx: Any
) -> None:
    """Customers made just before a full sync (the same second, as the demo's are): their
    events were there when it started, so the next incremental sync has nothing to do."""
    for i in range(5):
        account.customer(f"Customer {i}", cards=[("4242424242424242", 1, 2030)])
    ctx.sync_engine().run(full=True)

    result = ctx.sync_engine().run()

    assert result.kind == "incremental"
    assert (result.events, result.refetched) == (0, set())


def test_incremental_sync_refetches_each_touched_customer_once(account: Account, ctx: Any) -> None:
    cus, (a, b) = account.customer(
        cards=[("4242424242424242", 1, 2030), ("4000056655665556", 2, 2031)]
    )
    ctx.sync_engine().run(full=True)
    time.sleep(1.1)
    ctx.sync_engine().run()
    for pm in (a, b, a, b):
        account.set_default(cus, pm)  # four customer.updated events, one customer

    engine = ctx.sync_engine()
    result = engine.run()

    assert result.events == 4
    assert result.refetched == {cus}
    assert result.requests <= 2 + 1
    assert cached_cards(cus)[b].is_default


def test_no_cursor_or_an_expired_one_means_a_full_sync(account: Account, ctx: Any) -> None:
    account.customer("Someone")
    assert ctx.sync_engine().run().kind == "full"  # never synced
    month_ago = int(time.time()) - 31 * 24 * 3600
    SyncState.update(event_cursor_created=month_ago).execute()

    result = ctx.sync_engine().run()

    assert result.kind == "full" and "30-day" in result.reason


def test_a_cancelled_full_sync_removes_nothing_and_keeps_no_cursor(
    account: Account, ctx: Any
) -> None:
    for i in range(30):
        account.customer(f"Customer {i}", cards=[("4242424242424242", 1, 2030)])
    ctx.sync_engine().run(full=True)
    state_before = SyncState.get_by_id(1)
    victim = next(r.id for r in queries.customer_rows(queries.customers_query()))
    account.client.v1.customers.delete(victim)

    progress = SyncProgress()
    seen: list[int] = []

    def cancel_after_some(phase: str, done: int, total: int | None) -> None:
        seen.append(done)
        if done >= 5:
            progress.request_interruption()

    progress._on_change = cancel_after_some
    result = ctx.sync_engine().run(progress, full=True)

    assert result.cancelled
    assert victim in {r.id for r in queries.customer_rows(queries.customers_query())}
    state = SyncState.get_by_id(1)
    assert state.last_full_sync == state_before.last_full_sync
    assert state.event_cursor_created == state_before.event_cursor_created


def test_progress_reports_done_and_total(account: Account, ctx: Any) -> None:
    for i in range(12):
        account.customer(f"Customer {i}")
    updates: list[tuple[str, int, int | None]] = []

    ctx.sync_engine().run(SyncProgress(lambda *u: updates.append(u)), full=True)

    assert updates[-1] == ("Done", 12, 12)
    dones = [d for p, d, _ in updates if p == "Customers and cards"]
    assert dones == sorted(dones) and dones[-1] == 12


@pytest.mark.sqlite_only
def test_a_cache_deleted_during_a_sync_is_not_reported_as_synced(
    account: Account, ctx: Any, cli: Any
) -> None:
    for n in range(3):
        account.customer(f"Customer {n}", cards=[("4242424242424242", 1, 2030)])
    cache = Profile().cache_file

    def delete_it(phase: str, done: int, total: int | None) -> None:
        for path in (
            cache,
            cache.with_name(cache.name + "-wal"),
            cache.with_name(cache.name + "-shm"),
        ):
            path.unlink(missing_ok=True)  # a colleague "cleaning up" mid-sync

    with pytest.raises(CacheError, match="deleted or replaced during the sync"):
        ctx.sync_engine().run(SyncProgress(delete_it), full=True)
    ctx.close()

    assert cli("sync").code == 0
    assert len(json.loads(cli("customers", "--json").out)["customers"]) == 3

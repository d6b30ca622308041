"""A full sync in two passes, on the emulator: every customer with its default card first (the
customer list with the default card embedded), then every customer's whole card list. A sync
cut between or inside the passes keeps what they wrote and marks nothing deleted; customers
whose other cards are still to come say so until their cards are read."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.cache import queries
from app.cache.models import Customer, SchemaMigration
from app.context import Context
from app.demo.emulator import Emulator, running_emulator
from app.errors import StripeUnreachableError
from app.settings import Profile
from app.sync.engine import SyncProgress
from app.sync.full import SECOND_PASS
from tests.support.account import MASTERCARD, VISA, Account
from tests.support.proxy import Proxy

pytestmark = pytest.mark.emulator


@pytest.fixture
def proxy(account: Account, monkeypatch: pytest.MonkeyPatch) -> Iterator[Proxy]:
    with Proxy.to(account.emulator.api_base) as running:
        monkeypatch.setenv("STRIPE_API_BASE", running.url)
        yield running


def cut_at_second_pass(proxy: Proxy) -> SyncProgress:
    """A sync whose network goes down as its second pass begins: after the first pass and the
    billing history, before any customer's card list."""

    def on_change(phase: str, done: int, total: int | None) -> None:
        if phase == SECOND_PASS:
            proxy.refuse = True

    return SyncProgress(on_change)


def found(text: str) -> list[str]:
    """The ids a search in the cache finds, as the window and `customers --search` ask."""
    return [row.id for row in queries.customer_rows(queries.customers_query(text))]


def test_a_sync_cut_after_the_first_pass_keeps_every_customer_and_its_default_card(
    account: Account, proxy: Proxy, ctx: Any, cli: Any
) -> None:
    early = sorted(account.customer(f"Early {i}", cards=[VISA], default=0)[0] for i in range(3))
    assert ctx.sync_engine().run(full=True).kind == "full"
    gone = early[0]
    account.client.v1.customers.delete(gone)  # a complete sync would mark it deleted
    ada, (_, mastercard) = account.customer(
        "Ada Lovelace", "ada@example.com", cards=[VISA, MASTERCARD], default=1
    )
    bob, _ = account.customer("Bob Nocard", "bob@example.com")
    olga, _ = account.customer("Olga Legacy", "olga@example.com")
    legacy = account.legacy_card(olga)

    with pytest.raises(StripeUnreachableError):
        ctx.sync_engine().run(cut_at_second_pass(proxy), full=True)

    assert found("lovelace") == [ada] and found("nocard") == [bob] and found("olga") == [olga]
    assert found("4444") == [ada]  # the default card's last four are searchable too
    rows = {r.id: r for r in queries.customer_rows(queries.customers_query())}
    assert (rows[ada].default_card_label, rows[ada].card_count) == ("Mastercard •••• 4444", 1)
    assert [(c.id, c.is_default) for c in queries.cards_of(ada)] == [(mastercard, True)]
    assert (rows[olga].default_card_label, queries.cards_of(olga)[0].id) == (
        "Visa •••• 4242",
        legacy,
    )
    assert (rows[bob].default_card_label, queries.cards_of(bob)) == ("", [])
    # New customers say that their other cards are still coming; those read before do not.
    assert {r.id for r in rows.values() if r.cards_pending} == {ada, bob, olga}
    listing = cli("cards", ada).out
    assert "Other cards are still being synced" in listing and "4444" in listing
    assert "still being synced" not in cli("cards", early[1]).out
    # Nothing marked deleted by a sync that did not finish.
    assert gone in rows and not rows[gone].deleted
    assert [c.is_active for c in queries.cards_of(gone)] == [True]

    proxy.restore()
    again = cli("sync", "--full")  # (the command line's own cache connection from here on)

    assert again.code == 0 and "1 customers and 1 cards no longer on Stripe" in again.out
    rows = {r.id: r for r in queries.customer_rows(queries.customers_query(include_deleted=True))}
    assert not any(r.cards_pending for r in rows.values())
    assert rows[ada].card_count == 2 and rows[gone].deleted
    assert "still being synced" not in cli("cards", ada).out


def test_the_default_card_of_the_first_pass_is_the_one_the_second_pass_finds(
    account: Account, ctx: Any
) -> None:
    made = [
        account.customer(f"Customer {i}", cards=[VISA, MASTERCARD], default=i % 2)[0]
        for i in range(4)
    ]
    made.append(account.customer("No default", cards=[VISA])[0])
    after_first_pass: dict[str, list[tuple[str, bool]]] = {}
    pending: dict[str, bool] = {}

    def look(phase: str, done: int, total: int | None) -> None:
        if phase == SECOND_PASS and done == 0:
            for cus in made:
                after_first_pass[cus] = [(c.id, c.is_default) for c in queries.cards_of(cus)]
                pending[cus] = bool(getattr(queries.customer(cus), "cards_pending", False))

    ctx.sync_engine().run(SyncProgress(look), full=True)

    assert all(pending.values()) and len(pending) == len(made)
    for cus in made:
        defaults = [(c.id, c.is_default) for c in queries.cards_of(cus) if c.is_default]
        assert after_first_pass[cus] == defaults  # the same card, and the only one so far
        assert len(queries.cards_of(cus)) == 2 - (cus == made[-1])
        row = queries.customer(cus)
        assert row is not None and not row.cards_pending


def test_a_legacy_default_source_is_the_default_card(account: Account, ctx: Any) -> None:
    olga, _ = account.customer("Olga Legacy")
    legacy = account.legacy_card(olga, "5555555555554444", 7, 2032)

    ctx.sync_engine().run(full=True)

    (card,) = queries.cards_of(olga)
    # (The emulator calls every legacy card a Visa.)
    assert (card.id, card.is_default, card.last_four) == (legacy, True, "4444")
    assert (card.exp_month, card.exp_year) == (7, 2032)
    row = queries.customer(olga)
    assert row is not None and row.default_card_label.endswith("•••• 4444")
    # The emulator's card list leaves legacy sources out (Stripe's includes them): the card
    # the first pass saw in this sync is not taken for one removed from Stripe.
    assert card.is_active


def test_an_interrupted_second_pass_keeps_what_both_passes_wrote(
    account: Account, ctx: Any
) -> None:
    """Ctrl-C in the command line reaches the sync as a KeyboardInterrupt in its thread."""
    made = {account.customer(f"C{i}", cards=[VISA, MASTERCARD], default=0)[0] for i in range(30)}
    read = 0

    def interrupt(phase: str, done: int, total: int | None) -> None:
        nonlocal read
        if phase == SECOND_PASS and done >= 10:
            read = done
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        ctx.sync_engine().run(SyncProgress(interrupt), full=True)

    rows = {r.id: r for r in queries.customer_rows(queries.customers_query())}
    assert rows.keys() == made and not any(r.deleted for r in rows.values())
    whole = {cus for cus, row in rows.items() if not row.cards_pending}
    assert len(whole) >= read and whole != made
    for row in rows.values():
        assert row.card_count == (1 if row.cards_pending else 2)
        assert row.default_card_label == "Visa •••• 4242"


CUSTOMERS = 103  # two pages of the customer list


@pytest.fixture(scope="module")
def many_customers() -> Iterator[Emulator]:
    """An emulator of the module's own with 103 customers, seeded once for both cache
    backends (the test below only reads it)."""
    with running_emulator() as emulator:
        account = Account(emulator)
        for i in range(CUSTOMERS):
            account.customer(f"Customer {i}", cards=[VISA] * (i % 3), default=0 if i % 3 else None)
        yield emulator


@pytest.fixture
def many_ctx(
    many_customers: Emulator, home: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Proxy, Context]]:
    """The app's context on that emulator, through a counting proxy."""
    monkeypatch.setenv("STRIPE_API_KEY", many_customers.key)
    with Proxy.to(many_customers.api_base) as proxy:
        monkeypatch.setenv("STRIPE_API_BASE", proxy.url)
        context = Context(Profile())
        context.cache()
        yield proxy, context
        context.close()


def test_the_first_pass_costs_one_request_per_100_customers(
    many_ctx: tuple[Proxy, Context],
) -> None:
    proxy, ctx = many_ctx
    customers = CUSTOMERS
    proxy.reset()
    at_first_pass_end: list[int] = []
    rows_then: list[int] = []

    def count(whole: bool) -> None:
        if whole and not at_first_pass_end:  # the first pass is written, whole
            at_first_pass_end.append(proxy.count)
            rows_then.append(len(queries.customer_rows(queries.customers_query())))

    result = ctx.sync_engine().run(SyncProgress(on_written=count), full=True)

    pages = math.ceil(customers / 100)
    assert rows_then == [customers]
    assert at_first_pass_end[0] <= pages + 2  # the server time, the pages
    # The whole sync: the cards of each customer, the two billing lists, at most one probe
    # learning that the emulator lacks the customers' cards route, and at most one learning
    # that it lacks InvoicePayments (the period's list, one page on Stripe).
    assert proxy.count == result.requests <= pages + customers + 1 + 1 + 2 + 1


def test_an_incremental_sync_clears_the_mark_of_the_customers_it_reads(
    account: Account, proxy: Proxy, ctx: Any
) -> None:
    """A customer new to the cache, left marked by a cut full sync, has its cards read by the
    next incremental sync from its events."""
    account.customer("Before")
    ctx.sync_engine().run(full=True)
    ada, cards = account.customer("Ada", cards=[VISA, MASTERCARD], default=0)
    with pytest.raises(StripeUnreachableError):
        ctx.sync_engine().run(cut_at_second_pass(proxy), full=True)
    assert getattr(queries.customer(ada), "cards_pending", None) is True
    proxy.restore()

    result = ctx.sync_engine().run()

    assert result.kind == "incremental" and ada in result.refetched
    row = queries.customer(ada)
    assert row is not None and not row.cards_pending and row.card_count == 2
    assert {c.id for c in queries.cards_of(ada)} == set(cards)


def test_a_cache_made_before_the_mark_is_migrated(account: Account, ctx: Any) -> None:
    account.customer("Ada", cards=[VISA], default=0)
    ctx.sync_engine().run(full=True)
    db = ctx.cache().db
    version = migrations_version_of_the_mark()
    with db.atomic():
        db.execute_sql(f'ALTER TABLE "{Customer._meta.table_name}" DROP COLUMN "cards_pending"')
        SchemaMigration.delete().where(SchemaMigration.version >= version).execute()
    ctx.close()

    ctx.may_migrate = True  # as `billing-admin migrate` opens it (a shared cache waits for that)
    ctx.cache()

    (row,) = queries.customer_rows(queries.customers_query())
    assert row.name == "Ada" and row.cards_pending is False and row.card_count == 1


def migrations_version_of_the_mark() -> int:
    from app.cache import migrations

    return migrations.MIGRATIONS.index(migrations._v9_cards_pending) + 1

"""Writing customers with their cards (app/cache/customer_write.py), on SQLite and PostgreSQL:
each customer's default flag, card count, default card's label and search key are what its
cards say, after a full write, an incremental one, and writes of customers or cards alone; and
a fresh write inserts every row once (nothing written and then corrected)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from app.cache import bulk, customer_write, queries, store
from app.cache.models import Card, Customer, database, fold, now
from app.cards import display_name
from app.context import Context
from app.records import CardData, CustomerData
from app.settings import Profile


def card(pm: str, customer: str, last_four: str, brand: str = "visa") -> CardData:
    return CardData(pm, customer, brand, last_four, 12, 2030, "US", "credit", 1_700_000_000)


@pytest.fixture
def cache(home: Path) -> Iterator[None]:
    ctx = Context(Profile())
    ctx.cache()
    yield
    ctx.close()


def write(
    customers: Sequence[CustomerData],
    cards: dict[str, list[CardData]],
    *,
    complete: bool = False,
    at: Any = None,
) -> None:
    with database.atomic():
        store.write_customers(customers, cards, at or now(), complete=complete)


def expected(customer: CustomerData, cards: Sequence[CardData]) -> dict[str, Any]:
    """What the customers list and the cards pane must show, worked out from scratch."""
    default = next((c for c in cards if c.id == customer.default_payment_method), None)
    fours = sorted({c.last_four for c in cards})
    return {
        "card_count": len(cards),
        "label": display_name(default.card_type, default.last_four) if default else "",
        "search_key": fold(" ".join([customer.name, customer.email, customer.id, *fours])),
        "default_cards": [default.id] if default else [],
        "active_cards": sorted(c.id for c in cards),
    }


def shown(stripe_id: str) -> dict[str, Any]:
    row = queries.customer(stripe_id)
    assert row is not None
    held = queries.cards_of(stripe_id)
    return {
        "card_count": row.card_count,
        "label": row.default_card_label,
        "search_key": Customer.get(Customer.stripe_id == stripe_id).search_key,
        "default_cards": [c.id for c in held if c.is_default],
        "active_cards": sorted(c.id for c in held),
    }


def found(text: str) -> list[str]:
    return sorted(r.id for r in queries.customer_rows(queries.customers_query(text)))


PEOPLE = [
    CustomerData("cus_none", "Nobody Cardless", "none@example.com", None),
    CustomerData("cus_one", "Ingrid Bergström", "ingrid@example.se", "pm_one"),
    CustomerData("cus_two", "Søren Ångström", "soren@example.dk", "pm_two_b"),
    # The default names a card Stripe did not list with the customer's cards.
    CustomerData("cus_lost", "Lost Default", "lost@example.com", "pm_elsewhere"),
    CustomerData("cus_same", "Same Four", "same@example.com", "pm_same_a"),
]
CARDS: dict[str, list[CardData]] = {
    "cus_none": [],
    "cus_one": [card("pm_one", "cus_one", "4242")],
    "cus_two": [
        card("pm_two_a", "cus_two", "1111", "mastercard"),
        card("pm_two_b", "cus_two", "2222", "amex"),
    ],
    "cus_lost": [card("pm_lost", "cus_lost", "3333")],
    "cus_same": [card("pm_same_a", "cus_same", "5555"), card("pm_same_b", "cus_same", "5555")],
}


@pytest.mark.usefixtures("cache")
def test_a_full_write_gives_every_customer_its_default_flag_count_label_and_search_key() -> None:
    write(PEOPLE, CARDS)

    for person in PEOPLE:
        assert shown(person.id) == expected(person, CARDS[person.id]), person.id
    assert found("bergstrom") == ["cus_one"]
    assert found("2222") == ["cus_two"]
    assert found("5555") == ["cus_same"]


@pytest.mark.usefixtures("cache")
def test_a_write_larger_than_a_batch_gives_every_customer_its_summary() -> None:
    many = customer_write.BATCH + 150
    people = [
        CustomerData(f"cus_{i:05d}", f"Customer {i}", f"c{i}@example.com", f"pm_{i:05d}_1")
        for i in range(many)
    ]
    cards = {
        p.id: [card(f"pm_{i:05d}_{n}", p.id, f"{n}{i % 1000:03d}") for n in (0, 1)]
        for i, p in enumerate(people)
    }

    write(people, cards)

    assert Customer.select().count() == many
    assert Card.select().where(Card.is_default).count() == many
    for i in (0, customer_write.BATCH - 1, customer_write.BATCH, many - 1):
        assert shown(people[i].id) == expected(people[i], cards[people[i].id])


@pytest.mark.usefixtures("cache")
def test_an_incremental_write_of_changed_customers_updates_their_summaries() -> None:
    first = now() - timedelta(minutes=5)
    write(PEOPLE, CARDS, at=first)
    # On Stripe: cus_two dropped its amex, added a visa and made it the default; cus_one's
    # email changed; the others did not change and are not written.
    changed = [
        CustomerData("cus_two", "Søren Ångström", "soren@example.dk", "pm_two_c"),
        CustomerData("cus_one", "Ingrid Bergström", "ingrid@new.example", "pm_one"),
    ]
    listed = {
        "cus_two": [
            card("pm_two_a", "cus_two", "1111", "mastercard"),
            card("pm_two_c", "cus_two", "7777"),
        ],
        "cus_one": CARDS["cus_one"],
    }

    write(changed, listed, complete=True)

    for person in changed:
        assert shown(person.id) == expected(person, listed[person.id]), person.id
    for person in PEOPLE[2:]:
        if person.id != "cus_two":
            assert shown(person.id) == expected(person, CARDS[person.id]), person.id
    gone = queries.card("pm_two_b")
    assert gone is not None and not gone.is_active and not gone.is_default
    assert found("2222") == []
    assert found("7777") == ["cus_two"]
    assert found("ingrid@new") == ["cus_one"]
    assert shown("cus_two")["label"] == "Visa •••• 7777"


@pytest.mark.usefixtures("cache")
def test_cards_written_without_their_customer_update_the_stored_customer() -> None:
    write(PEOPLE, CARDS)
    newer = [*CARDS["cus_lost"], card("pm_elsewhere", "cus_lost", "8888")]

    with database.atomic():
        ids = store.customer_ids(["cus_lost"])
        store.upsert_cards({"cus_lost": newer}, ids, now(), complete=True)

    assert shown("cus_lost") == expected(PEOPLE[3], newer)
    assert shown("cus_lost")["label"] == "Visa •••• 8888"


@pytest.mark.usefixtures("cache")
def test_a_customer_written_without_its_cards_keeps_them_and_its_new_default() -> None:
    write(PEOPLE, CARDS)
    switched = CustomerData("cus_two", "Søren Ångström", "soren@example.dk", "pm_two_a")

    with database.atomic():
        store.upsert_customers([switched], now())

    assert shown("cus_two") == expected(switched, CARDS["cus_two"])
    assert shown("cus_two")["label"] == "Mastercard •••• 1111"


@pytest.mark.usefixtures("cache")
def test_a_partial_write_keeps_the_cards_it_did_not_list_until_the_full_sync_ends() -> None:
    started = now()
    write(PEOPLE, CARDS, at=started - timedelta(minutes=5))
    # A full sync's batch: cus_two listed with one card only (complete=False).
    write([PEOPLE[2]], {"cus_two": [CARDS["cus_two"][1]]}, at=started)

    assert shown("cus_two") == expected(PEOPLE[2], CARDS["cus_two"])

    with database.atomic():
        store.deactivate_unseen(started)

    assert shown("cus_two") == expected(PEOPLE[2], [CARDS["cus_two"][1]])
    assert found("1111") == []


@pytest.mark.postgresql_only
@pytest.mark.usefixtures("cache")
def test_a_fresh_write_inserts_each_row_once_and_updates_none() -> None:
    """Rows inserted and then updated in the same write left PostgreSQL's tables half empty
    (a dead version of every row) until vacuum. The statistics of the current transaction
    count what it did to each table."""
    with database.atomic():
        store.write_customers(PEOPLE, CARDS, now(), complete=False)
        counts = dict(
            (name, (inserted, updated))
            for name, inserted, updated in database.execute_sql(
                "SELECT relname, n_tup_ins, n_tup_upd FROM pg_stat_xact_user_tables "
                "WHERE relname IN ('customer', 'card')"
            ).fetchall()
        )

    cards = sum(len(held) for held in CARDS.values())
    assert counts == {"customer": (len(PEOPLE), 0), "card": (cards, 0)}


@pytest.mark.sqlite_only
@pytest.mark.usefixtures("cache")
def test_a_large_write_gives_back_the_page_cache_it_borrowed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A large write keeps more of SQLite's pages in memory while it runs (app/cache/bulk.py
    `room_for`), and no more than before once it has finished."""
    monkeypatch.setattr(bulk, "LARGE_WRITE_ROWS", 3)
    before = database.execute_sql("PRAGMA cache_size").fetchone()[0]
    during: list[int] = []
    stored = customer_write._stored_customers

    def watching(where: Any) -> Any:
        during.append(database.execute_sql("PRAGMA cache_size").fetchone()[0])
        return stored(where)

    monkeypatch.setattr(customer_write, "_stored_customers", watching)

    write(PEOPLE, CARDS)

    assert during == [-bulk.LARGE_WRITE_CACHE_KIB]
    assert database.execute_sql("PRAGMA cache_size").fetchone()[0] == before
    assert shown("cus_two") == expected(PEOPLE[2], CARDS["cus_two"])


def pending(stripe_id: str) -> bool:
    row = queries.customer(stripe_id)
    assert row is not None
    return row.cards_pending


@pytest.mark.usefixtures("cache")
def test_a_first_pass_marks_new_customers_and_their_whole_lists_clear_the_mark() -> None:
    """A full sync's two passes (app/sync/full.py): the first writes each customer with its
    default card, marking those new to the cache; the second writes each whole card list."""
    write(PEOPLE[:1], {"cus_none": []})  # cached before, its cards known
    defaults = {p.id: [c for c in CARDS[p.id] if c.id == p.default_payment_method] for p in PEOPLE}

    with database.atomic():
        store.write_customers(PEOPLE, defaults, now(), complete=False, cards_pending=True)

    assert {p.id: pending(p.id) for p in PEOPLE} == {
        "cus_none": False,
        "cus_one": True,
        "cus_two": True,
        "cus_lost": True,
        "cus_same": True,
    }
    assert shown("cus_two") == expected(PEOPLE[2], defaults["cus_two"])

    # A card added from the window meanwhile is not the whole list: the mark stays.
    write([PEOPLE[2]], {"cus_two": [CARDS["cus_two"][0]]})
    assert pending("cus_two")

    with database.atomic():
        store.write_customers([], dict(list(CARDS.items())[:3]), now(), complete=False, whole=True)

    assert [pending(p.id) for p in PEOPLE] == [False, False, False, True, True]
    for person in PEOPLE[:3]:
        assert shown(person.id) == expected(person, CARDS[person.id]), person.id


def customers_updated() -> int:
    """Rows of the customer table updated by this connection and not yet in the server's
    statistics (those of earlier transactions too, until the connection reports them)."""
    (count,) = database.execute_sql(
        "SELECT n_tup_upd FROM pg_stat_xact_user_tables WHERE relname = 'customer'"
    ).fetchone()
    return int(count)


@pytest.mark.postgresql_only
@pytest.mark.usefixtures("cache")
def test_the_second_pass_writes_each_marked_customer_once_and_an_unchanged_one_not_at_all() -> None:
    """The mark is cleared by the write of the customer's new summary, not by a second UPDATE
    of its row (a dead row version each on PostgreSQL); a customer whose cards and mark did
    not change is not written."""
    write(PEOPLE[:1], {"cus_none": []})
    defaults = {p.id: [c for c in CARDS[p.id] if c.id == p.default_payment_method] for p in PEOPLE}
    with database.atomic():
        store.write_customers(PEOPLE, defaults, now(), complete=False, cards_pending=True)

    with database.atomic():
        before = customers_updated()
        store.write_customers([], CARDS, now(), complete=False, whole=True)
        updated = customers_updated() - before

    assert updated == len(PEOPLE) - 1  # every one but cus_none, once
    assert not any(pending(p.id) for p in PEOPLE)

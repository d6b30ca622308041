"""The search index files customers in name order (`search_ranks`, migration 11), so that a
search in name order reads a page of its matches: after any sequence of writes — a first
sync, customers placed between neighbours with no room left, before everyone, after
everyone, renamed — the index's order is the list's, and what a search shows is what a plain
scan of the keys shows. SQLite only (PostgreSQL's index is pg_trgm's)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.cache import migrations, queries, search_index, search_pages, search_ranks, store
from app.cache.models import Customer, SchemaMigration
from app.context import Context
from app.records import CustomerData
from app.settings import Profile

pytestmark = pytest.mark.sqlite_only


@pytest.fixture
def cache(home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Context]:
    """An empty SQLite cache whose ranks leave almost no room, so that writes spread
    neighbourhoods out often."""
    monkeypatch.setattr(search_ranks, "GAP", 4)
    monkeypatch.setattr(search_ranks, "MIN_STEP", 2)
    monkeypatch.setattr(search_ranks, "FIRST_SPREAD", 1)
    ctx = Context(Profile())
    ctx.cache()
    yield ctx
    ctx.close()


def write(*customers: tuple[str, str]) -> None:
    """Customers (Stripe id, name) as a sync writes them, the write ending as every write does."""
    at = datetime.now(UTC)
    rows = [CustomerData(cid, name, f"{cid}@example.com", None) for cid, name in customers]
    with Customer._meta.database.atomic():
        store.upsert_customers(rows, at)
        store.bump_version()


def index_order() -> list[str]:
    """The customers as the index files them (by rank)."""
    sql = (
        f'SELECT c."stripe_id" FROM {search_ranks.TABLE} r JOIN "customer" c ON c."id" = r.id '
        "ORDER BY r.rank"
    )
    return [row[0] for row in Customer._meta.database.execute_sql(sql)]


def list_order() -> list[str]:
    query = Customer.select(Customer.stripe_id).order_by(Customer.name, Customer.stripe_id)
    return [row.stripe_id for row in query]


def assert_index_follows_the_list() -> None:
    assert index_order() == list_order()
    db = Customer._meta.database
    assert db.execute_sql(f"SELECT count(*) FROM {search_index.PENDING}").fetchone() == (0,)
    fts = search_index.TABLE
    db.execute_sql(f"INSERT INTO {fts}({fts}) VALUES ('integrity-check')")
    for search in ("a", "an", "ana", "ada", "ann", "zz", "example", "cus_0", "!", "李"):
        for descending in (False, True):
            expected = queries.customer_rows(queries.customers_query(search, descending=descending))
            first = search_pages.first_page(search, 7, descending=descending)
            assert first.ordered, "name order reads the index in its order"
            rows = list(first.rows or [])
            while len(rows) < len(expected):
                page = search_pages.later_rows(search, len(rows), 7, first, descending=descending)
                assert page, (search, descending, len(rows), len(expected))
                rows.extend(page)
            assert rows == expected, (search, descending)


def test_every_write_keeps_the_index_in_the_lists_order(cache: Context) -> None:
    # A first sync: everything ranked at once.
    write(*((f"cus_0{n:03d}", f"{'Ana' if n % 2 else 'Bob'} {n}") for n in range(40)))
    assert_index_follows_the_list()
    ranked = dict(Customer._meta.database.execute_sql(f"SELECT id, rank FROM {search_ranks.TABLE}"))

    # Fifteen customers between two neighbours 4 apart: the neighbourhood is spread out.
    write(*((f"cus_1{n:03d}", f"Ana 10 {n:02d}") for n in range(15)))
    assert_index_follows_the_list()
    after = dict(Customer._meta.database.execute_sql(f"SELECT id, rank FROM {search_ranks.TABLE}"))
    assert any(after[id_] != rank for id_, rank in ranked.items()), "nothing was moved"

    # Before everyone, after everyone, one at a time and several at once.
    write(("cus_2000", "!first"))
    write(("cus_2001", "!!earlier"), ("cus_2002", "!!!"))
    write(("cus_2003", "李 last"), ("cus_2004", "zzz"))
    assert_index_follows_the_list()

    # Renamed: a customer moves to its new place, and is found by its new name only.
    write(("cus_0003", "Zed Ann"), ("cus_1007", "Aaron"))
    assert_index_follows_the_list()
    # The same key, another place in name order (BINARY: "ANA" before "Aaron").
    write(("cus_0001", "ANA 1"))
    assert_index_follows_the_list()
    assert [r.id for r in search_pages.first_page("ana 10 07", 7).rows or []] == []
    assert [r.id for r in search_pages.first_page("zed", 7).rows or []] == ["cus_0003"]

    # Many small writes at one spot: each spreads its neighbourhood, never loses a row.
    for n in range(30):
        write((f"cus_3{n:03d}", f"Ana 10 07 {n:02d}"))
    assert_index_follows_the_list()


def test_a_write_as_large_as_the_index_ranks_everyone_again(cache: Context) -> None:
    write(*((f"cus_0{n:03d}", f"Ana {n}") for n in range(10)))
    write(*((f"cus_1{n:03d}", f"Ana {n} b") for n in range(12)))  # more than are ranked
    assert_index_follows_the_list()
    ranks = [
        row[0]
        for row in Customer._meta.database.execute_sql(
            f"SELECT rank FROM {search_ranks.TABLE} ORDER BY rank"
        )
    ]
    assert ranks == [search_ranks.GAP * (n + 1) for n in range(22)]


def test_a_cache_indexed_by_an_older_version_is_indexed_again(cache: Context) -> None:
    """Migration 11 replaces migration 8's index (filed by cache id, without the keys' own
    three-character tokens)."""
    write(*((f"cus_0{n:03d}", f"Ana {39 - n}") for n in range(40)))
    db = Customer._meta.database
    # What migration 8 of the earlier version left: an index filed by cache id, no ranks.
    db.execute_sql(f"DROP TABLE {search_ranks.TABLE}")
    db.execute_sql(f"DROP TABLE {search_index.TABLE}")
    db.execute_sql(
        f"CREATE VIRTUAL TABLE {search_index.TABLE} USING fts5(grams, content='', "
        "tokenize='trigram', detail='none', columnsize=0)"
    )
    SchemaMigration.delete().where(SchemaMigration.version > 10).execute()
    cache.close()
    reopened = Context(Profile())
    reopened.cache()
    assert migrations.current_version(Customer._meta.database) == migrations.LATEST
    assert_index_follows_the_list()
    reopened.close()


def test_random_writes_keep_the_index_in_the_lists_order(cache: Context) -> None:
    """Batches of new and renamed customers, of every size, at random places."""
    rng = random.Random(11)
    words = ["ana", "ann", "ada", "bob", "zz", "李", "!", "anna", "a", ""]
    ids: list[str] = []
    for batch in range(25):
        size = rng.choice([1, 1, 2, 3, 8, 20])
        rows = []
        for n in range(size):
            renamed = ids and rng.random() < 0.4
            cid = rng.choice(ids) if renamed else f"cus_r{batch:02d}{n:02d}"
            if not renamed:
                ids.append(cid)
            rows.append((cid, f"{rng.choice(words)} {rng.choice(words)}".strip()))
        write(*dict(rows).items())
    assert_index_follows_the_list()

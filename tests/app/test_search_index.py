"""Search through the search index (migration 8) finds exactly what a plain scan of the search
keys finds: the same rows in the same order, the same count, for every kind of search, on
both backends; and the index follows every write of a key."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from peewee import SqliteDatabase

from app.cache import queries, search_index, search_pages, store
from app.cache.models import Customer, fold
from app.context import Context
from app.records import CardData, CustomerData, CustomerRow
from app.settings import Profile

#: Names a search must not trip over: accents, case, other scripts, LIKE's wildcards and
#: escape, quotes, the index's own separator.
NAMES = [
    "Ingrid Bergström",
    "INGRID BERGSTROM",
    "Søren Ångström",
    "Zoë Lefèvre",
    "李小龙",
    "Café Straße GmbH",
    "100% Cotton Ltd",
    "snake_case Inc",
    "Back\\slash & Co",
    'Quote "Q" Ltd',
    "Ctrl\x01Char",
    "",
    "Ana",
    "ana maría",
]
SEARCHES = [
    *("", "   ", "a", "e", "@", "cus_", "4", "o", "ö", "Ö", "李", "李小", "%", "_", "\\"),
    *("%c", "50%", "0%", "e_c", '"', '"q"', "\x01", "zz", "ng", "an", "ström", "STRÖM"),
    *("bergstrom", "ångström", "example.com", "@example.", "cus_t000", "cus_t00012"),
    *("4242", "42", "2", "0005", "cafe strasse", "nobody here", "ana maría", "a" * 300),
]
SORTS = [("name", False), ("email", True), ("id", False), ("cards", True), ("default", False)]


def _customers(count: int) -> tuple[list[CustomerData], dict[str, list[CardData]]]:
    rows, cards = [], {}
    for n in range(count):
        cid = f"cus_t{n:05d}"
        name = f"{NAMES[n % len(NAMES)]} {n // len(NAMES)}".strip() if n % 7 else NAMES[n % 14]
        rows.append(CustomerData(cid, name, f"p{n}@example.com" if n % 5 else "", None))
        cards[cid] = [
            CardData(
                f"pm_t{n:05d}_{k}",
                cid,
                "visa",
                f"{(n * 37 + k * 4242) % 10000:04d}",
                1 + n % 12,
                2030,
                "US",
                "credit",
                1_700_000_000 + n,
            )
            for k in range(n % 3)
        ]
    return rows, cards


@pytest.fixture
def filled(home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A few hundred customers, with the thresholds lowered so that every plan of
    `search_pages.first_page` (candidates sorted, probe, walk) is taken."""
    monkeypatch.setattr(search_pages, "FEW_CANDIDATES", 40)
    monkeypatch.setattr(search_pages, "PROBE_ROWS", 60)
    monkeypatch.setattr(search_pages, "MANY_CANDIDATES", 150)
    ctx = Context(Profile())
    db = ctx.cache().db
    rows, cards = _customers(420)
    at = datetime.now(UTC)
    with db.atomic():
        ids = store.upsert_customers(rows, at)
        store.upsert_cards(cards, ids, at, complete=False)
        store.upsert_customers([CustomerData("cus_gone", "Ana Gone", "", None, deleted=True)], at)
        store.bump_version()
    yield
    ctx.close()


def reference(search: str, **options: Any) -> list[CustomerRow]:
    """The search as a plain scan of every key: LIKE, the sort, nothing else."""
    return queries.customer_rows(queries.customers_query(search, **options))


def shown(search: str, limit: int, **options: Any) -> tuple[list[CustomerRow], int]:
    """What the window shows: the first page, later pages read as the model reads them, and
    the count (now, or as the model reads it later)."""
    first = search_pages.first_page(search, limit, **options)
    counted = queries.customers_query(
        search, use_sort_index=first.use_sort_index, indexed=first.indexed, **options
    )
    total = first.count if first.count is not None else queries.count(counted)
    rows = list(first.rows or [])
    while len(rows) < total:
        page = search_pages.later_rows(search, len(rows), limit, first, **options)
        assert page, "a page the count promises is empty"
        rows.extend(page)
    return rows, total


@pytest.mark.parametrize("search", SEARCHES)
def test_a_search_finds_what_a_scan_of_the_keys_finds(filled: None, search: str) -> None:
    expected = reference(search)
    rows, total = shown(search, 25)
    assert rows == expected
    assert total == len(expected)
    # And the scan itself is the substring search the operator expects.
    keys = {c.stripe_id: c.search_key for c in Customer.select().where(~Customer.deleted)}
    assert {r.id for r in expected} == {i for i, k in keys.items() if fold(search.strip()) in k}


@pytest.mark.parametrize(("sort", "descending"), SORTS)
@pytest.mark.parametrize("search", ["a", "ö", "42", "%", "cus_t0001", "ana"])
def test_every_order_and_the_expiring_filter_give_the_same_rows(
    filled: None, search: str, sort: str, descending: bool
) -> None:
    today = datetime(2030, 1, 1, tzinfo=UTC).date()
    for expiring in (None, 90):
        options = {"sort": sort, "descending": descending, "expiring_within": expiring}
        options["today"] = today
        expected = reference(search, **options)
        assert shown(search, 25, **options) == (expected, len(expected))


def test_the_count_of_a_broad_search_is_left_for_later(filled: None) -> None:
    first = search_pages.first_page("a", 25)
    assert first.count is None and len(first.rows or []) == 25
    few = search_pages.first_page("李小", 50)
    assert few.count == len(reference("李小")) == 30


def _write_ada(name: str, card: str, last_four: str, *, complete: bool) -> None:
    """Ada and her one card, as a sync writes them (the customer, then the card list)."""
    at = datetime.now(UTC)
    with Customer._meta.database.atomic():
        Customer.update(name=name).where(Customer.stripe_id == "cus_ada").execute()
        ids = store.upsert_customers([CustomerData("cus_ada", name, "ada@example.com", None)], at)
        cards = [CardData(card, "cus_ada", "visa", last_four, 1, 2031, None, None, 1)]
        store.upsert_cards({"cus_ada": cards}, ids, at, complete=complete)
        store.bump_version()


def test_the_index_follows_every_write_of_a_key(filled: None) -> None:
    db = Customer._meta.database
    _write_ada("Ada Lovelace", "pm_ada", "9876", complete=False)
    if isinstance(db.obj, SqliteDatabase):  # the write's end indexed what it noted
        pending = f"SELECT count(*) FROM {search_index.PENDING}"
        assert db.execute_sql(pending).fetchone() == (0,)
    assert [r.id for r in search_pages.first_page("lovelace", 25).rows or []] == ["cus_ada"]
    assert [r.id for r in search_pages.first_page("9876", 25).rows or []] == ["cus_ada"]

    # A new card replaces the old (an incremental re-fetch), and the name changes.
    _write_ada("Ada King", "pm_ada2", "5555", complete=True)
    for search, found in (("9876", []), ("5555", ["cus_ada"]), ("ada king", ["cus_ada"])):
        assert [r.id for r in search_pages.first_page(search, 25).rows or []] == found, search
        assert [r.id for r in reference(search)] == found

    with db.atomic():
        store.mark_customer_deleted("cus_ada", datetime.now(UTC))
        store.bump_version()
    assert search_pages.first_page("ada king", 25).rows == []


def test_a_key_written_without_catching_up_is_still_found(filled: None) -> None:
    """A write that ends without `store.bump_version` leaves its keys out of the index
    until the next one: searches read those rows themselves meanwhile."""
    db = Customer._meta.database
    with db.atomic():
        store.upsert_customers(
            [CustomerData("cus_new", "Wilhelmina Quux", "", None)], datetime.now(UTC)
        )
    assert [r.id for r in search_pages.first_page("quux", 25).rows or []] == ["cus_new"]
    assert [r.id for r in search_pages.first_page("q", 25).rows or []] == [
        r.id for r in reference("q")[:25]
    ]


@pytest.mark.parametrize("search", ["", "a", "ana", "李", "%", "nobody here"])
def test_the_command_line_reads_every_match_in_order_a_page_at_a_time(
    filled: None, search: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`customers --search` reads in pages after the last row read (no query sorts more than a
    page); names repeat, so a page may end in the middle of equal names."""
    monkeypatch.setattr(search_pages, "LIST_PAGE", 7)
    assert list(search_pages.customers_in_pages(search)) == reference(search)

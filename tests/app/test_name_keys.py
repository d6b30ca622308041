"""On a shared PostgreSQL cache, a search in name order reads its pages from the keys held in
memory (`app.cache.name_keys`): exactly the rows of a plain LIKE scan, in the same order, for
every kind of search; never from a list older than the cache."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from peewee import PostgresqlDatabase

from app.cache import name_keys, store
from app.cache.models import database
from app.records import CustomerData, CustomerRow
from tests.app.test_search_index import SEARCHES, filled, reference

pytestmark = pytest.mark.postgresql_only
__all__ = ["filled"]  # the fixture, used by name


def _keys() -> name_keys.NameKeys:
    db = database.obj
    assert isinstance(db, PostgresqlDatabase)
    return name_keys.load(db)


def _write(customer: CustomerData) -> None:
    """A write as a sync makes it: in one transaction, the version bumped at its end."""
    with database.atomic():
        store.upsert_customers([customer], datetime.now(UTC))
        store.bump_version()


def _all_pages(keys: name_keys.NameKeys, search: str, **options: Any) -> list[CustomerRow]:
    """Every match, a page of 25 at a time, as the window reads them while scrolling."""
    rows: list[CustomerRow] = []
    while True:
        page = keys.page(search, len(rows), 25, descending=bool(options.get("descending")))
        assert page is not None, "the list is as new as the cache"
        rows.extend(page)
        if len(page) < 25:
            return rows


@pytest.mark.parametrize("descending", [False, True])
def test_every_search_gives_what_a_scan_of_the_keys_gives(
    filled: None, backend: str, descending: bool
) -> None:
    keys = _keys()
    served = 0
    for search in SEARCHES:
        options = {"sort": "name", "descending": descending}
        if not keys.serves(search, options):
            continue
        served += 1
        assert _all_pages(keys, search, **options) == reference(search, **options), search
    # All but the empty searches and those holding a byte COPY escapes ("\\").
    assert served == len(SEARCHES) - 3


def test_a_page_can_be_read_again_out_of_order(filled: None, backend: str) -> None:
    keys = _keys()
    expected = reference("a")
    assert keys.page("a", 50, 25) == expected[50:75]
    assert keys.page("a", 0, 25) == expected[:25]
    assert keys.page("a", 25, 25) == expected[25:50]
    assert keys.page("e", 25, 25) == reference("e")[25:50]


def test_only_the_name_order_without_other_filters_is_served(filled: None, backend: str) -> None:
    keys = _keys()
    assert keys.serves("ana", {"sort": "name", "descending": True})
    assert not keys.serves("ana", {"sort": "email"})
    assert not keys.serves("ana", {"sort": "name", "expiring_within": 30})
    assert not keys.serves("ana", {"sort": "name", "include_deleted": True})
    assert not keys.serves("back\\slash", {})
    assert not keys.serves("  ", {})


def test_a_key_copy_escaped_is_found_only_by_what_it_holds(filled: None, backend: str) -> None:
    """A tab in a name is written by COPY as a backslash and a "t": "Tab<TAB>box" must not be
    found by "tb", which its escaped line holds ("tab\\tbox")."""
    _write(CustomerData("cus_tab", "Tab\tbox", "", None))
    keys = _keys()
    assert "cus_tab" not in [r.id for r in _all_pages(keys, "tb")]
    assert _all_pages(keys, "tb") == reference("tb")
    assert _all_pages(keys, "tb", descending=True) == reference("tb", descending=True)
    assert "cus_tab" in [r.id for r in _all_pages(keys, "tab")]
    assert _all_pages(keys, "tab", descending=True) == reference("tab", descending=True)


def test_a_list_older_than_the_cache_is_not_used(filled: None, backend: str) -> None:
    keys = _keys()
    assert keys.page("ana", 0, 25) is not None
    _write(CustomerData("cus_new", "Ana New", "", None))
    assert keys.page("ana", 0, 25) is None  # the caller reads the database instead
    assert keys.page("nobody here", 0, 25) is None  # not even to say there is no match
    fresh = _keys()
    assert "cus_new" in [r.id for r in _all_pages(fresh, "ana")]
    assert _all_pages(fresh, "ana") == reference("ana")

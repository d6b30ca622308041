"""`queries.first_page` picks a plan by how many customers match; the rows never depend on it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.cache import queries, store
from app.context import Context
from app.records import CustomerData
from app.settings import Profile

COUNT = queries.PROBE_ROWS + 600


@pytest.fixture
def filled(home: Path) -> Iterator[None]:
    ctx = Context(Profile())
    db = ctx.cache().db
    rows = [
        CustomerData(
            f"cus_{n:06d}",
            # Five rare names sort last: a search for them finds nothing along the first
            # PROBE_ROWS rows of the name index.
            f"Zeta {n:06d}" if n >= COUNT - 5 else f"Name {n:06d}",
            f"c{n % 997}@example.com",
            None,
        )
        for n in range(COUNT)
    ]
    with db.atomic():
        store.upsert_customers(rows, datetime.now(UTC))
    yield
    ctx.close()


@pytest.mark.parametrize("search", ["example", "zeta", "c12@", "0001", "nobody"])
@pytest.mark.parametrize(("sort", "descending"), [("name", False), ("email", True), ("id", False)])
def test_first_page_is_the_list_s_first_page_and_count(
    filled: None, search: str, sort: str, descending: bool
) -> None:
    options = {"sort": sort, "descending": descending}
    query = queries.customers_query(search, **options)  # type: ignore[arg-type]
    first = queries.first_page(search, 200, **options)
    assert first.count == queries.count(query)
    assert first.rows == queries.customer_rows(query, 0, 200)
    later = queries.customers_query(search, use_sort_index=first.use_sort_index, **options)  # type: ignore[arg-type]
    assert queries.customer_rows(later, 200, 200) == queries.customer_rows(query, 200, 200)


def test_a_search_matching_many_walks_the_index_and_one_matching_few_does_not(
    filled: None,
) -> None:
    assert queries.first_page("example", 200).use_sort_index
    assert not queries.first_page("zeta", 200).use_sort_index
    assert queries.first_page("zeta", 200).count == 5

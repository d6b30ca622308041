"""`search_pages.first_page` picks a plan by how many customers match (the rows never depend on
it: tests/app/test_search_index.py)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.cache import queries, search_pages, store
from app.context import Context
from app.records import CustomerData
from app.settings import Profile

COUNT = search_pages.PROBE_ROWS + 600


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


def test_a_search_matching_many_walks_the_index_and_one_matching_few_does_not(
    filled: None, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search_pages, "FEW_CANDIDATES", 1000)
    many = search_pages.first_page("example", 200)
    assert many.use_sort_index and not many.indexed
    assert many.count is None  # counted later, after the page is shown
    assert many.rows == queries.customer_rows(queries.customers_query("example"), 0, 200)
    few = search_pages.first_page("zeta", 200)
    assert not few.use_sort_index and few.count == 5
    assert few.indexed == (backend == "sqlite")  # PostgreSQL's planner uses its own index

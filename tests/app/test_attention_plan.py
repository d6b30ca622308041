"""On SQLite, "Needs attention"'s ranking reads each billable subscription's customer and
paying card from the covering indexes of migration 10 (not the table rows beside the unique
Stripe id indexes): what keeps it quick on 1,000,000 customers (measured by `make bench`)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from app.cache import billing_queries
from app.cache.migrations import ATTENTION_INDEXES
from app.context import Context
from app.settings import Profile
from tests.support.billing import write_cases


@pytest.mark.sqlite_only
def test_the_ranking_reads_customers_and_cards_from_covering_indexes(home: Path) -> None:
    ctx = Context(Profile())
    db = ctx.cache().db
    with db.atomic():
        write_cases()
    sql, params = billing_queries.ranking_query(date(2026, 11, 26)).sql()

    plan = [row[-1] for row in db.execute_sql(f"EXPLAIN QUERY PLAN {sql}", params)]

    for name, _ in ATTENTION_INDEXES.values():
        assert any(f"USING COVERING INDEX {name} " in step for step in plan), plan
    ctx.close()

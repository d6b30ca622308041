"""On SQLite, "Needs attention"'s ranking reads the flagged subscriptions through the index
of their stored `attention_from` (`app.cache.paying`, migration 14), never a scan of every
subscription with its customer and card looked up: what keeps it quick on 1,000,000
customers (measured by `make bench-large`)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from app.cache import billing_queries
from app.context import Context
from app.settings import Profile
from tests.support.billing import write_cases


@pytest.mark.sqlite_only
def test_the_ranking_reads_the_flagged_subscriptions_by_index(home: Path) -> None:
    ctx = Context(Profile())
    db = ctx.cache().db
    with db.atomic():
        write_cases()
    sql, params = billing_queries.ranking_query(date(2026, 11, 26)).sql()

    plan = [row[-1] for row in db.execute_sql(f"EXPLAIN QUERY PLAN {sql}", params)]

    assert any("subscription_attention_from" in step for step in plan), plan
    assert not any(step.startswith("SCAN subscription") for step in plan), plan
    assert not any("card" in step for step in plan), plan
    ctx.close()

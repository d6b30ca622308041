""" "Needs attention" a page at a time: the ranking of every customer in one query, agreeing
with `needs_attention`, and the reasons of a page of them in three queries."""

from __future__ import annotations

from pathlib import Path

from playhouse.test_utils import count_queries

from app.billing.rules import SEVERITY, Reason
from app.cache import billing_queries
from app.context import Context
from app.settings import Profile
from tests.support.billing import CASES, write_cases


def test_the_ranking_orders_everyone_as_needs_attention_does(home: Path) -> None:
    ctx = Context(Profile())
    with ctx.cache().db.atomic():
        ids = write_cases()

    with count_queries(only_select=True) as counted:
        ranking = billing_queries.attention_ranking()

    assert counted.count == 1
    entries = billing_queries.needs_attention()
    assert ranking == [entry.id for entry in entries]
    assert {e.id: [r.code for r in e.reasons] for e in entries} == {
        ids[name]: codes for name, codes in CASES.items()
    }
    # Most severe first, then by name.
    severity = [SEVERITY[Reason(entry.reasons[0].code)] for entry in entries]
    assert severity == sorted(severity)
    assert ranking[-2:] == [ids["Another Soon"], ids["Soon"]]
    assert ids["Gone"] not in ranking and ids["Fine"] not in ranking
    ctx.close()


def test_a_page_of_reasons_reads_only_those_customers(home: Path) -> None:
    ctx = Context(Profile())
    with ctx.cache().db.atomic():
        ids = write_cases()
    page = [ids["Soon"], ids["Failing"], ids["Fine"]]

    with count_queries(only_select=True) as counted:
        entries = billing_queries.needs_attention(customers=page)

    assert counted.count == 3
    assert [entry.id for entry in entries] == [ids["Failing"], ids["Soon"]]
    assert entries[0].amount_due == (("eur", 4900),)
    assert "Your card was declined" in entries[0].reasons[0].detail
    assert billing_queries.needs_attention(customers=[]) == []
    ctx.close()

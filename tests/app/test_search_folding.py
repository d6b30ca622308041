"""Search ignores accents and case both ways ("bergstrom" finds Bergström, "ÅNGSTRÖM" finds
Angstrom), on the keys written from now on and on those of a cache made before."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.cache import migrations, queries, search_pages, store
from app.cache.db import open_cache
from app.cache.models import Customer, SchemaMigration
from app.records import CustomerData

PEOPLE = [
    CustomerData("cus_ingrid", "Ingrid Bergström", "ingrid@example.se", None),
    CustomerData("cus_soren", "Søren Ångström", "soren@example.dk", None),
    CustomerData("cus_plain", "Olivia Angstrom", "olivia@example.com", None),
    CustomerData("cus_strasse", "Café Straße GmbH", "cafe@example.de", None),
]


def found(search: str) -> list[str]:
    page = search_pages.first_page(search, 50)
    return sorted(row.id for row in page.rows or [])


@pytest.mark.parametrize(
    ("search", "ids"),
    [
        ("bergstrom", ["cus_ingrid"]),
        ("BERGSTRÖM", ["cus_ingrid"]),
        ("ingrid", ["cus_ingrid"]),
        ("angstrom", ["cus_plain", "cus_soren"]),
        ("ÅNGSTRÖM", ["cus_plain", "cus_soren"]),
        ("soren", ["cus_soren"]),
        ("strasse", ["cus_strasse"]),
        ("cafe straße", ["cus_strasse"]),
    ],
)
def test_search_ignores_accents_and_case(tmp_path: Path, search: str, ids: list[str]) -> None:
    opened = open_cache(tmp_path / "cache.sqlite3")
    with opened.db.atomic():
        store.upsert_customers(PEOPLE, datetime.now(UTC))
    assert found(search) == ids
    assert sorted(c.id for c in queries.customer_rows(queries.customers_query(search))) == ids
    opened.close()


def test_the_keys_of_a_cache_made_before_are_folded_when_it_opens(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    opened = open_cache(path)
    with opened.db.atomic():
        store.upsert_customers(PEOPLE[:1], datetime.now(UTC))
    # As the versions before 7 stored it: case-folded only.
    Customer.update(search_key="ingrid bergström ingrid@example.se cus_ingrid").execute()
    folding = migrations.MIGRATIONS.index(migrations._v7_accent_free_search) + 1
    SchemaMigration.delete().where(SchemaMigration.version >= folding).execute()
    opened.close()

    reopened = open_cache(path)

    assert migrations.current_version(reopened.db) == migrations.LATEST
    assert found("bergstrom") == ["cus_ingrid"]
    reopened.close()

"""The services `make test` starts for the tests (scripts/with-test-services): a throwaway
PostgreSQL server and a Secret Service; outside it the tests that need them are skipped."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest


def fresh_database(server_url: str) -> tuple[str, Callable[[], None]]:
    """A new database on the test PostgreSQL server: its URL and a function dropping it."""
    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(server_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return server_url.rsplit("/", 1)[0] + f"/{name}", drop


def postgres_server() -> str:
    server = os.environ.get("BILLING_ADMIN_TEST_POSTGRES")
    if not server:
        if os.environ.get("BILLING_ADMIN_REQUIRE_POSTGRES") == "1":
            pytest.fail("BILLING_ADMIN_REQUIRE_POSTGRES is set but no test server was started")
        pytest.skip("no PostgreSQL test server: run through scripts/with-test-services")
    return server


@contextmanager
def shared_cache(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh database on the test PostgreSQL server as the profile's cache; dropped after."""
    url, drop = fresh_database(postgres_server())
    monkeypatch.setenv("BILLING_ADMIN_DATABASE_URL", url)
    try:
        yield url
    finally:
        from app.cache.models import database

        if database.obj is not None:
            database.obj.close()
        drop()


def require_secret_service() -> None:
    """Keyring tests run against a real Secret Service; `make test` provides one."""
    from tests.support.markers import require_marker

    require_marker("keyring", "needs the Secret Service")
    if os.environ.get("BILLING_ADMIN_REQUIRE_KEYRING") != "1":
        pytest.skip("no Secret Service session: run through scripts/with-test-services")

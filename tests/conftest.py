"""Shared fixtures: a real Stripe emulator (localstripe) for the whole session, a throwaway
data folder per test, and a way to run the command line in-process."""

from __future__ import annotations

import os
import urllib.request
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import stripe

from app.emulator import Emulator, start_emulator


@pytest.fixture(scope="session")
def emulator() -> Iterator[Emulator]:
    running = start_emulator()
    yield running
    running.stop()


@dataclass
class Account:
    """The emulator's side of a test: create data on it and ask it what it holds."""

    emulator: Emulator
    client: stripe.StripeClient = field(init=False)

    def __post_init__(self) -> None:
        self.client = stripe.StripeClient(
            self.emulator.key, base_addresses={"api": self.emulator.api_base}
        )

    def customer(
        self,
        name: str = "Ada Lovelace",
        email: str = "ada@example.com",
        cards: Sequence[tuple[str, int, int]] = (),
        default: int | None = None,
    ) -> tuple[str, list[str]]:
        """Create a customer with cards given as (number, exp_month, exp_year)."""
        customer = self.client.v1.customers.create(params={"name": name, "email": email})
        ids = [self.add_card(customer.id, *card) for card in cards]
        if default is not None:
            self.set_default(customer.id, ids[default])
        return customer.id, ids

    def add_card(
        self, customer: str, number: str = "4242424242424242", month: int = 12, year: int = 2030
    ) -> str:
        pm = self.client.v1.payment_methods.create(
            params={
                "type": "card",
                "card": {"number": number, "exp_month": month, "exp_year": year, "cvc": "123"},
            }
        )
        self.client.v1.payment_methods.attach(pm.id, params={"customer": customer})
        return str(pm.id)

    def set_default(self, customer: str, pm: str | None) -> None:
        self.client.v1.customers.update(
            customer, params={"invoice_settings": {"default_payment_method": pm or ""}}
        )

    def default_of(self, customer: str) -> str | None:
        obj = self.client.v1.customers.retrieve(customer)
        return obj.invoice_settings.default_payment_method  # type: ignore[no-any-return]

    def owner_of(self, pm: str) -> str | None:
        return self.client.v1.payment_methods.retrieve(pm).customer  # type: ignore[return-value]

    def flush(self) -> None:
        request = urllib.request.Request(f"{self.emulator.api_base}/_config/data", method="DELETE")
        urllib.request.urlopen(request, timeout=10).close()


BACKENDS = ("sqlite", "postgresql")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """The core suite runs on both cache backends; the window's tests and the tests of
    SQLite's own behaviour (marked `sqlite_only`) on SQLite."""
    module = metafunc.module.__name__.rsplit(".", 1)[-1]
    marked = metafunc.definition.get_closest_marker
    if "backend" not in metafunc.fixturenames or module.startswith("test_ui_"):
        return
    if marked("postgresql_only"):
        metafunc.parametrize("backend", ["postgresql"], indirect=True)
    elif not marked("sqlite_only"):
        metafunc.parametrize("backend", BACKENDS, indirect=True)


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    return str(getattr(request, "param", "sqlite"))


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


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, backend: str) -> Iterator[Path]:
    """A fresh BILLING_ADMIN_HOME, with no Stripe key or API base from the environment; on
    the postgresql backend, a fresh database on the test server is the profile's cache."""
    folder = tmp_path / "home"
    monkeypatch.setenv("BILLING_ADMIN_HOME", str(folder))
    for name in (
        "STRIPE_API_KEY",
        "STRIPE_API_BASE",
        "BILLING_ADMIN_DATABASE_URL",
        "BILLING_ADMIN_PROFILE",
    ):
        monkeypatch.delenv(name, raising=False)
    if backend != "postgresql":
        yield folder
        return
    with shared_cache(monkeypatch):
        yield folder


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


@pytest.fixture
def account(emulator: Emulator, home: Path, monkeypatch: pytest.MonkeyPatch) -> Account:
    """An empty emulator account, and the app pointed at it through the environment."""
    acct = Account(emulator)
    acct.flush()
    monkeypatch.setenv("STRIPE_API_BASE", emulator.api_base)
    monkeypatch.setenv("STRIPE_API_KEY", emulator.key)
    return acct


@dataclass
class Ran:
    code: int
    out: str
    err: str


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Any:
    """Run `billing-admin ARGS...` in-process; return its exit status, stdout and stderr."""
    from app.cli import main

    def run(*args: str) -> Ran:
        capsys.readouterr()
        code = main(list(args))
        captured = capsys.readouterr()
        return Ran(code, captured.out, captured.err)

    return run


def require_secret_service() -> None:
    """Keyring tests run against a real Secret Service; `make test` provides one."""
    if os.environ.get("BILLING_ADMIN_REQUIRE_KEYRING") != "1":
        pytest.skip("no Secret Service session: run through scripts/with-test-services")


@pytest.fixture
def ctx(account: Account) -> Iterator[Any]:
    """The app's context for the default profile, pointed at the emulator."""
    from app.context import Context
    from app.settings import Profile

    context = Context(Profile())
    context.cache()
    yield context
    context.close()

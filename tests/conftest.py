"""Fixtures for every test: a real Stripe emulator (localstripe) for the whole session, a
throwaway data folder per test (on the cache backend the test asks for), and a way to run the
command line in-process. Helpers that tests import are in tests/support/."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import app.demo.emulator
from app.demo.emulator import Emulator, start_emulator
from tests.support.account import Account
from tests.support.display import end_display, own_display
from tests.support.markers import UnmarkedKeyring, missing_markers, running, unmarked
from tests.support.services import shared_cache
from tests.support.standin import KEY, StandIn, make_ca, serving

_display: list[int] = []


def pytest_configure(config: pytest.Config) -> None:
    if os.environ.get("DISPLAY") and (pid := own_display()) is not None:
        _display.append(pid)


def pytest_unconfigure(config: pytest.Config) -> None:
    """A worker's own Xvfb ends when the worker's Qt lets go of it (-terminate); one that Qt
    never used is ended here (ending it under Qt would make Qt report a broken display)."""
    widgets = sys.modules.get("PySide6.QtWidgets")
    if widgets is not None and widgets.QApplication.instance() is not None:
        return
    for pid in _display:
        end_display(pid)


def pytest_runtest_setup(item: pytest.Item) -> None:
    """A test using a service's fixture without the service's marker fails here, before the
    service starts (tests/support/markers.py)."""
    running[:] = [item]
    names = getattr(item, "fixturenames", ())
    problems = missing_markers(names, (mark.name for mark in item.iter_markers()))
    if problems:
        pytest.fail("; ".join(problems), pytrace=False)


@pytest.fixture(autouse=True)
def _services_need_markers(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """Without its marker, a test that starts an emulator itself or reaches the keyring fails
    when it does (tests/support/markers.py)."""
    if request.node.get_closest_marker("emulator") is None:
        command = app.demo.emulator.module_command  # type: ignore[attr-defined]

        def guarded(module: str, *args: str) -> list[str]:
            if module == "app.demo.emulator_server":
                unmarked("starts a Stripe emulator", "emulator")
            return command(module, *args)

        monkeypatch.setattr(app.demo.emulator, "module_command", guarded)
    if request.node.get_closest_marker("keyring") is not None:
        yield
        return
    import keyring

    previous = keyring.get_keyring()
    keyring.set_keyring(UnmarkedKeyring())
    try:
        yield
    finally:
        keyring.set_keyring(previous)


@pytest.fixture(scope="session")
def emulator() -> Iterator[Emulator]:
    running = start_emulator()
    yield running
    running.stop()


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """The cache backend: SQLite unless tests/app/conftest.py parametrizes it."""
    return str(getattr(request, "param", "sqlite"))


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, backend: str) -> Iterator[Path]:
    """A fresh BILLING_ADMIN_HOME, with no Stripe key or API base from the environment; on
    the postgresql backend, a fresh database on the test server is the profile's cache."""
    folder = tmp_path / "home"
    monkeypatch.setenv("BILLING_ADMIN_HOME", str(folder))
    # Site-wide defaults (/etc/xdg/billing-admin) of the machine running the tests stay out.
    monkeypatch.setenv("XDG_CONFIG_DIRS", str(tmp_path / "site-config"))
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


@pytest.fixture
def ctx(account: Account) -> Iterator[Any]:
    """The app's context for the default profile, pointed at the emulator."""
    from app.context import Context
    from app.settings import Profile

    context = Context(Profile())
    context.cache()
    yield context
    context.close()


@pytest.fixture(scope="session")
def ca(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A throwaway CA (ca.pem) and its certificate for 127.0.0.1 (server.pem, server.key)."""
    folder = tmp_path_factory.mktemp("ca")
    make_ca(folder)
    return folder


@pytest.fixture
def standin(ca: Path, home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[StandIn]:
    """Stripe stood in for on https://127.0.0.1:PORT (tests/support/standin.py), with three
    customers, a certificate nobody trusts yet, no proxy, and the app pointed at it."""
    for name in ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_DIR"):
        monkeypatch.delenv(name, raising=False)
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "")
    server = StandIn(3, str(ca / "server.pem"), str(ca / "server.key"))
    monkeypatch.setenv("STRIPE_API_BASE", server.url)
    monkeypatch.setenv("STRIPE_API_KEY", KEY)
    with serving(server):
        yield server

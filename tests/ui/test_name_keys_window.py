"""On a shared PostgreSQL cache the window reads the customers' keys in name order into memory
after it shows the list (`ui.name_keys_loader`); a search then reads its pages from them, and
never from a list older than the cache."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, Qt
from pytestqt.qtbot import QtBot

from app.cache import queries, search_pages, store
from app.cache.models import database
from app.context import Context
from app.records import CustomerData
from app.settings import Profile
from ui import name_keys_loader
from ui.customers.customers_model import PAGE, CustomersModel
from ui.shell.main_window import MainWindow

pytestmark = [pytest.mark.ui, pytest.mark.parametrize("backend", ["postgresql"], indirect=True)]
MakeWindow = Callable[..., MainWindow]
COUNT = 2 * PAGE + 30


def _write(*customers: CustomerData) -> None:
    with database.atomic():
        store.upsert_customers(list(customers), datetime.now(UTC))
        store.bump_version()


@pytest.fixture(autouse=True)
def offline_key(home: object, monkeypatch: pytest.MonkeyPatch) -> None:
    """A key, so that the window shows the list (not the welcome page); never used. (After
    `home`, which clears the environment's.)"""
    monkeypatch.setenv("STRIPE_API_KEY", "sk_test_" + "0" * 24)
    monkeypatch.setenv("STRIPE_API_BASE", "http://127.0.0.1:9")


def _fill() -> None:
    ctx = Context(Profile())
    ctx.cache()
    _write(
        *(
            CustomerData(f"cus_{n:06d}", f"Customer {n:06d}", f"c{n}@example.com", None)
            for n in range(COUNT)
        )
    )


def _shown(model: CustomersModel) -> list[str]:
    return [model.index(row, 2).data() for row in range(model.rowCount())]


def _expected(search: str, **options: Any) -> list[str]:
    return [row.id for row in queries.customer_rows(queries.customers_query(search, **options))]


def _search(qtbot: QtBot, window: MainWindow, text: str) -> None:
    window.customers.search.setText(text)
    window.customers._apply_search()  # what the typing pause triggers
    qtbot.waitUntil(lambda: window.customers_model.total is not None)


def _opened(qtbot: QtBot, make_window: MakeWindow) -> MainWindow:
    """A window on a cache of COUNT customers, once it holds their keys."""
    _fill()
    window = make_window(sync_on_start=False)
    qtbot.waitUntil(lambda: window.customers_model.name_keys is not None, timeout=10_000)
    return window


def test_a_search_reads_its_pages_from_the_keys_in_memory(
    qtbot: QtBot, home: object, backend: str, make_window: MakeWindow, monkeypatch: Any
) -> None:
    window = _opened(qtbot, make_window)
    model = window.customers_model

    def unused(*args: object, **kwargs: object) -> None:
        raise AssertionError("the database was searched")

    monkeypatch.setattr(search_pages, "first_page", unused)
    monkeypatch.setattr(search_pages, "later_rows", unused)
    _search(qtbot, window, "customer 0")  # more than a page: later pages read while scrolling
    assert _shown(model) == _expected("customer 0")
    assert model.rowCount() == COUNT
    _search(qtbot, window, "9@")
    assert _shown(model) == _expected("9@")
    model.sort(0, Qt.SortOrder.DescendingOrder)
    qtbot.waitUntil(lambda: model.total is not None)
    assert _shown(model) == _expected("9@", descending=True)


def test_the_keys_are_read_once_the_rows_are_painted(
    qtbot: QtBot, home: object, backend: str, make_window: MakeWindow
) -> None:
    """Reading a million keys would compete with the first paint of the rows."""
    _fill()
    make_window(sync_on_start=False)  # the display is there (else the fixture skips)
    window = MainWindow(Context(Profile()), sync_on_start=False)
    qtbot.addWidget(window)
    QCoreApplication.processEvents()
    loader = window.view.name_keys
    assert window.customers_model.rowCount() == COUNT
    assert loader.pending and not loader.reading and window.customers_model.name_keys is None
    window.show()
    qtbot.waitUntil(lambda: window.customers_model.name_keys is not None, timeout=10_000)
    window.close()


def test_a_list_older_than_the_cache_is_never_shown_and_is_read_again(
    qtbot: QtBot, home: object, backend: str, make_window: MakeWindow, monkeypatch: Any
) -> None:
    window = _opened(qtbot, make_window)
    model = window.customers_model
    old = model.name_keys
    # Another desktop's sync: a new customer, and a renamed one that now sorts first.
    _write(
        CustomerData("cus_new", "Customer 000000 new", "new@example.com", None),
        CustomerData(f"cus_{COUNT - 1:06d}", "Customer 00000", "", None),
    )
    _search(qtbot, window, "customer 00000")  # before the window has noticed
    assert _shown(model) == _expected("customer 00000")
    assert "cus_new" in _shown(model) and _shown(model)[0] == f"cus_{COUNT - 1:06d}"

    window.view.reload_all()  # what the poll does when the version moved
    # The old list is dropped at once; a new one is read once the cache has been quiet for
    # a while (a sync writes every few seconds), not at once.
    loader = window.view.name_keys
    assert model.name_keys is None and loader.pending and not loader.reading
    monkeypatch.setattr(name_keys_loader, "QUIET_MS", 0)
    with qtbot.waitSignal(loader.loaded, timeout=5_000):
        window.view.reload_all()  # once more, as a later poll: no change, the wait goes on
        _write(CustomerData("cus_newer", "Customer 0000 newer", "", None))
        window.view.reload_all()  # a change: the wait starts again
    assert model.name_keys is not None and model.name_keys is not old
    _search(qtbot, window, "customer 0000")
    assert _shown(model) == _expected("customer 0000")
    assert {"cus_new", "cus_newer"} <= set(_shown(model))

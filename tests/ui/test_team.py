"""A window on a team's shared PostgreSQL cache notices what a scheduled sync and another
desktop did, by polling the cache's version number."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from tests.support.account import Account
from tests.support.platforms import installed_script
from tests.support.services import shared_cache
from tests.support.window import card_ids, select_customer, synced
from ui.shell.main_window import MainWindow

pytestmark = [pytest.mark.ui, pytest.mark.emulator]
REFRESH_MS = 15_000  # the window polls every few seconds


@pytest.fixture
def shared(account: Account, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    with shared_cache(monkeypatch) as url:
        yield url


def other_process(*args: str, home: Path) -> None:
    """billing-admin in a process of its own, as cron or a colleague's desktop runs it."""
    exe = str(installed_script("billing-admin"))
    env = {**os.environ, "BILLING_ADMIN_HOME": str(home)}
    ran = subprocess.run([exe, *args], capture_output=True, text=True, timeout=120, env=env)
    assert ran.returncode == 0, ran.stderr


def test_the_window_shows_what_others_did_to_the_shared_cache(
    qtbot: QtBot,
    account: Account,
    shared: str,
    make_window: Callable[..., MainWindow],
    tmp_path: Path,
) -> None:
    ada, (visa, mastercard) = account.customer(
        "Ada", cards=[("4242424242424242", 1, 2030), ("5555555555554444", 2, 2031)], default=0
    )
    window = make_window()
    synced(qtbot, window)
    select_customer(qtbot, window, ada)
    assert window.customers_model.rowCount() == 1

    account.customer("Grace Hopper", "grace@example.com")
    other_process("sync", home=tmp_path / "cron")  # the scheduled job
    qtbot.waitUntil(lambda: window.customers_model.rowCount() == 2, timeout=REFRESH_MS)

    other_process("detach", mastercard, "--yes", home=tmp_path / "colleague")
    qtbot.waitUntil(lambda: card_ids(window) == [visa], timeout=REFRESH_MS)
    assert window.customers.selected_customer() == ada  # the selection survived the refresh

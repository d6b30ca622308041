"""What the window tells the operator: a sync in plain words, one sync when the window opens
on a cache just synced (the demo), and messages that go once they are read."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from app.cache.models import SyncState
from app.operations import Operations, PortalLink
from tests.support.account import Account
from tests.support.window import TASK_TIMEOUT_MS, select_customer, synced, synced_window
from ui.shell.main_window import MainWindow

pytestmark = [pytest.mark.ui, pytest.mark.emulator]
MakeWindow = Callable[..., MainWindow]
VISA = ("4242424242424242", 12, 2030)


def test_the_status_bar_says_what_changed_since_the_last_sync(
    qtbot: QtBot, account: Account, make_window: MakeWindow
) -> None:
    account.customer("Ada", cards=[VISA])
    window = synced_window(qtbot, make_window)
    assert window.statusBar().currentMessage() == "Up to date · 1 customer, 1 card"
    account.customer("Grace", cards=[VISA])

    synced(qtbot, window)

    message = window.statusBar().currentMessage()
    # (Ada too, when her events fall in the second the last sync ended in: `created[gte]`)
    assert re.fullmatch(r"Up to date · [12] customers? changed since \d\d:\d\d", message)
    assert "request" not in message and "event" not in message


def test_a_cache_synced_a_moment_ago_is_not_synced_again_when_the_window_opens(
    qtbot: QtBot, account: Account, make_window: MakeWindow, cli: Callable[..., object]
) -> None:
    account.customer("Ada", cards=[VISA])
    assert cli("sync").code == 0  # type: ignore[attr-defined]  # as the demo does

    window = make_window(sync_on_start=True)
    with qtbot.assertNotEmitted(window.sync_finished, wait=300):
        pass
    assert not window.sync.running
    # Stripe answered that sync a moment ago: the header does not say "Not checked yet".
    assert window.header.connection_label.text() == "● Online"
    window.close()

    two_hours_ago = datetime.now(UTC) - timedelta(hours=2)
    SyncState.update(last_sync=two_hours_ago).execute()
    make_window(sync_on_start=True)
    # The sync may start and end while the window is still being shown: wait for its effect,
    # not for a signal that may already have gone.
    qtbot.waitUntil(
        lambda: SyncState.get_by_id(1).last_sync > two_hours_ago, timeout=TASK_TIMEOUT_MS
    )


def test_a_browser_that_did_not_open_is_said_and_the_link_offered(
    qtbot: QtBot, account: Account, make_window: MakeWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    ada, _ = account.customer("Ada Lovelace", cards=[VISA])
    window = synced_window(qtbot, make_window, ada)
    url = "https://billing.stripe.com/p/session/test_abc"
    monkeypatch.setattr(Operations, "portal_link", lambda self, customer: PortalLink(url, True))
    window.open_url = lambda _url: False  # as QDesktopServices.openUrl without a launcher
    QGuiApplication.clipboard().clear()

    with qtbot.waitSignal(window.action_finished, timeout=TASK_TIMEOUT_MS):
        window.cards.portal_action.trigger()

    assert "Opened" not in window.statusBar().currentMessage()
    assert window.banner.isVisible() and "No browser could be opened" in window.banner.text
    window.banner._action.click()
    assert QGuiApplication.clipboard().text() == url
    assert not window.banner.isVisible()
    assert "Copied the billing portal link of Ada Lovelace" in window.statusBar().currentMessage()


def test_a_failure_of_one_action_goes_when_the_operator_moves_on(
    qtbot: QtBot, account: Account, make_window: MakeWindow
) -> None:
    ada, _ = account.customer("Ada Lovelace", cards=[VISA])
    grace, _ = account.customer("Grace Hopper", cards=[VISA])
    window = synced_window(qtbot, make_window, ada)
    # localstripe has no billing portal: a real refusal, shown in the banner.
    with qtbot.waitSignal(window.action_finished, timeout=TASK_TIMEOUT_MS):
        window.cards.copy_link_action.trigger()
    assert window.banner.isVisible() and window.banner.kind == "error"
    qtbot.wait(200)
    window.view.reload_all()  # a poll that finds the cache changed does not hide it
    assert window.banner.isVisible()

    select_customer(qtbot, window, grace)

    assert not window.banner.isVisible()


def test_the_title_names_the_customer_and_the_profile_once(
    qtbot: QtBot, account: Account, make_window: MakeWindow
) -> None:
    ada, _ = account.customer("Acme Café GmbH", cards=[VISA])
    window = synced_window(qtbot, make_window)
    assert window.windowTitle() == "default (TEST)"  # Qt adds "— Billing Admin" once

    select_customer(qtbot, window, ada)

    assert window.windowTitle() == "Acme Café GmbH — default (TEST)"

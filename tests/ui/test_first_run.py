"""The first-run panel: a key typed into it lands in a real keyring; offline review."""

from __future__ import annotations

import contextlib
import secrets
import string
import uuid
from collections.abc import Callable, Iterator

import pytest
from pytestqt.qtbot import QtBot

from app.errors import KeyProblemError
from app.settings import credentials
from app.sync.engine import SyncResult
from tests.support.account import Account
from tests.support.services import require_secret_service
from tests.support.window import TASK_TIMEOUT_MS
from ui.shell.main_window import MainWindow

pytestmark = [pytest.mark.ui]
MakeWindow = Callable[..., MainWindow]


@pytest.fixture
def profile() -> Iterator[str]:
    """A profile name no other test or person uses; its keyring entry is removed after."""
    name = f"ui-test-{uuid.uuid4().hex[:12]}"
    yield name
    with contextlib.suppress(KeyProblemError):
        credentials.delete_key(name)


@pytest.mark.keyring
@pytest.mark.emulator
def test_first_run_stores_the_key_in_the_keyring(
    qtbot: QtBot,
    account: Account,
    make_window: MakeWindow,
    profile: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    require_secret_service()
    monkeypatch.delenv("STRIPE_API_KEY")  # the key must come from the keyring; the API
    account.customer("Ada Lovelace", cards=[("4242424242424242", 12, 2030)])  # stays local
    window = make_window(profile)
    panel = window.welcome
    assert window.pages.currentWidget() is panel
    assert window.header.mode_badge.text() == "NO KEY"
    key = "sk_test_" + "".join(secrets.choice(string.ascii_letters) for _ in range(24))

    panel.key_edit.setText("pk_test_123456789012")
    panel.save_button.click()
    assert panel.key_error.isVisible() and "publishable key" in panel.key_error.text()
    assert credentials.find_key(profile) is None

    panel.key_edit.setText(key)
    reported: list[bool] = []
    window.key_stored.connect(reported.append)
    with qtbot.waitSignal(window.sync_finished, timeout=TASK_TIMEOUT_MS) as synced:
        panel.save_button.click()

    stored = credentials.find_key(profile)
    assert stored is not None and stored.value == key and stored.source == "keyring"
    assert reported == [True]
    assert isinstance(synced.args[0], SyncResult)
    assert window.pages.currentWidget() is window.splitter
    assert window.header.mode_badge.text() == "TEST"
    assert window.customers_model.rowCount() == 1


def _keyring_only(
    make_window: MakeWindow, profile: str, monkeypatch: pytest.MonkeyPatch
) -> MainWindow:
    """The window on `profile`, whose key can come from the real keyring only."""
    require_secret_service()
    monkeypatch.delenv("STRIPE_API_KEY")
    return make_window(profile)


@pytest.mark.keyring
@pytest.mark.emulator
def test_a_key_stripe_rejects_is_never_stored(
    monkeypatch: pytest.MonkeyPatch,
    make_window: MakeWindow,
    profile: str,
    account: Account,
    qtbot: QtBot,
) -> None:
    window = _keyring_only(make_window, profile, monkeypatch)
    panel = window.welcome
    # Well formed, but the emulator, like Stripe for a revoked key, answers 401.
    panel.key_edit.setText(
        "rk_test_" + "".join(secrets.choice(string.ascii_letters) for _ in range(24))
    )

    with qtbot.waitSignal(window.key_stored, timeout=TASK_TIMEOUT_MS) as reported:
        panel.save_button.click()

    assert reported.args == [False]
    assert panel.key_error.isVisible() and "Stripe rejected this key" in panel.key_error.text()
    assert credentials.find_key(profile) is None
    assert window.pages.currentWidget() is panel


@pytest.mark.keyring  # the profile's key is looked up, and not found, in the real keyring
def test_review_offline_without_a_key(
    qtbot: QtBot, home: object, make_window: MakeWindow, profile: str
) -> None:
    window = make_window(profile)
    if window.key is not None:  # a keyring entry left by someone else: not our case
        pytest.skip("the profile unexpectedly has a key")
    window.welcome.offline_button.click()

    assert window.pages.currentWidget() is window.splitter
    assert window.banner.isVisible() and "offline" in window.banner.text
    assert not window.header.sync_button.isEnabled()
    assert "No Stripe key" in window.header.sync_button.toolTip()
    assert "Enter a Stripe key" in window.customers.empty_label.text()
    assert not window.cards.portal_action.isEnabled()


@pytest.mark.keyring  # as above
@pytest.mark.emulator
def test_start_the_demo_from_the_welcome_panel(
    qtbot: QtBot, home: object, make_window: MakeWindow, profile: str
) -> None:
    window = make_window(profile)
    if window.key is not None:
        pytest.skip("the profile unexpectedly has a key")
    with qtbot.waitSignal(window.demo_started, timeout=TASK_TIMEOUT_MS) as started:
        window.welcome.demo_button.click()
        assert not window.welcome.demo_button.isEnabled()
    assert started.args == [True]
    emulator = window._emulator
    assert emulator is not None
    assert window.ctx.profile.name == "demo"
    with qtbot.waitSignal(window.sync_finished, timeout=TASK_TIMEOUT_MS) as synced:
        pass
    assert isinstance(synced.args[0], SyncResult)
    assert window.customers_model.rowCount() == 40
    assert window.header.mode_badge.text() == "TEST"
    window.close()
    assert emulator.process.poll() is not None, "closing the window stops the demo emulator"

"""Live mode in the window: LIVE in red, and a typed confirmation before a default changes.

The emulator accepts any `sk_` key, so a made-up live key drives the window's live-mode
paths against it; nothing reaches Stripe."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import QTimer
from pytestqt.qtbot import QtBot

from tests.support.account import Account
from tests.support.window import TASK_TIMEOUT_MS, open_modal, select_card, select_customer, synced
from ui.cards.default_dialog import DefaultDialog
from ui.shell.main_window import MainWindow

pytestmark = [pytest.mark.ui, pytest.mark.emulator]
MakeWindow = Callable[..., MainWindow]


@pytest.fixture
def live_window(
    qtbot: QtBot, account: Account, make_window: MakeWindow, monkeypatch: pytest.MonkeyPatch
) -> tuple[MainWindow, str, str, str]:
    ada, (visa, mastercard) = account.customer(
        "Ada", cards=[("4242424242424242", 12, 2030), ("5555555555554444", 3, 2031)], default=0
    )
    # A live key may reach the loopback emulator only through this test-only switch.
    monkeypatch.setenv("BILLING_ADMIN_TEST_LIVE_ON_LOOPBACK", "1")
    monkeypatch.setenv("STRIPE_API_KEY", "sk_live_51MadeUpForTheEmulator0001")
    window = make_window()
    synced(qtbot, window)
    select_customer(qtbot, window, ada)
    select_card(window, mastercard)
    return window, ada, visa, mastercard


def answer(window: MainWindow, digits: str, *, press: bool) -> list[bool]:
    """Type `digits` into the open confirmation; say whether its button was on; press it."""
    seen: list[bool] = []

    def act() -> None:
        dialog = open_modal(DefaultDialog)
        assert dialog.last_four is not None
        dialog.last_four.setText(digits)
        seen.append(dialog.confirm_button.isEnabled())
        if press and dialog.confirm_button.isEnabled():
            dialog.confirm_button.click()
        else:
            dialog.reject()

    QTimer.singleShot(0, act)
    return seen


def test_the_header_says_live_in_red(live_window: tuple[MainWindow, str, str, str]) -> None:
    window = live_window[0]
    badge = window.header.mode_badge
    image = badge.grab().toImage()
    pixels = [
        image.pixelColor(x, y)
        for x in range(0, image.width(), 2)
        for y in range(0, image.height(), 2)
    ]
    reddish = [c for c in pixels if c.red() > 150 and c.green() < 90 and c.blue() < 90]
    assert badge.text() == "LIVE" and badge.isVisible()
    assert len(reddish) > len(pixels) / 2  # mostly red, white letters on it


def test_a_live_default_change_needs_the_last_four_digits(
    qtbot: QtBot, account: Account, live_window: tuple[MainWindow, str, str, str]
) -> None:
    window, ada, visa, mastercard = live_window

    wrong = answer(window, "4242", press=True)
    window.cards.set_default_action.trigger()

    assert wrong == [False]
    assert account.default_of(ada) == visa

    right = answer(window, "4444", press=True)
    with qtbot.waitSignal(window.action_finished, timeout=TASK_TIMEOUT_MS) as done:
        window.cards.set_default_action.trigger()

    assert right == [True] and done.args == ["set-default", True]
    assert account.default_of(ada) == mastercard

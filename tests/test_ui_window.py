"""The window against the emulator: cards, set default, detach, search, sync, offline."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pytestqt.qtbot import QtBot

from app.sync import SyncResult
from tests.conftest import Account
from tests.ui_fixtures import (
    TASK_TIMEOUT_MS,
    card_ids,
    select_card,
    select_customer,
    synced,
)
from ui.window import MainWindow

pytest_plugins = ["tests.ui_fixtures"]
pytestmark = [pytest.mark.ui, pytest.mark.emulator]
MakeWindow = Callable[..., MainWindow]


def test_selecting_a_customer_shows_its_cards(
    qtbot: QtBot, account: Account, make_window: MakeWindow
) -> None:
    ada, (visa, mastercard) = account.customer(
        "Ada Lovelace",
        cards=[("4242424242424242", 12, 2030), ("5555555555554444", 3, 2031)],
        default=0,
    )
    account.customer("李小龙", "lee@example.jp")
    window = make_window()
    assert isinstance(synced(qtbot, window), SyncResult)

    select_customer(qtbot, window, ada)

    assert window.cards.title.text() == "Ada Lovelace"
    assert sorted(card_ids(window)) == sorted([visa, mastercard])
    model = window.cards_model
    row = model.row_of(visa)
    assert model.index(row, 0).data() == "Visa •••• 4242"
    assert model.index(row, 1).data() == "12/2030"
    assert "Default" in model.index(row, 4).data()

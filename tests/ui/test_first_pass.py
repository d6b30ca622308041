"""The window during a full sync's second pass, on the emulator: every customer is listed with
their default card as soon as the first pass ends, "Needs attention" already ranks them, and a
customer whose other cards are still coming says so, in the list and in the cards pane."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import pytest
from pytestqt.qtbot import QtBot

from app.gateway import Gateway
from app.records import CardData
from app.sync.full import SECOND_PASS
from tests.support.account import Account
from tests.support.billing_account import GOOD, plan, subscribe
from tests.support.window import TASK_TIMEOUT_MS, card_ids, select_customer
from ui.shell.main_window import MainWindow

pytestmark = [pytest.mark.ui, pytest.mark.emulator]
MakeWindow = Callable[..., MainWindow]
VISA = ("4242424242424242", 12, 2030)
MASTERCARD = ("5555555555554444", 3, 2031)
CARDS_COLUMN = 3


@pytest.fixture
def held_second_pass(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """Each card list of the second pass waits (in the sync's thread) until the test sets the
    event, then asks the emulator as always: the window can be looked at between the passes."""
    release = threading.Event()
    cards = Gateway.cards

    def held(gateway: Gateway, customer_id: str) -> list[CardData]:
        release.wait(TASK_TIMEOUT_MS / 1000)
        return cards(gateway, customer_id)

    monkeypatch.setattr(Gateway, "cards", held)
    yield release
    release.set()


def test_the_window_shows_every_customer_after_the_first_pass_and_which_cards_are_coming(
    qtbot: QtBot,
    account: Account,
    make_window: MakeWindow,
    held_second_pass: threading.Event,
    tmp_path: object,
) -> None:
    ada, (visa, mastercard) = account.customer("Ada Lovelace", cards=[VISA, MASTERCARD], default=1)
    bob, _ = account.customer("Bob Nodefault", cards=[VISA])
    old, _ = account.customer("Olga Expired", cards=[(GOOD, 1, 2020)], default=0)
    subscribe(account, old, plan(account))
    for number in range(3):
        account.customer(f"Customer {number}", cards=[VISA], default=0)
    window = make_window()
    phases: list[str] = []
    window.sync_progress.connect(lambda phase, *_: phases.append(phase))

    with qtbot.waitSignal(window.sync_finished, timeout=TASK_TIMEOUT_MS) as finished:
        assert window.start_sync(full=True)
        qtbot.waitUntil(lambda: SECOND_PASS in phases, timeout=TASK_TIMEOUT_MS)
        # The sync runs on; the window re-read the cache when the second pass began.
        assert window.sync.running and window.customers_model.rowCount() == 6
        qtbot.waitUntil(lambda: window.lists.tabText(1) == "Needs attention (1)")

        select_customer(qtbot, window, ada)
        assert card_ids(window) == [mastercard]
        hint = window.cards.cards_pending
        assert hint.isVisible() and hint.text().startswith("Other cards are still being synced")
        row = window.customers_model.row_of(ada)
        assert row is not None
        cell = window.customers_model.index(row, CARDS_COLUMN)
        assert cell.data() == "1+" and "still being synced" in cell.data(3)  # the tooltip
        window.grab().save(str(tmp_path) + "/cards-pending.png")

        select_customer(qtbot, window, bob)
        assert card_ids(window) == [] and "still being synced" in window.cards.no_cards.text()
        held_second_pass.set()

    assert not finished.args[0].cancelled
    select_customer(qtbot, window, ada)
    assert sorted(card_ids(window)) == sorted([visa, mastercard])
    assert not window.cards.cards_pending.isVisible()
    row = window.customers_model.row_of(ada)
    assert row is not None and window.customers_model.index(row, CARDS_COLUMN).data() == "2"
    select_customer(qtbot, window, bob)
    assert card_ids(window) and window.cards.cards_pending.isHidden()

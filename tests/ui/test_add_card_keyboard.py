"""The add-card dialog from the keyboard, and the demo's test-card hint taken as printed
(issue 13, points 5 and 6): the first card field has the focus, Esc cancels as Cancel does,
a name made of digits is refused; spaces, MM/YY and MM/YYYY work; empty or malformed input
gets a sentence, never a script error."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from app.cache.models import Card
from tests.support import add_card as page
from tests.support.account import Account
from tests.support.window import TASK_TIMEOUT_MS, synced_window
from ui.shell.main_window import MainWindow

pytestmark = [pytest.mark.ui, pytest.mark.emulator, page.WEBENGINE_GPU_WARNINGS]
js, wait_js, page_message, seti_of = page.js, page.wait_js, page.page_message, page.seti_of
MakeWindow = Callable[..., MainWindow]


@pytest.fixture
def opened(qtbot: QtBot, account: Account, make_window: MakeWindow) -> tuple[MainWindow, str]:
    customer, _ = account.customer("Ada Lovelace")
    window = synced_window(qtbot, make_window)
    page.open_dialog(qtbot, window, customer)
    return window, customer


def focused() -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None
    return widget


def keyboard_in_page(qtbot: QtBot, window: MainWindow, field: str = "number") -> QWidget:
    """Wait until the page's `field` has the focus and the keyboard goes to the page."""
    dialog = window.add_card_dialog
    assert dialog is not None
    if field != "number":
        js(qtbot, window, f"document.getElementById('{field}').focus(), true")
    else:
        wait_js(qtbot, window, "document.activeElement.dataset.field === 'number'")
    qtbot.waitUntil(lambda: dialog.view.isAncestorOf(focused()), timeout=page.PAGE_MS)
    return focused()


def test_the_first_card_field_has_the_focus_and_typing_goes_there(
    qtbot: QtBot, opened: tuple[MainWindow, str]
) -> None:
    window, _ = opened
    qtbot.keyClicks(keyboard_in_page(qtbot, window), "4242")  # real key presses, at once
    wait_js(qtbot, window, "document.activeElement.value === '4242'")


def test_esc_in_the_page_cancels_the_dialog_and_its_setup_intent(
    qtbot: QtBot, account: Account, opened: tuple[MainWindow, str]
) -> None:
    window, _ = opened
    seti = seti_of(window)
    in_page = keyboard_in_page(qtbot, window, "name")
    with qtbot.waitSignal(window.action_finished, timeout=TASK_TIMEOUT_MS) as done:
        qtbot.keyClick(in_page, Qt.Key.Key_Escape)
    assert done.args == ["add-card-cancel", True]
    assert window.add_card_dialog is None
    assert page.setup_intent(account, seti).status == "canceled"


def test_a_name_made_of_digits_is_refused_and_nothing_goes_to_stripe(
    qtbot: QtBot, account: Account, opened: tuple[MainWindow, str]
) -> None:
    window, _ = opened
    seti = seti_of(window)
    js(
        qtbot,
        window,
        """(function () {
            const name = document.getElementById('name');
            name.value = '4242 4242 4242 4242';
            name.dispatchEvent(new Event('input', {bubbles: true}));
            return true;
        })()""",
    )
    assert "cannot be made of digits" in page_message(qtbot, window)
    page.type_card(qtbot, window, "4242424242424242")
    page.save(qtbot, window)
    assert "cannot be made of digits" in page_message(qtbot, window)
    assert js(qtbot, window, "document.activeElement.id") == "name"
    assert page.setup_intent(account, seti).status == "requires_payment_method"
    assert Card.select().count() == 0


@pytest.mark.parametrize("expiry", ["12/34", "12/2034"])
def test_the_hint_as_printed_saves_the_card(
    qtbot: QtBot, account: Account, opened: tuple[MainWindow, str], expiry: str
) -> None:
    window, customer = opened
    seti = seti_of(window)
    # Typed key by key, as printed in the hint: the spaces stay in the number box, then the
    # expiry (with its slash) goes to month and year, then the CVC.
    qtbot.keyClicks(keyboard_in_page(qtbot, window), "4242 4242 4242 4242")
    wait_js(qtbot, window, "document.activeElement.dataset.field === 'exp_month'")
    qtbot.keyClicks(focused(), expiry)
    wait_js(qtbot, window, "document.activeElement.dataset.field === 'cvc'")
    qtbot.keyClicks(focused(), "123")
    wait_js(qtbot, window, "document.querySelector('[data-field=cvc]').value === '123'")
    assert page.saved_card(qtbot, window) == ["add-card", True]
    pm = page.setup_intent(account, seti).payment_method
    assert account.owner_of(pm) == customer
    cached = Card.get(Card.stripe_payment_method_id == pm)
    assert (cached.last_four, cached.exp_month, cached.exp_year) == ("4242", 12, 2034)


def test_tab_after_an_automatic_advance_stays_put_and_placeholders_are_words(
    qtbot: QtBot, opened: tuple[MainWindow, str]
) -> None:
    """Issue 26 §6: a full field moves the focus on; the Tab the operator presses out of
    habit then does not skip the next field (the month stayed empty, "12" went to the year)."""
    window, _ = opened
    placeholders = js(
        qtbot,
        window,
        "JSON.stringify(Array.from(document.querySelectorAll('#card-element input'), "
        "i => i.placeholder))",
    )
    assert json.loads(placeholders) == ["Card number", "MM", "YY", "CVC", "ZIP"]
    qtbot.keyClicks(keyboard_in_page(qtbot, window), "4242 4242 4242 4242")
    wait_js(qtbot, window, "document.activeElement.dataset.field === 'exp_month'")
    qtbot.keyClick(focused(), Qt.Key.Key_Tab)
    qtbot.keyClicks(focused(), "12")
    wait_js(qtbot, window, "document.activeElement.dataset.field === 'exp_year'")
    qtbot.keyClick(focused(), Qt.Key.Key_Tab)
    qtbot.keyClicks(focused(), "34")
    wait_js(qtbot, window, "document.activeElement.dataset.field === 'cvc'")
    values = js(
        qtbot,
        window,
        "JSON.stringify(Array.from(document.querySelectorAll('#card-element input'), "
        "i => i.value))",
    )
    assert json.loads(values)[1:3] == ["12", "34"]
    # A Tab without an advance before it moves on as ever.
    qtbot.keyClicks(focused(), "12")
    qtbot.keyClick(focused(), Qt.Key.Key_Tab)
    wait_js(qtbot, window, "document.activeElement.dataset.field === 'postal_code'")


@pytest.mark.parametrize(
    ("number", "expiry", "said"),
    [
        ("", "/", "Enter the card number."),
        ("4242 4242", "12/34", "The card number is incomplete"),
        ("4242 4242 4242 4242", "13/34", "expiry month"),
        ("4242 4242 4242 4242", "12/3", "expiry year as YY or YYYY"),
    ],
)
def test_empty_or_malformed_input_gets_a_sentence(
    qtbot: QtBot, opened: tuple[MainWindow, str], number: str, expiry: str, said: str
) -> None:
    window, _ = opened
    dialog = window.add_card_dialog
    assert dialog is not None
    if number:
        page.type_card(qtbot, window, number, expiry)
    with qtbot.waitSignal(dialog.page_error, timeout=page.PAGE_MS) as error:
        page.save(qtbot, window)
    assert said in error.args[0]
    assert said in page_message(qtbot, window)
    assert "undefined" not in error.args[0] and "Bad request" not in error.args[0]
    assert window.add_card_dialog is dialog  # still open: the operator corrects and saves

"""The Activity tab and the account's activity (issue 13, point 13), the Help menu, row
context menus and the no-default-card hint (point 15)."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from app import __version__
from app.cache import queries
from app.operations import Operations
from app.records import Action
from tests.support.account import EXPIRED_MASTERCARD as EXPIRED
from tests.support.account import MASTERCARD, VISA, Account
from tests.support.window import TASK_TIMEOUT_MS, open_modal, select_card, synced_window
from ui.activity.account_activity import AccountActivity
from ui.cards.default_dialog import DefaultDialog
from ui.shell.main_window import MainWindow

pytestmark = [pytest.mark.ui, pytest.mark.emulator]
MakeWindow = Callable[..., MainWindow]
DETAILS = 4
LONG = (
    "Stripe could not be reached: the network is down or Stripe is unavailable; nothing was "
    "changed, try again in a few minutes (the card stays as it was)."
)


def ops_of(window: MainWindow) -> Operations:
    return window.ctx.operations()


def column(window: MainWindow, col: int, role: int = Qt.ItemDataRole.DisplayRole) -> list[Any]:
    model = window.activity_model
    return [model.index(r, col).data(role) for r in range(model.rowCount())]


def choose(view: AccountActivity, *, customer: str = "", operator: str = "") -> None:
    """Pick a customer's Stripe id and an operator ("" for all) in the view's two boxes, as
    the operator does; an item the box lacks leaves "All"."""
    view.customer.setCurrentIndex(max(view.customer.findData(customer), 0))
    view.operator.setCurrentIndex(max(view.operator.findData(operator), 0))


def test_activity_names_cards_keeps_messages_whole_and_tells_open_from_copy(
    qtbot: QtBot,
    account: Account,
    make_window: MakeWindow,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    cli: Any,
) -> None:
    ada, (visa, mastercard) = account.customer("Ada Lovelace", cards=[VISA, MASTERCARD], default=0)
    grace, _ = account.customer("Grace Hopper", "grace@example.com", cards=[VISA], default=0)
    window = synced_window(qtbot, make_window, ada)
    ops = ops_of(window)
    ops.set_default(ada, mastercard)
    ops.refuse(Action.DETACH, visa, ada, LONG, "failed")
    url = "https://billing.stripe.com/p/session/test_abc"
    monkeypatch.setattr(ops.gateway, "portal_session", lambda customer: url)
    ops.portal_link(ada)
    ops.portal_link(ada, Action.COPY_LINK)
    ops.portal_link(grace)
    window.view.reload_all()
    window.view.show_activity_tab()

    details = column(window, DETAILS)
    assert "Mastercard •••• 4444" in details
    assert f"Visa •••• 4242: {LONG}" in details  # the card by name, not pm_…
    assert not any(str(d).startswith("pm_") for d in details)
    tips = column(window, DETAILS, Qt.ItemDataRole.ToolTipRole)
    assert any(LONG in str(t) and visa in str(t) for t in tips)  # whole, with the id
    assert {"Opened billing portal", "Copied portal link"} <= set(column(window, 1))
    table = window.cards.activity_table
    assert table.itemDelegateForColumn(DETAILS) is not None  # elided at the end

    # The account's activity: everyone's actions, filtered by customer and by operator.
    view = window.show_account_activity()
    assert view.model.rowCount() == 5
    choose(view, customer=grace)
    assert [e.customer for e in view.entries] == [grace]
    assert view.model.index(0, 1).data() == "Grace Hopper"
    choose(view, operator="nobody-else")
    assert view.model.rowCount() == 5  # an unknown operator is no filter
    operator = view.entries[0].operator
    choose(view, operator=operator)
    assert view.model.rowCount() == 5
    choose(view, customer=ada, operator=operator)
    assert view.model.rowCount() == 4
    # Exported as `billing-admin audit --csv` writes it.
    exported = tmp_path / "window.csv"
    assert "Wrote 4 entries" in view.export_to(exported)
    from_cli = tmp_path / "cli.csv"
    assert cli("audit", "--customer", ada, "--csv", str(from_cli)).code == 0
    with exported.open() as a, from_cli.open() as b:
        assert list(csv.reader(a)) == list(csv.reader(b))


def test_the_help_menu_says_the_shortcuts_the_files_and_the_version(
    qtbot: QtBot, account: Account, make_window: MakeWindow
) -> None:
    window = synced_window(qtbot, make_window)
    titles = [a.text() for a in window.menuBar().actions()]
    assert "&Help" in titles
    keys = window.help.show_shortcuts()
    assert "Ctrl+Shift+A" in keys.text() and "Add card" in keys.text()
    assert "Enter on a card" in keys.text()
    keys.close()
    files = window.help.show_files()
    assert str(window.ctx.profile.cache_file) in files.text()
    assert "billing-admin.log" in files.text()
    files.close()
    about = window.help.show_about()
    assert __version__ in about.text()
    assert isinstance(about, QMessageBox)
    about.close()


def test_row_menus_offer_the_buttons_actions_as_the_policy_allows(
    qtbot: QtBot, account: Account, make_window: MakeWindow
) -> None:
    ada, (_, expired) = account.customer("Ada Lovelace", cards=[VISA, EXPIRED], default=0)
    window = synced_window(qtbot, make_window)
    customers = window.customers
    row = window.customers_model.row_of(ada)
    assert row is not None
    menu = window.customer_menu.menu_at(customers.table.model().index(row, 1))
    assert menu is not None
    assert customers.selected_customer() == ada  # the menu acts on the row clicked
    names = [a.text() for a in menu.actions() if not a.isSeparator()]
    assert names[:3] == ["&Add card…", "Open billing &portal", "&Copy portal link"]
    menu.close()

    qtbot.waitUntil(lambda: window.cards.title.text() == "Ada Lovelace")
    cards_table = window.cards.cards_table
    expired_row = window.cards_model.row_of(expired)
    assert expired_row is not None
    menu = window.card_menu.menu_at(window.cards_model.index(expired_row, 0))
    assert menu is not None
    set_default = menu.actions()[0]
    assert set_default is window.cards.set_default_action
    assert not set_default.isEnabled()  # an expired card: the policy says no, as the button
    assert "expired" in set_default.toolTip()
    assert cards_table.selectionModel().selectedRows()[0].row() == expired_row
    menu.close()


def test_a_customer_without_a_default_card_gets_a_hint_and_a_one_step_fix(
    qtbot: QtBot, account: Account, make_window: MakeWindow
) -> None:
    ada, (visa, expired) = account.customer("Ada Lovelace", cards=[VISA, EXPIRED])
    window = synced_window(qtbot, make_window, ada)
    hint = window.default_hint
    qtbot.waitUntil(hint.isVisible)
    assert "No default card" in hint.label.text()
    assert hint.button.text() == "Make Visa •••• 4242 (12/2030) the default"  # not the expired one
    select_card(window, expired)
    QTimer.singleShot(0, lambda: qtbot.keyClick(open_modal(DefaultDialog), Qt.Key.Key_Return))
    with qtbot.waitSignal(window.action_finished, timeout=TASK_TIMEOUT_MS) as done:
        hint.button.click()
    assert done.args == ["set-default", True]
    assert account.default_of(ada) == visa
    qtbot.waitUntil(lambda: not hint.isVisible())
    assert queries.customer(ada).default_payment_method == visa  # type: ignore[union-attr]

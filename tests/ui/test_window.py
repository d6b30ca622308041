"""The window against the emulator: cards, set default, detach, search, sync, offline."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from app.errors import StripeUnreachableError
from app.operations import Operations, PortalLink
from app.sync.engine import SyncResult
from tests.support.account import Account
from tests.support.window import (
    TASK_TIMEOUT_MS,
    card_ids,
    closed_port,
    open_modal,
    select_card,
    select_customer,
    synced,
    when_modal,
)
from ui.cards.default_dialog import DefaultDialog
from ui.cards.detach_dialog import DetachDialog
from ui.shell.main_window import MainWindow

pytestmark = [pytest.mark.ui, pytest.mark.emulator]
MakeWindow = Callable[..., MainWindow]
VISA = ("4242424242424242", 12, 2030)
MASTERCARD = ("5555555555554444", 3, 2031)


def _status(window: MainWindow, pm: str) -> str:
    model = window.cards_model
    row = model.row_of(pm)
    assert row is not None
    return str(model.index(row, 4).data())


def test_selecting_a_customer_shows_its_cards(
    qtbot: QtBot, account: Account, make_window: MakeWindow
) -> None:
    ada, (visa, mastercard) = account.customer("Ada Lovelace", cards=[VISA, MASTERCARD], default=0)
    lee, _ = account.customer("李小龙", "lee@example.jp")
    window = make_window()
    assert isinstance(synced(qtbot, window), SyncResult)

    select_customer(qtbot, window, ada)

    assert window.cards.title.text() == "Ada Lovelace"
    assert sorted(card_ids(window)) == sorted([visa, mastercard])
    model = window.cards_model
    row = model.row_of(visa)
    assert row is not None
    assert model.index(row, 0).data() == "Visa •••• 4242"
    assert model.index(row, 1).data() == "12/2030"
    assert "Default" in _status(window, visa)
    assert "Default" not in _status(window, mastercard)

    select_customer(qtbot, window, lee)
    assert window.cards.title.text() == "李小龙"
    assert card_ids(window) == []
    assert window.cards.no_cards.isVisible()
    assert "no saved cards" in window.cards.no_cards.text()


def test_set_default_with_enter_moves_the_badge(
    qtbot: QtBot, account: Account, make_window: MakeWindow
) -> None:
    ada, (visa, mastercard) = account.customer(cards=[VISA, MASTERCARD], default=0)
    window = make_window()
    synced(qtbot, window)
    select_customer(qtbot, window, ada)
    select_card(window, mastercard)
    scroll_before = window.customers.table.verticalScrollBar().value()
    table = window.cards.cards_table
    table.setFocus()
    qtbot.waitUntil(table.hasFocus)

    asked: list[str] = []

    def confirm_with_enter(dialog: DefaultDialog) -> None:  # one more key: the default answer
        asked.append(dialog.findChildren(type(window.cards.title))[0].text())
        qtbot.keyClick(dialog, Qt.Key.Key_Return)

    when_modal(DefaultDialog, confirm_with_enter)
    with qtbot.waitSignal(window.action_finished, timeout=TASK_TIMEOUT_MS) as done:
        qtbot.keyClick(table, Qt.Key.Key_Return)

    assert done.args == ["set-default", True]
    assert "•••• 4444" in asked[0] and "in place of <b>Visa •••• 4242" in asked[0]
    assert account.default_of(ada) == mastercard
    assert "Default" in _status(window, mastercard)
    assert "Default" not in _status(window, visa)
    # The customer row shows the new default, still selected, nothing scrolled.
    assert window.customers.selected_customer() == ada
    assert window.customers.table.verticalScrollBar().value() == scroll_before
    row = window.customers_model.row_of(ada)
    assert row is not None
    # (localstripe calls every card "visa", so only the last four digits tell them apart)
    assert window.customers_model.index(row, 4).data().endswith("•••• 4444")
    # The card stays selected; it is now the default, so Set as default is off.
    assert window.cards.cards_table.selectionModel().selectedRows()[0].row() == (
        window.cards_model.row_of(mastercard)
    )
    assert not window.cards.set_default_action.isEnabled()
    window.cards.tabs.setCurrentIndex(1)
    assert window.activity_model.index(0, 1).data() == "Set as default"


def test_detach_asks_then_removes_the_card(
    qtbot: QtBot, account: Account, make_window: MakeWindow
) -> None:
    ada, (visa, mastercard) = account.customer(cards=[VISA, MASTERCARD], default=0)
    window = make_window()
    synced(qtbot, window)
    select_customer(qtbot, window, ada)
    select_card(window, mastercard)
    seen: list[str] = []

    def confirm() -> None:
        dialog = open_modal(DetachDialog)
        seen.append(dialog.findChildren(type(window.cards.title))[0].text())
        dialog.detach_button.click()

    QTimer.singleShot(0, confirm)
    table = window.cards.cards_table
    table.setFocus()
    with qtbot.waitSignal(window.action_finished, timeout=TASK_TIMEOUT_MS) as done:
        qtbot.keyClick(table, Qt.Key.Key_Delete)

    assert done.args == ["detach", True]
    assert "•••• 4444" in seen[0]
    assert account.owner_of(mastercard) is None
    assert card_ids(window) == [visa]
    window.cards.show_detached.setChecked(True)
    assert sorted(card_ids(window)) == sorted([visa, mastercard])
    assert "Detached" in _status(window, mastercard)


def test_cancelling_the_detach_changes_nothing(
    qtbot: QtBot, account: Account, make_window: MakeWindow
) -> None:
    ada, (visa,) = account.customer(cards=[VISA])
    window = make_window()
    synced(qtbot, window)
    select_customer(qtbot, window, ada)
    select_card(window, visa)

    def cancel() -> None:
        open_modal(DetachDialog).reject()

    QTimer.singleShot(0, cancel)
    with qtbot.assertNotEmitted(window.action_finished, wait=200):
        window.detach()
    assert account.owner_of(visa) == ada


def test_search_filters_as_you_type(
    qtbot: QtBot, account: Account, make_window: MakeWindow
) -> None:
    zoe, _ = account.customer("Zoë Ångström", "zoe@example.se", cards=[MASTERCARD])
    lee, _ = account.customer("李小龙", "lee@example.jp", cards=[VISA])
    account.customer("Olivia Smith", "olivia@example.com")
    window = make_window()
    synced(qtbot, window)
    model = window.customers_model
    assert model.rowCount() == 3
    search = window.customers.search

    qtbot.keyClicks(search, "NGSTR")  # (QTest types ASCII only) matches "Ångström"
    qtbot.waitUntil(lambda: model.rowCount() == 1)
    assert model.customer_at(0).id == zoe  # type: ignore[union-attr]
    assert window.customers.count_label.text() == "1 customer match"

    search.setText("李小")  # as an input method or a paste would
    qtbot.waitUntil(lambda: model.rowCount() == 1 and model.customer_at(0).id == lee)  # type: ignore[union-attr]

    search.clear()
    qtbot.keyClicks(search, "4242")
    qtbot.waitUntil(lambda: model.rowCount() == 1 and model.customer_at(0).id == lee)  # type: ignore[union-attr]

    search.clear()
    qtbot.keyClicks(search, "nobody-like-this")
    qtbot.waitUntil(lambda: model.rowCount() == 0)
    assert window.customers.empty_label.isVisible()
    assert "nobody-like-this" in window.customers.empty_label.text()

    search.clear()
    qtbot.waitUntil(lambda: model.rowCount() == 3)


def test_sync_progress_advances_and_finishes(
    qtbot: QtBot, account: Account, make_window: MakeWindow
) -> None:
    for number in range(6):
        account.customer(f"Customer {number}", f"c{number}@example.com", cards=[VISA])
    window = make_window()
    assert window.customers.empty_label.isVisible()
    assert "Sync (F5)" in window.customers.empty_label.text()
    reports: list[tuple[str, int, object]] = []
    window.sync_progress.connect(lambda *args: reports.append(args))

    with qtbot.waitSignal(window.sync_finished, timeout=TASK_TIMEOUT_MS) as finished:
        assert window.start_sync()
        assert window.header.progress.isVisible()
        assert not window.header.sync_button.isEnabled()
        assert not window.start_sync(), "a second sync must not start while one runs"

    result = finished.args[0]
    assert isinstance(result, SyncResult) and result.customers == 6
    counted = [done for phase, done, _ in reports if phase == "Customers and cards"]
    assert counted and counted == sorted(counted) and counted[-1] == 6
    assert reports[-1] == ("Done", 6, 6)
    assert not window.header.progress.isVisible()
    assert window.header.sync_button.isEnabled()
    assert window.customers_model.rowCount() == 6
    assert window.header.synced_label.text() == "Last synced just now"
    assert window.header.connection_label.property("state") == "online"


def test_offline_keeps_data_and_disables_actions(
    qtbot: QtBot,
    account: Account,
    make_window: MakeWindow,
    cli: Callable[..., object],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ada, (visa,) = account.customer("Ada Lovelace", cards=[VISA])
    assert cli("sync").code == 0  # type: ignore[attr-defined]
    monkeypatch.setenv("STRIPE_API_BASE", f"http://127.0.0.1:{closed_port()}")
    window = make_window()

    failure = synced(qtbot, window)

    assert isinstance(failure, StripeUnreachableError)
    assert window.header.connection_label.property("state") == "offline"
    assert window.banner.isVisible() and "could not be reached" in window.banner.text
    select_customer(qtbot, window, ada)
    select_card(window, visa)
    assert card_ids(window) == [visa]  # the data stays visible
    for action in (
        window.cards.set_default_action,
        window.cards.detach_action,
        window.cards.portal_action,
        window.cards.copy_link_action,
    ):
        assert not action.isEnabled(), action.text()
        assert "cannot be reached" in action.toolTip()
    assert window.header.sync_button.isEnabled(), "Sync is the way to retry"
    # Retry from the banner tries again (and fails again: the port is still closed).
    with qtbot.waitSignal(window.sync_finished, timeout=TASK_TIMEOUT_MS) as retried:
        window.banner._action.click()
    assert isinstance(retried.args[0], StripeUnreachableError)
    assert window.customers_model.rowCount() == 1


def test_portal_link_is_copied_with_a_warning_that_it_expires(
    qtbot: QtBot, account: Account, make_window: MakeWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    ada, _ = account.customer("Ada Lovelace", cards=[VISA])
    window = make_window()
    synced(qtbot, window)
    select_customer(qtbot, window, ada)
    # localstripe has no billing portal: the emulator's answer is shown as it is.
    with qtbot.waitSignal(window.action_finished, timeout=TASK_TIMEOUT_MS) as failed:
        window.cards.copy_link_action.trigger()
    assert failed.args == ["copy-link", False]
    assert window.banner.isVisible() and window.banner.kind == "error"
    assert "billing portal" in window.banner.text

    url = "https://billing.stripe.com/p/session/test_abc"
    monkeypatch.setattr(
        Operations,
        "portal_link",
        lambda self, customer, action=None: PortalLink(
            url, True, "The link expires soon: use it quickly."
        ),
    )
    with qtbot.waitSignal(window.action_finished, timeout=TASK_TIMEOUT_MS) as copied:
        window.cards.copy_link_action.trigger()
    assert copied.args == ["copy-link", True]
    assert QGuiApplication.clipboard().text() == url
    # Passing information goes to the status bar (issue 13, point 10), not a banner.
    assert "expires soon" in window.statusBar().currentMessage()
    assert not window.banner.isVisible()

    with qtbot.waitSignal(window.action_finished, timeout=TASK_TIMEOUT_MS):
        window.cards.portal_action.trigger()
    opened = make_window.opened_urls  # type: ignore[attr-defined]
    assert [u.toString() for u in opened] == [url]


def test_after_set_as_default_by_its_button_the_focus_is_on_the_card_list(
    qtbot: QtBot, account: Account, make_window: MakeWindow
) -> None:
    """The button is disabled while the change runs, which moved the focus on to "Open
    billing portal", where Space would then make a portal session."""
    ada, (_, mastercard) = account.customer(cards=[VISA, MASTERCARD], default=0)
    window = make_window()
    synced(qtbot, window)
    select_customer(qtbot, window, ada)
    select_card(window, mastercard)
    button = next(
        b for b in window.cards.buttons if b.defaultAction() is window.cards.set_default_action
    )
    button.setFocus()
    qtbot.waitUntil(button.hasFocus)
    when_modal(DefaultDialog, lambda dialog: qtbot.keyClick(dialog, Qt.Key.Key_Return))

    with qtbot.waitSignal(window.action_finished, timeout=TASK_TIMEOUT_MS) as done:
        qtbot.keyClick(button, Qt.Key.Key_Space)

    assert done.args == ["set-default", True]
    # The window's focus widget: Xvfb has no window manager to make the window active again.
    qtbot.waitUntil(lambda: window.focusWidget() is window.cards.cards_table)

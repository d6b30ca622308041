"""The Billing tab and "Needs attention" in the window, on the emulator: subscriptions and
invoices as a customer has them, a declined first invoice, a card expiring before renewal, a
JPY invoice; opening an invoice's page (written through the store: the emulator gives none)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
from PySide6.QtCore import QLocale, Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from app.cache import store
from app.cache.models import now
from app.records import InvoiceRow
from tests.support.account import Account
from tests.support.billing import invoice
from tests.support.billing_account import DECLINED, GOOD, plan, subscribe, this_month
from tests.support.window import TASK_TIMEOUT_MS, card_ids, select_customer, synced
from ui.billing.billing_models import day_text
from ui.common.roles import BADGES_ROLE
from ui.shell.main_window import MainWindow

pytestmark = [pytest.mark.ui, pytest.mark.emulator, pytest.mark.usefixtures("english")]
MakeWindow = Callable[..., MainWindow]


@pytest.fixture
def english() -> Iterator[None]:
    """Amounts and dates as an English (US) locale writes them; the default restored after."""
    before = QLocale()
    yield
    QLocale.setDefault(before)


def _lines(window: MainWindow) -> list[str]:
    model = window.billing.subscriptions_model
    return [str(model.index(row, 0).data()) for row in range(model.rowCount())]


def _invoice_cells(window: MainWindow, row: int = 0) -> list[str]:
    model = window.billing.invoices_model
    return [str(model.index(row, column).data()) for column in range(model.columnCount())]


def _attention_ready(qtbot: QtBot, window: MainWindow, count: int) -> None:
    title = "Needs attention" + (f" ({count})" if count else "")
    qtbot.waitUntil(lambda: window.lists.tabText(1) == title, timeout=TASK_TIMEOUT_MS)


def test_the_billing_tab_shows_a_subscription_and_its_paid_invoice(
    qtbot: QtBot, account: Account, make_window: MakeWindow
) -> None:
    ada, _ = account.customer("Ada Lovelace", cards=[(GOOD, 12, 2030)], default=0)
    subscribe(account, ada, plan(account, 4900, "eur", "Pro"))
    window = make_window()
    synced(qtbot, window)
    select_customer(qtbot, window, ada)

    window.show_billing_tab()

    assert window.cards.tabs.currentWidget() is window.billing
    (line,) = _lines(window)
    renews = window.billing.subscriptions_model.row_at(0)
    assert renews is not None
    assert line == f"Pro · €49.00 / month · renews {day_text(renews.current_period_end)} · " + (
        "Visa •••• 4242"
    )
    assert (
        window.billing.subscriptions_model.index(0, 0).data(Qt.ItemDataRole.DecorationRole) is None
    )  # no warning
    date, number, amount, status, reason, card = _invoice_cells(window)
    assert (amount, status, card, reason) == ("€49.00", "Paid", "Visa •••• 4242", "")
    assert number.startswith("in_") and date == day_text(datetime.now(UTC))
    badges = window.billing.invoices_model.index(0, 3).data(BADGES_ROLE)
    assert [(b.text, b.kind) for b in badges] == [("Paid", "paid")]
    window.billing.invoices_table.selectRow(0)
    assert not window.billing.open_action.isEnabled()  # the emulator gives no page
    assert "no page" in window.billing.open_button.toolTip()
    assert window.lists.tabText(1) == "Needs attention"


def test_a_declined_invoice_puts_the_customer_in_needs_attention(
    qtbot: QtBot, account: Account, make_window: MakeWindow
) -> None:
    fiona, (bad,) = account.customer("Failing Fiona", cards=[(DECLINED, 12, 2030)], default=0)
    account.customer("Fine Frank", cards=[(GOOD, 12, 2030)], default=0)
    subscribe(account, fiona, plan(account, 4900, "eur", "Pro"))
    window = make_window()
    synced(qtbot, window)
    _attention_ready(qtbot, window, 1)

    window.show_attention()
    pane = window.attention
    assert pane.isVisible() and pane.count_label.text() == "1 customer"
    model = window.attention_model
    assert model.index(0, 0).data() == "Failing Fiona"
    assert [b.text for b in model.index(0, 1).data(BADGES_ROLE)] == ["Payment failed", "Incomplete"]
    assert model.index(0, 2).data() == "€49.00"
    assert "Your card was declined" in model.index(0, 3).data()

    # One step: choosing the row shows the customer's cards and the portal buttons.
    pane.table.selectRow(0)
    qtbot.waitUntil(lambda: window.cards.title.text() == "Failing Fiona")
    assert card_ids(window) == [bad]
    assert window.cards.portal_action.isEnabled() and window.cards.copy_link_action.isEnabled()
    QTest.keyClick(pane.table, Qt.Key.Key_Return)
    assert window.cards.tabs.currentIndex() == 0 and window.cards.cards_table.hasFocus()

    window.show_billing_tab()
    # One vocabulary (app.billing.status): what `invoices` prints too.
    assert _invoice_cells(window)[2:4] == ["€49.00", "Open · 1 failed attempt"]
    assert "Your card was declined." in window.billing.invoices_model.index(0, 3).data(
        Qt.ItemDataRole.ToolTipRole
    )
    assert "Incomplete" in _lines(window)[0]
    assert not window.cards.tabs.tabIcon(2).isNull()  # the tab warns


def test_a_card_expiring_before_renewal_is_warned_and_a_jpy_invoice_has_no_decimals(
    qtbot: QtBot, account: Account, make_window: MakeWindow
) -> None:
    month, year = this_month()
    soon, _ = account.customer("Soon Sato", cards=[(GOOD, month, year)], default=0)
    subscribe(account, soon, plan(account, 4900, "jpy", "Basic"))
    window = make_window()
    synced(qtbot, window)
    select_customer(qtbot, window, soon)
    window.show_billing_tab()

    model = window.billing.subscriptions_model
    assert _lines(window)[0].startswith("Basic · JPY\u00a04,900 / month · renews ")
    assert model.index(0, 0).data(Qt.ItemDataRole.DecorationRole) is not None
    tip = str(model.index(0, 0).data(Qt.ItemDataRole.ToolTipRole))
    assert f"Visa •••• 4242 expires ({month:02d}/{year}) before this subscription renews" in tip
    assert _invoice_cells(window)[2] == "JPY\u00a04,900"
    _attention_ready(qtbot, window, 1)
    assert window.attention_model.index(0, 1).data() == "Expires before renewal"


def _with_page(window: MainWindow, customer: str, url: str) -> InvoiceRow:
    with window.ctx.cache().db.atomic():
        store.upsert_invoices(
            [invoice("in_page", customer, "open", attempts=0, number="ADA-0001", url=url)], now()
        )
    window.view.reload_all()
    pane = window.billing
    (row,) = [
        r
        for r in range(pane.invoices_model.rowCount())
        if (found := pane.invoices_model.invoice_at(r)) is not None and found.id == "in_page"
    ]
    pane.invoices_table.selectRow(row)
    found = window.billing.selected_invoice()
    assert found is not None
    return found


def test_open_invoice_opens_stripes_page_or_says_why_not(
    qtbot: QtBot, account: Account, make_window: MakeWindow
) -> None:
    ada, _ = account.customer("Ada Lovelace", cards=[(GOOD, 12, 2030)], default=0)
    window = make_window()
    synced(qtbot, window)
    select_customer(qtbot, window, ada)
    window.show_billing_tab()
    url = "https://invoice.stripe.com/i/acct_1/test_page"
    opened = make_window.opened_urls  # type: ignore[attr-defined]

    found = _with_page(window, ada, url)
    assert _invoice_cells(window)[1:4] == ["ADA-0001", "€49.00", "Open"]
    assert window.billing.open_action.isEnabled()
    QTest.keyClick(window.billing.invoices_table, Qt.Key.Key_Return)
    assert [u.toString() for u in opened] == [url]
    assert "Opened invoice ADA-0001" in window.statusBar().currentMessage()
    assert found.hosted_invoice_url == url

    window.open_url = lambda _url: False  # no browser answers
    window.billing.open_button.click()
    assert window.banner.isVisible() and window.banner.kind == "error"
    assert "Could not open invoice ADA-0001" in window.banner.text and url in window.banner.text

    _with_page(window, ada, "javascript:alert(1)")
    assert not window.billing.open_action.isEnabled()
    assert "not Stripe's https page" in window.billing.open_button.toolTip()


def test_a_customer_chosen_from_needs_attention_stays_shown_across_a_sync(
    qtbot: QtBot, account: Account, make_window: MakeWindow
) -> None:
    fiona, _ = account.customer("Failing Fiona", cards=[(DECLINED, 12, 2030)], default=0)
    subscribe(account, fiona, plan(account))
    window = make_window()
    synced(qtbot, window)
    _attention_ready(qtbot, window, 1)
    window.customers.search.setText("nobody matches this")
    window.customers._apply_search()
    assert window.customers_model.rowCount() == 0

    window.show_attention()
    window.attention.table.selectRow(0)
    qtbot.waitUntil(lambda: window.cards.title.text() == "Failing Fiona")
    account.customer("Someone New")
    synced(qtbot, window)

    assert window.view.customer is not None and window.view.customer.id == fiona
    assert window.cards.title.text() == "Failing Fiona"
    assert window.attention.selected_customer() == fiona

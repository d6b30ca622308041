"""Retrying a failed payment from the window, on the emulator: the attention row's menu and
button, the question naming the amount, the invoice and the card, and the row changing in
place. Screenshots go to $BILLING_ADMIN_SHOTS (default /tmp/billing-admin-shots)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import QLocale, QPoint
from PySide6.QtWidgets import QMessageBox, QPushButton
from pytestqt.qtbot import QtBot

from app.cache import queries
from app.records import Action
from tests.support.account import Account
from tests.support.billing_account import DECLINED, GOOD, plan, subscribe
from tests.support.window import (
    TASK_TIMEOUT_MS,
    failing_customer_shown,
    select_card,
    when_modal,
)
from ui.shell.main_window import MainWindow

pytestmark = [pytest.mark.ui, pytest.mark.emulator]
SHOTS = Path(os.environ.get("BILLING_ADMIN_SHOTS", "/tmp/billing-admin-shots"))


def test_a_failed_payment_is_retried_from_the_attention_row(
    qtbot: QtBot, account: Account, make_window: object
) -> None:
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
    SHOTS.mkdir(parents=True, exist_ok=True)
    fiona, _ = account.customer("Failing Fiona", cards=[(DECLINED, 12, 2030)], default=0)
    subscribe(account, fiona, plan(account, 4900, "eur", "Pro"))
    good = account.add_card(fiona, GOOD, 12, 2030)
    account.set_default(fiona, good)  # the new card; the invoice is still open
    window: MainWindow = make_window()  # type: ignore[operator]
    invoice = failing_customer_shown(qtbot, window, "Failing Fiona")
    pane = window.attention
    assert pane.retry_button.isVisible() and pane.retry_action.isEnabled()
    # The row's menu (right click and the Menu key share it).
    menu = pane.row_menu.menu_at(pane.table.model().index(0, 0))
    assert menu is not None
    assert [a.text() for a in menu.actions() if a.text()] == [
        "Show this customer's cards",
        "Retry payment…",
        "Copy payment link",
        "Email customer…",
    ]
    menu.popup(pane.table.viewport().mapToGlobal(QPoint(40, 30)))
    qtbot.waitExposed(menu)
    menu.grab().save(str(SHOTS / "attention-row-menu.png"))
    window.grab().save(str(SHOTS / "attention-row-menu-window.png"))
    menu.close()

    # "Retry with this card…" is off against the emulator, and says why.
    select_card(window, good)
    window.update_actions()
    assert not window.retry_with_card_action.isEnabled()
    assert "emulator" in window.retry_with_card_action.toolTip()

    window.show_billing_tab()
    assert "Stripe will not retry by itself" in window.billing.next_attempt.text()
    window.grab().save(str(SHOTS / "billing-failed-invoice.png"))
    # The status is readable whole in its column, not a "+1" (issue 21's one vocabulary).
    status = window.billing.invoices_model.index(0, 3).data()
    table = window.billing.invoices_table
    assert status == "Open · 1 failed attempt"
    assert table.horizontalHeader().sectionSize(3) >= table.fontMetrics().horizontalAdvance(status)
    asked: list[str] = []

    def answer(box: QMessageBox) -> None:
        asked.append(box.text())
        box.grab().save(str(SHOTS / "retry-question.png"))
        charge = box.findChild(QPushButton, "ChargeButton")
        assert charge is not None
        charge.click()

    when_modal(QMessageBox, answer)
    with qtbot.waitSignal(window.action_finished, timeout=TASK_TIMEOUT_MS) as done:
        pane.retry_action.trigger()
    assert done.args == [Action.RETRY_PAYMENT, True]
    assert asked == [f"Charge €49.00 for invoice {invoice.id} to Visa •••• 4242 now?"]

    # The row changes in place; the attention list drops Fiona.
    qtbot.waitUntil(lambda: window.billing.invoices_model.invoice_at(0).status == "paid")  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: window.attention_model.rowCount() == 0, timeout=TASK_TIMEOUT_MS)
    window.grab().save(str(SHOTS / "after-retry.png"))
    steps = [(e.action, e.outcome) for e in queries.audit_entries(fiona)]
    assert ("retry-payment", "ok") in steps

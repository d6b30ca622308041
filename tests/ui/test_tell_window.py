"""Telling the customer from the window, on the emulator: "Copy payment link" and "Email
customer…" on the attention row's menu (off, saying why, where Stripe gave no page), the
cached link offline with its warning, the mail program opened with a mailto: URL, the text
offered for copying when none opens, and the Activity log's words. Screenshots go to
$BILLING_ADMIN_SHOTS (default /tmp/billing-admin-shots)."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import unquote

import pytest
from PySide6.QtCore import QLocale, QPoint, QUrl
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot

from app.cache import queries
from app.cache.models import Invoice
from app.operations.declared import activity_words
from tests.support.account import Account
from tests.support.billing_account import DECLINED, plan, subscribe
from tests.support.window import TASK_TIMEOUT_MS, failing_customer_shown, when_modal
from ui.shell.main_window import MainWindow
from ui.shell.tell_actions import EmailTextDialog

pytestmark = [pytest.mark.ui, pytest.mark.emulator]
SHOTS = Path(os.environ.get("BILLING_ADMIN_SHOTS", "/tmp/billing-admin-shots"))
PAGE = "https://invoice.stripe.com/i/acct_1Demo/test_RmlvbmFQYXlzSGVyZQ?s=ap"


def test_the_customer_is_told_from_the_attention_row(
    qtbot: QtBot, account: Account, make_window: object
) -> None:
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
    SHOTS.mkdir(parents=True, exist_ok=True)
    fiona, _ = account.customer(
        "Failing Fiona", "fiona@example.com", cards=[(DECLINED, 12, 2030)], default=0
    )
    subscribe(account, fiona, plan(account, 4900, "eur", "Pro"))
    window: MainWindow = make_window()  # type: ignore[operator]
    invoice = failing_customer_shown(qtbot, window, "Failing Fiona")
    pane = window.attention
    menu = pane.row_menu.menu_at(pane.table.model().index(0, 0))
    assert menu is not None
    assert [a.text() for a in menu.actions() if a.text()] == [
        "Show this customer's cards",
        "Retry payment…",
        "Copy payment link",
        "Email customer…",
    ]
    # The emulator gives no page: both are off, and say why.
    for action in (pane.copy_link_action, pane.email_action):
        assert not action.isEnabled()
        assert "Stripe gave no payment page" in action.toolTip()
    menu.close()

    # A page in the cache (as Stripe gives one), and Stripe out of reach: the cached link.
    Invoice.update(hosted_invoice_url=PAGE).where(Invoice.stripe_id == invoice.id).execute()
    window.sync.go_offline("Stripe cannot be reached (a test).")
    pane.show_retry_state()
    assert pane.copy_link_action.isEnabled() and pane.email_action.isEnabled()
    menu = pane.row_menu.menu_at(pane.table.model().index(0, 0))
    assert menu is not None
    menu.popup(pane.table.viewport().mapToGlobal(QPoint(40, 30)))
    qtbot.waitExposed(menu)
    menu.grab().save(str(SHOTS / "attention-row-menu-tell.png"))
    menu.close()

    with qtbot.waitSignal(window.action_finished, timeout=TASK_TIMEOUT_MS) as done:
        pane.copy_link_action.trigger()
    assert done.args == ["copy-payment-link", True]
    assert QGuiApplication.clipboard().text() == PAGE
    assert "may have expired" in window.statusBar().currentMessage()

    opened: list[QUrl] = []
    window.open_url = lambda url: opened.append(url)
    with qtbot.waitSignal(window.action_finished, timeout=TASK_TIMEOUT_MS) as done:
        pane.email_action.trigger()
    assert done.args == ["email-customer", True]
    (url,) = opened
    assert url.scheme() == "mailto" and url.path() == "fiona@example.com"
    text = unquote(url.toString(QUrl.ComponentFormattingOption.FullyEncoded))
    assert f"subject=Invoice {invoice.id}: €49.00 to pay" in text
    assert "Hello Failing Fiona," in text and PAGE in text

    # No mail program: the text is offered for copying, and copied is all it says it was.
    window.open_url = lambda url: False
    shown: list[str] = []

    def copy(dialog: EmailTextDialog) -> None:
        shown.append(dialog.text.toPlainText())
        dialog.grab().save(str(SHOTS / "email-text-fallback.png"))
        button = dialog.findChild(QPushButton, "CopyEmailText")
        assert button is not None
        button.click()

    when_modal(EmailTextDialog, copy)
    with qtbot.waitSignal(window.action_finished, timeout=TASK_TIMEOUT_MS):
        pane.email_action.trigger()
    assert shown and shown[0].startswith("To: fiona@example.com\nSubject: Invoice ")
    assert QGuiApplication.clipboard().text() == shown[0]

    steps = [(e.action, e.outcome, e.detail) for e in queries.audit_entries(fiona)]
    actions = [s[0] for s in reversed(steps)]
    assert actions == ["copy-payment-link", "email-customer", "copy-email"]
    assert all(s[1] == "ok" for s in steps)
    assert [activity_words(a) for a in actions] == [
        "Copied payment link",
        "Opened an email",
        "Copied an email's text",
    ]
    assert "fiona@example.com" in steps[1][2]

"""Billing's window parts without Stripe: amounts through QLocale, "Needs attention" read a
page per query, and models that never raise."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from playhouse.test_utils import count_queries
from PySide6.QtCore import QLocale, Qt

from app.cache import billing_queries, store
from app.cache.models import now
from app.context import Context
from app.records import CustomerData, InvoiceRow, SubscriptionRow
from app.settings import Profile
from tests.support.billing import invoice, subscription, write_cases
from ui.attention.attention_model import PAGE, AttentionModel
from ui.billing.billing_models import InvoicesModel, SubscriptionsModel, subscription_line
from ui.common.money_format import NBSP, money
from ui.common.roles import BADGES_ROLE

pytestmark = [pytest.mark.ui]
EN = QLocale(QLocale.Language.English, QLocale.Country.UnitedStates)
DE = QLocale(QLocale.Language.German, QLocale.Country.Germany)
ROLES = [
    Qt.ItemDataRole.DisplayRole,
    Qt.ItemDataRole.ToolTipRole,
    Qt.ItemDataRole.DecorationRole,
    Qt.ItemDataRole.ForegroundRole,
    Qt.ItemDataRole.TextAlignmentRole,
    Qt.ItemDataRole.AccessibleTextRole,
    BADGES_ROLE,
]


def test_amounts_follow_the_locale_and_stripes_decimals(qapp: object) -> None:
    assert money(4900, "eur", EN) == "€49.00"
    assert money(4900, "eur", DE) == f"49,00{NBSP}€"
    assert money(123456789, "usd", EN) == "$1,234,567.89"
    assert money(4900, "jpy", EN) == f"JPY{NBSP}4,900"  # zero-decimal; ¥ is also the yuan's
    assert money(1500, "kwd", EN) == f"KWD{NBSP}1.500"  # three decimals
    assert money(50000, "isk", EN) == f"ISK{NBSP}500.00"  # Stripe's two decimals for ISK
    assert money(4900, "cad", EN) == f"CAD{NBSP}49.00"  # never an ambiguous "$"
    canada = QLocale(QLocale.Language.English, QLocale.Country.Canada)
    assert money(4900, "cad", canada) == "$49.00"
    assert money(4900, "usd", canada) == f"USD{NBSP}49.00"
    assert money(4900, "eur", QLocale.c()) == "€49.00"  # no conventions: as in English


def test_needs_attention_is_read_a_page_per_query(home: Path, qapp: object) -> None:
    ctx = Context(Profile())
    count = 3 * PAGE + 5
    with ctx.cache().db.atomic():
        customers = [
            CustomerData(f"cus_{n:05d}", f"Customer {n:05d}", "", None) for n in range(count)
        ]
        store.upsert_customers(customers, now())
        store.upsert_invoices(
            [invoice(f"in_{n:05d}", f"cus_{n:05d}", "open") for n in range(count)], now()
        )
    model = AttentionModel()
    with count_queries(only_select=True) as counted:
        model.set_ranking(billing_queries.attention_ranking())
    assert counted.count == 1 and model.rowCount() == count

    with count_queries(only_select=True) as counted:
        names = [model.index(row, 0).data() for row in range(count)]
        for row in range(count):
            for column in range(model.columnCount()):
                model.index(row, column).data()
                model.index(row, column).data(BADGES_ROLE)
    assert counted.count == 4 * 3  # three queries a page of 200, never one a row
    assert names[0] == "Customer 00000" and names[-1] == f"Customer {count - 1:05d}"
    assert model.index(0, 2).data() == money(4900, "eur")
    ctx.close()


def test_a_row_gone_since_the_ranking_is_empty_not_an_error(home: Path, qapp: object) -> None:
    ctx = Context(Profile())
    with ctx.cache().db.atomic():
        ids = write_cases()
    model = AttentionModel()
    model.set_ranking([*billing_queries.attention_ranking(), ids["Fine"]])
    last = model.rowCount() - 1
    assert all(model.index(last, c).data(role) is None for c in range(4) for role in ROLES)
    assert model.index(last + 1, 0).data() is None
    ctx.close()


def test_billing_models_never_raise(qapp: object) -> None:
    sub = SubscriptionRow(
        **vars(subscription("sub_1", "cus_1", "past_due", currency="")),
        payment_method=None,
        payment_method_display=None,
        card_expired=False,
        card_expires_before_renewal=False,
    )
    odd = replace(sub, status="paused", amount=None, interval=None, description=None)
    subscriptions = SubscriptionsModel()
    subscriptions.set_subscriptions([sub, odd], [])
    raw = vars(invoice("in_1", "cus_1", "draft", currency="zzz"))
    broken = InvoiceRow(
        **{**raw, "created": None, "attempt_count": None}, payment_method_display=None
    )
    invoices = InvoicesModel()
    invoices.set_invoices([broken])
    for model in (subscriptions, invoices):
        for row in range(model.rowCount() + 1):
            for column in range(model.columnCount()):
                for role in ROLES:
                    model.index(row, column).data(role)
    assert subscription_line(odd) == "sub_1 · Paused"  # the one vocabulary of statuses
    assert invoices.index(0, 3).data() == "Draft"

"""Billing history on the emulator: full and incremental sync of subscriptions and invoices,
which card will pay, and "Needs attention"; request counts."""

from __future__ import annotations

import json
import math
import time
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from app.billing.rules import Reason
from app.cache import billing_queries
from app.context import Context
from app.gateway import EventData
from app.settings import Profile
from app.sync.billing_events import history_start
from app.sync.engine import SyncProgress
from tests.support.account import Account
from tests.support.billing_account import (
    DECLINED,
    GOOD,
    pay,
    plan,
    shape,
    subscribe,
    this_month,
)


def reasons(customer: str) -> list[str]:
    for entry in billing_queries.needs_attention():
        if entry.id == customer:
            return [r.code for r in entry.reasons]
    return []


@pytest.mark.emulator
def test_a_subscription_paid_by_a_good_card(account: Account, ctx: Any) -> None:
    cus, (card,) = account.customer(cards=[(GOOD, 12, 2030)], default=0)
    sub = subscribe(account, cus, plan(account, 4900, "eur", "Pro"))

    result = ctx.sync_engine().run(full=True)

    assert (result.subscriptions, result.invoices) == (1, 1)
    (row,) = billing_queries.subscriptions_of(cus)
    assert (row.id, row.status, row.description, row.amount, row.currency) == (
        sub,
        "active",
        "Pro",
        4900,
        "eur",
    )
    assert (row.interval, row.interval_count, row.cancel_at_period_end) == ("month", 1, False)
    assert row.current_period_end is not None
    assert (row.payment_method, row.payment_method_display) == (card, "Visa •••• 4242")
    assert not row.card_expired and not row.card_expires_before_renewal
    (invoice,) = billing_queries.invoices_of(cus)
    assert (invoice.status, invoice.subscription, invoice.amount_paid) == ("paid", sub, 4900)
    assert invoice.paid_at is not None and invoice.amount_remaining == 0
    assert (invoice.payment_method, invoice.payment_method_display) == (card, "Visa •••• 4242")
    assert reasons(cus) == []


@pytest.mark.emulator
def test_a_declined_first_invoice_then_paid_with_a_new_default_card(
    account: Account, ctx: Any
) -> None:
    cus, (bad,) = account.customer("Failing Fiona", cards=[(DECLINED, 12, 2030)], default=0)
    sub = subscribe(account, cus, plan(account, 4900, "eur", "Pro"))
    ctx.sync_engine().run(full=True)

    (invoice,) = billing_queries.invoices_of(cus)
    assert (invoice.status, invoice.attempt_count, invoice.amount_remaining) == ("open", 1, 4900)
    assert invoice.payment_method == bad
    assert invoice.failure_message == "Your card was declined."
    assert billing_queries.subscriptions_of(cus)[0].status == "incomplete"
    (entry,) = [e for e in billing_queries.needs_attention() if e.id == cus]
    assert [r.code for r in entry.reasons] == [Reason.PAYMENT_FAILED, Reason.PAST_DUE]
    assert entry.amount_due == (("eur", 4900),)
    assert "49.00 EUR" in entry.reasons[0].detail
    assert "Your card was declined" in entry.reasons[0].detail

    good = account.add_card(cus, GOOD, 12, 2031)
    account.set_default(cus, good)
    pay(account, invoice.id)
    engine = ctx.sync_engine()
    result = engine.run()

    assert result.kind == "incremental"
    (invoice,) = billing_queries.invoices_of(cus)
    assert (invoice.status, invoice.amount_paid, invoice.payment_method) == ("paid", 4900, good)
    (row,) = billing_queries.subscriptions_of(cus)
    assert (row.id, row.status, row.payment_method) == (sub, "active", good)
    assert reasons(cus) == []
    # Events list (+1 where the `types` filter is learnt), the customer's cards (its default
    # changed), its subscriptions (its invoice changed): no request per event.
    assert result.requests <= 4


@pytest.mark.emulator
def test_a_card_expiring_before_renewal_and_an_expired_one(account: Account, ctx: Any) -> None:
    month, year = this_month()
    soon, (card,) = account.customer("Soon", cards=[(GOOD, month, year)], default=0)
    old, _ = account.customer("Old", cards=[(GOOD, 1, 2020)], default=0)
    monthly = plan(account)
    subscribe(account, soon, monthly)
    subscribe(account, old, monthly)

    ctx.sync_engine().run(full=True)

    (row,) = billing_queries.subscriptions_of(soon)
    assert row.payment_method == card and row.card_expires_before_renewal
    assert reasons(soon) == [Reason.CARD_EXPIRES_BEFORE_RENEWAL]
    assert reasons(old) == [Reason.CARD_EXPIRED]
    assert billing_queries.subscriptions_of(old)[0].card_expired
    order = [e.id for e in billing_queries.needs_attention()]
    assert order.index(old) < order.index(soon)  # more severe first


@pytest.mark.emulator
def test_no_card_to_pay_with(account: Account, ctx: Any) -> None:
    cus, (card,) = account.customer(cards=[(GOOD, 12, 2030)], default=0)
    subscribe(account, cus, plan(account))
    account.client.v1.payment_methods.detach(card)
    account.set_default(cus, None)

    ctx.sync_engine().run(full=True)

    assert reasons(cus) == [Reason.NO_DEFAULT_CARD]
    assert billing_queries.subscriptions_of(cus)[0].payment_method is None


@pytest.mark.emulator
def test_a_jpy_invoice(account: Account, ctx: Any, cli: Any) -> None:
    cus, _ = account.customer(cards=[(DECLINED, 12, 2030)], default=0)
    subscribe(account, cus, plan(account, 4900, "jpy", "Yen plan"))
    ctx.sync_engine().run(full=True)

    ran = cli("invoices", cus, "--json")
    (invoice,) = json.loads(ran.out)["invoices"]
    assert (invoice["amount_due"], invoice["currency"], invoice["amount_due_decimal"]) == (
        4900,
        "jpy",
        "4900",
    )
    (entry,) = [e for e in billing_queries.needs_attention() if e.id == cus]
    assert entry.amount_due == (("jpy", 4900),)
    assert "4900 JPY" in entry.reasons[0].detail


@pytest.mark.emulator
def test_a_customer_deleted_leaves_needs_attention(account: Account, ctx: Any) -> None:
    cus, _ = account.customer("Leaving", cards=[(DECLINED, 12, 2030)], default=0)
    subscribe(account, cus, plan(account))
    ctx.sync_engine().run(full=True)
    assert reasons(cus)

    account.client.v1.customers.delete(cus)
    ctx.sync_engine().run()

    assert reasons(cus) == []


@pytest.mark.emulator
def test_request_counts(account: Account, ctx: Any) -> None:
    monthly = plan(account)
    customers = 5
    for i in range(customers):
        cus, _ = account.customer(f"C{i}", cards=[(GOOD, 12, 2030)], default=0)
        subscribe(account, cus, monthly)
    invoices = subscriptions = customers
    time.sleep(1.1)  # the events above are older than the full sync's cursor

    full = ctx.sync_engine().run(full=True)
    # Customers' pages, each one's cards, subscriptions' and invoices' pages, the server
    # time, and at most one probe learning the emulator lacks the customers' cards route.
    bound = math.ceil(customers / 100) + customers + 1 + 1 + 2
    assert full.requests <= bound
    ctx.sync_engine().run()  # settles the cursor on the newest event
    idle = ctx.sync_engine().run()
    assert idle.kind == "incremental" and idle.requests <= 2
    assert (full.subscriptions, full.invoices) == (subscriptions, invoices)


def test_history_starts_history_months_back() -> None:
    assert history_start(datetime(2026, 3, 31, 9, tzinfo=UTC), 1) == datetime(
        2026, 2, 28, 9, tzinfo=UTC
    )
    assert history_start(datetime(2026, 1, 15, tzinfo=UTC), 13) == datetime(
        2024, 12, 15, tzinfo=UTC
    )


def test_the_invoice_list_stops_at_the_first_page_reaching_past_the_history(
    home: Any, httpserver: HTTPServer, monkeypatch: Any
) -> None:
    """Stripe lists invoices newest first: no page beyond the history window is read (a
    recorded Stripe-shaped list; the emulator cannot make old invoices)."""
    monkeypatch.setenv("STRIPE_API_BASE", httpserver.url_for("").rstrip("/"))
    monkeypatch.setenv("STRIPE_API_KEY", "sk_test_recorded000000000000")
    now = int(time.time())
    day = 86400

    def page(ages: range, more: bool) -> dict[str, Any]:
        data = [shape("invoice", id=f"in_{age}", created=now - age * day) for age in ages]
        return {"object": "list", "url": "/v1/invoices", "has_more": more, "data": data}

    httpserver.expect_request("/v1/invoices", query_string={"limit": "100"}).respond_with_json(
        page(range(100), True)
    )
    httpserver.expect_request(
        "/v1/invoices", query_string={"limit": "100", "starting_after": "in_99"}
    ).respond_with_json(page(range(100, 500, 4), True))

    gateway = Context(Profile()).gateway()
    read = [i for p in gateway.invoice_pages(now - 300 * day) for i in p]

    assert len(read) == 100 + len(range(100, 301, 4))
    assert len(httpserver.log) == gateway.requests_sent == 2


@pytest.mark.emulator
def test_an_event_replayed_after_a_full_sync_never_puts_an_invoice_back(
    account: Account, ctx: Any
) -> None:
    """The first incremental sync lists again the events of the second the full sync began
    in: an invoice's "created" event then carries it as a draft with no attempt, while the
    full sync read it open after a failed attempt (seen with the demo's seeding)."""
    cus, _ = account.customer("Failing Fiona", cards=[(DECLINED, 12, 2030)], default=0)
    subscribe(account, cus, plan(account, 4900, "eur", "Pro"))
    engine = ctx.sync_engine()
    engine.run(full=True)
    (failed,) = next(iter(engine.gateway.invoice_pages(0)))
    assert (failed.status, failed.attempt_count) == ("open", 1)
    older = replace(failed, status="draft", attempt_count=0, failure_message=None)

    engine.apply_events(
        [EventData("evt_replayed", "invoice.created", int(time.time()) - 5, cus, invoice=older)],
        SyncProgress(),
    )

    (invoice,) = billing_queries.invoices_of(cus)
    assert (invoice.status, invoice.attempt_count) == ("open", 1)
    assert reasons(cus)[0] == Reason.PAYMENT_FAILED

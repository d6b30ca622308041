"""Why a payment failed, in Stripe's current shapes (a stand-in serving InvoicePayments and
PaymentIntents, `tests/support/standin.py`) and in the emulator's (an invoice's embedded
charge): the card tried or paid, Stripe's message, code and decline code, and when."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from app.cache import billing_queries
from app.context import Context
from app.gateway.client import INVOICE_PAYMENTS_ROUTE
from app.settings import Profile
from tests.support.account import Account
from tests.support.billing_account import DECLINED, GOOD, plan, subscribe
from tests.support.standin import BILLED_AT, INSUFFICIENT_FUNDS, KEY, StandIn, serving

EXPAND = "data.payment.payment_intent.payment_method"


@pytest.fixture
def billed(home: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[StandIn]:
    """Stripe in today's shapes over plain http: a declined and a paid invoice."""
    server = StandIn(3, billing=True)
    monkeypatch.setenv("STRIPE_API_BASE", server.url)
    monkeypatch.setenv("STRIPE_API_KEY", KEY)
    with serving(server):
        yield server


@pytest.fixture
def standin_ctx(billed: StandIn) -> Iterator[Context]:
    context = Context(Profile())
    context.cache()
    yield context
    context.close()


def _payment_requests(server: StandIn) -> list[dict[str, list[str]]]:
    return [
        parse_qs(urlsplit(path).query)
        for _, path, _ in server.answered
        if urlsplit(path).path == "/v1/invoice_payments"
    ]


def test_a_full_sync_reads_why_from_the_invoice_payments(
    billed: StandIn, standin_ctx: Context, cli: Any
) -> None:
    standin_ctx.sync_engine().run(full=True)

    (failed,) = billing_queries.invoices_of("cus_StandIn0001")
    assert (failed.status, failed.payment_method) == ("open", "pm_StandIn0001")
    assert failed.payment_method_display == "Visa •••• 4241"
    assert (failed.failure_message, failed.failure_code, failed.decline_code) == (
        INSUFFICIENT_FUNDS,
        "card_declined",
        "insufficient_funds",
    )
    assert failed.failed_at == datetime.fromtimestamp(BILLED_AT, UTC)
    (paid,) = billing_queries.invoices_of("cus_StandIn0002")
    assert (paid.status, paid.payment_method, paid.failure_message) == (
        "paid",
        "pm_StandIn0002",
        None,
    )
    assert billing_queries.declined_cards("cus_StandIn0001") == {
        "pm_StandIn0001": datetime.fromtimestamp(BILLED_AT, UTC)
    }
    assert billing_queries.declined_cards("cus_StandIn0002") == {}

    ran = cli("invoices", "cus_StandIn0001", "--json")
    (invoice,) = json.loads(ran.out)["invoices"]
    assert {k: invoice[k] for k in ("payment_method", "payment_method_display")} == {
        "payment_method": "pm_StandIn0001",
        "payment_method_display": "Visa •••• 4241",
    }
    assert (invoice["failure_message"], invoice["failure_code"], invoice["decline_code"]) == (
        INSUFFICIENT_FUNDS,
        "card_declined",
        "insufficient_funds",
    )
    table = cli("invoices", "cus_StandIn0001").out
    assert f"{INSUFFICIENT_FUNDS} (insufficient_funds)" in table

    # One account-wide list of the period kept, each PaymentIntent and card expanded; every
    # request is to a path and an expansion Stripe has.
    (listed,) = _payment_requests(billed)
    assert listed["expand[0]"] == [EXPAND] and "created[gte]" in listed
    assert all(status == 200 for _, _, status in billed.answered), billed.answered


def test_an_incremental_sync_reads_a_touched_invoice_s_payments_once(
    billed: StandIn, standin_ctx: Context
) -> None:
    standin_ctx.sync_engine().run(full=True)
    billed.answered.clear()
    # A second attempt fails on the same card, differently; Stripe sends its events.
    intent = billed.account["payment_intents"]["pi_StandIn0001"]
    intent["last_payment_error"].update(
        message="Your card was declined.", decline_code="generic_decline"
    )
    later = int(time.time())
    invoice = dict(billed.account["invoices"][1], attempt_count=2)
    assert invoice["id"] == "in_StandIn0001"
    for n, kind in enumerate(("invoice.payment_failed", "invoice.updated")):
        event = {
            "id": f"evt_StandIn{n}",
            "object": "event",
            "type": kind,
            "created": later,
            "data": {"object": invoice},
        }
        billed.account["events"].insert(0, event)

    result = standin_ctx.sync_engine().run()

    assert result.kind == "incremental"
    (failed,) = billing_queries.invoices_of("cus_StandIn0001")
    assert (failed.attempt_count, failed.failure_message, failed.decline_code) == (
        2,
        "Your card was declined.",
        "generic_decline",
    )
    assert failed.failed_at == datetime.fromtimestamp(later, UTC)
    (listed,) = _payment_requests(billed)  # once, for the one touched invoice
    assert listed["invoice"] == ["in_StandIn0001"] and listed["expand[0]"] == [EXPAND]
    assert all(status == 200 for _, _, status in billed.answered), billed.answered
    # Events, the customer's subscriptions, the invoice's payments.
    assert result.requests <= 3


def test_stripe_s_text_is_one_redacted_bounded_line(billed: StandIn, standin_ctx: Context) -> None:
    intent = billed.account["payment_intents"]["pi_StandIn0001"]
    intent["last_payment_error"].update(
        message="Declined\n\x1b[31m4242 4242 4242 4242 " + "x" * 1000,
        decline_code="\x1b]0;pwned\x07" + "y" * 200,
    )

    standin_ctx.sync_engine().run(full=True)

    (failed,) = billing_queries.invoices_of("cus_StandIn0001")
    assert failed.failure_message is not None and failed.decline_code is not None
    assert "\n" not in failed.failure_message and "\x1b" not in failed.failure_message
    assert "4242 4242" not in failed.failure_message and len(failed.failure_message) <= 300
    assert "\x1b" not in failed.decline_code and len(failed.decline_code) <= 64


@pytest.mark.emulator
def test_the_emulator_s_charge_says_why_and_its_missing_route_is_learnt_once(
    account: Account, ctx: Any, cli: Any
) -> None:
    cus, (bad,) = account.customer("Failing Fiona", cards=[(DECLINED, 12, 2030)], default=0)
    subscribe(account, cus, plan(account, 4900, "eur", "Pro"))

    engine = ctx.sync_engine()
    engine.run(full=True)

    (invoice,) = billing_queries.invoices_of(cus)
    assert (invoice.payment_method, invoice.failure_message) == (bad, "Your card was declined.")
    assert (invoice.failure_code, invoice.decline_code) == ("card_declined", None)
    assert invoice.failed_at is not None
    assert billing_queries.declined_cards(cus) == {bad: invoice.failed_at}
    assert engine.gateway._knows(INVOICE_PAYMENTS_ROUTE) is False

    # Paid with a new card: the old one stays declined, the new one is not.
    good = account.add_card(cus, GOOD, 12, 2031)
    account.set_default(cus, good)
    account.client.v1.invoices.pay(invoice.id)
    before = engine.gateway.requests_sent
    result = engine.run()
    (paid,) = billing_queries.invoices_of(cus)
    assert (paid.status, paid.payment_method) == ("paid", good)
    assert set(billing_queries.declined_cards(cus)) == {bad}
    # No request to the missing route: events (+ the types probe), cards, subscriptions.
    assert engine.gateway.requests_sent - before == result.requests <= 4
    (shown,) = json.loads(cli("invoices", cus, "--json").out)["invoices"]
    assert (shown["status"], shown["failure_code"], shown["decline_code"]) == (
        "paid",
        "card_declined",
        None,
    )

"""Every object the gateway reads, converted from Stripe's own published example of the
current API (`stripe_shapes.json`); what the emulator cannot produce (a trialing
subscription, a subscription's own default card, the current invoice shape) is tested here."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from app.billing.rules import payer_candidates
from app.gateway.convert import (
    card_from,
    customer_from,
    event_from,
    invoice_from,
    portal_url_from,
    setup_intent_from,
    subscription_from,
)
from app.records import CustomerData
from tests.support.billing_account import shape

EXAMPLE_TIME = datetime.fromtimestamp(1234567890, UTC)


def test_customer() -> None:
    customer = customer_from(shape("customer"))
    assert customer == CustomerData("cus_QXg1o8vcGmoR32", "", "", None, 1234567890, False)
    with_default = shape(
        "customer", invoice_settings={"default_payment_method": "pm_1"}, default_source="card_2"
    )
    assert customer_from(with_default).default_payment_method == "pm_1"


def test_payment_method() -> None:
    card = card_from(shape("payment_method"))
    assert card is not None
    assert (card.id, card.customer, card.card_type, card.last_four) == (
        "pm_1Pgc75B7WZ01zgkWlHVgdEGJ",
        None,
        "visa",
        "4242",
    )
    assert (card.exp_month, card.exp_year, card.country, card.funding) == (8, 2030, "US", "credit")


def test_invoice_in_the_current_shape() -> None:
    invoice = invoice_from(shape("invoice"))
    # parent.subscription_details.subscription wins over the top-level subscription (null).
    assert invoice.subscription == "subscription"
    assert (invoice.id, invoice.customer, invoice.number, invoice.status) == (
        "in_1Pgc6tB7WZ01zgkWu9fdqL6I",
        "cus_QXg1o8vcGmoR32",
        None,
        "draft",
    )
    assert (invoice.amount_due, invoice.amount_paid, invoice.amount_remaining) == (1000, 0, 1000)
    assert invoice.currency == "usd"
    assert invoice.created == invoice.due_date == invoice.next_payment_attempt == EXAMPLE_TIME
    assert invoice.paid_at is None and invoice.attempt_count == 0
    assert invoice.payment_method is None and invoice.failure_message is None
    assert invoice.hosted_invoice_url is None


def test_a_failed_invoice_names_the_card_tried_and_why() -> None:
    failed = shape(
        "invoice",
        status="open",
        number="ABC-0001",
        attempt_count=2,
        amount_remaining=700,
        hosted_invoice_url="https://invoice.stripe.com/i/x",
        payment_intent={
            "id": "pi_1",
            "object": "payment_intent",
            "payment_method": None,
            "last_payment_error": {
                "message": "Your card has insufficient funds.",
                "payment_method": {"id": "pm_9"},
            },
        },
    )
    invoice = invoice_from(failed)
    assert (invoice.number, invoice.status, invoice.attempt_count) == ("ABC-0001", "open", 2)
    assert invoice.amount_remaining == 700
    assert invoice.payment_method == "pm_9"
    assert invoice.failure_message == "Your card has insufficient funds."
    assert invoice.hosted_invoice_url == "https://invoice.stripe.com/i/x"

    finalization = shape("invoice", last_finalization_error={"message": "No tax settings."})
    assert invoice_from(finalization).failure_message == "No tax settings."
    paid = shape("invoice", status="paid", status_transitions={"paid_at": 1786000000})
    assert invoice_from(paid).paid_at == datetime.fromtimestamp(1786000000, UTC)


def test_an_older_invoice_shape_names_its_subscription_and_charge() -> None:
    older = shape(
        "invoice",
        parent=None,
        subscription="sub_old",
        amount_remaining=None,
        amount_due=4900,
        amount_paid=0,
        charge={
            "id": "ch_1",
            "object": "charge",
            "payment_method": "pm_1",
            "failure_message": "Your card was declined.",
            "payment_method_details": {"card": {"brand": "mastercard", "last4": "4444"}},
        },
    )
    invoice = invoice_from(older)
    assert invoice.subscription == "sub_old"
    assert invoice.amount_remaining == 4900
    assert (invoice.payment_method, invoice.card_label, invoice.failure_message) == (
        "pm_1",
        "Mastercard •••• 4444",
        "Your card was declined.",
    )


def test_subscription_in_the_current_shape() -> None:
    sub = subscription_from(shape("subscription"))
    assert (sub.id, sub.customer, sub.status) == (
        "sub_1Pgc6rB7WZ01zgkWNy0Cn5nw",
        "cus_QXg1o8vcGmoR32",
        "active",
    )
    # The item's price wins over its plan (whose amount is null here); the period end is on
    # the item, not at the top.
    assert (sub.amount, sub.currency, sub.interval, sub.interval_count) == (2000, "usd", "month", 1)
    assert sub.current_period_end == datetime.fromtimestamp(976287773, UTC)
    assert sub.cancel_at_period_end is True and sub.trial_end == EXAMPLE_TIME
    assert sub.description is None  # no nickname, and the product is not expanded
    assert sub.default_payment_method is None and sub.default_source is None


def test_description_is_the_price_nickname_else_the_plan_s_else_the_product_name() -> None:
    sub = shape("subscription")
    item = sub["items"]["data"][0]
    item["price"]["product"] = {"id": "prod_1", "object": "product", "name": "T-shirt club"}
    assert subscription_from(sub).description == "T-shirt club"
    item["plan"]["nickname"] = "Plan nickname"
    assert subscription_from(sub).description == "Plan nickname"
    item["price"]["nickname"] = "Monthly"
    item["quantity"] = 3
    converted = subscription_from(sub)
    assert (converted.description, converted.amount) == ("Monthly", 6000)


def test_a_trialing_subscription_with_its_own_default_card() -> None:
    customer = customer_from(
        shape("customer", invoice_settings={"default_payment_method": "pm_customer"})
    )
    own = subscription_from(
        shape("subscription", status="trialing", default_payment_method="pm_own")
    )
    source = subscription_from(
        shape("subscription", default_source={"id": "card_src", "object": "card"})
    )
    plain = subscription_from(shape("subscription"))

    assert own.status == "trialing"

    def card_that_pays(subscription: Any, customer: Any) -> str | None:
        return next((c for c in payer_candidates(subscription, customer) if c), None)

    assert card_that_pays(own, customer) == "pm_own"
    assert card_that_pays(source, customer) == "card_src"
    assert card_that_pays(plain, customer) == "pm_customer"
    assert card_that_pays(plain, customer_from(shape("customer"))) is None


def test_events() -> None:
    plan_created = event_from(shape("event"))
    assert (plan_created.type, plan_created.customer, plan_created.invoice) == (
        "plan.created",
        None,
        None,
    )
    failed = event_from(
        shape("event", type="invoice.payment_failed", data={"object": shape("invoice")})
    )
    assert failed.invoice is not None and failed.customer == "cus_QXg1o8vcGmoR32"
    updated = event_from(
        shape(
            "event",
            type="customer.subscription.updated",
            data={"object": shape("subscription"), "previous_attributes": {"status": "trialing"}},
        )
    )
    assert updated.subscription is not None and updated.subscription.status == "active"
    assert updated.customer == "cus_QXg1o8vcGmoR32" and updated.customer_data is None


def test_setup_intent() -> None:
    seti = shape("setup_intent", customer="cus_1", status="succeeded", payment_method="pm_1")
    read = setup_intent_from(seti, with_secret=False)
    assert (read.id, read.status, read.customer, read.payment_method) == (
        "seti_1Pgag7B7WZ01zgkWSgwGdb8Z",
        "succeeded",
        "cus_1",
        "pm_1",
    )
    assert read.client_secret is None
    assert setup_intent_from(seti, with_secret=True).client_secret == seti["client_secret"]


def test_billing_portal_session() -> None:
    session = shape("billing_portal.session")
    assert portal_url_from(session) == session["url"]

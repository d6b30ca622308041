"""Converting Stripe's objects at the boundary (shapes as in Stripe's API reference)."""

from __future__ import annotations

from app.gateway.convert import (
    card_from,
    customer_and_default_card_from,
    customer_from,
    event_from,
)
from tests.support.billing_account import shape


def test_the_default_in_force_is_the_invoice_default_else_a_card_default_source() -> None:
    modern = {
        "id": "cus_1",
        "invoice_settings": {"default_payment_method": "pm_1"},
        "default_source": "card_9",
    }
    expanded = {
        "id": "cus_2",
        "invoice_settings": {"default_payment_method": {"id": "pm_2", "object": "payment_method"}},
    }
    legacy = {
        "id": "cus_3",
        "invoice_settings": {"default_payment_method": None},
        "default_source": "card_3",
    }
    bank = {"id": "cus_4", "invoice_settings": {}, "default_source": "ba_4"}

    assert [customer_from(c).default_payment_method for c in (modern, expanded, legacy, bank)] == [
        "pm_1",
        "pm_2",
        "card_3",
        None,
    ]


def test_a_customer_listed_with_its_default_card_embedded_in_stripes_published_shapes() -> None:
    """A customer list with `expand[]=data.invoice_settings.default_payment_method` and
    `expand[]=data.default_source` embeds Stripe's payment method, card or source object where
    the id was; the example objects name no customer on the card (null)."""
    pm, card, source = shape("payment_method"), shape("card"), shape("source")

    def listed(invoice_default: object, default_source: object) -> dict[str, object]:
        customer = shape("customer", default_source=default_source)
        customer["invoice_settings"] = {
            **customer["invoice_settings"],
            "default_payment_method": invoice_default,
        }
        return customer

    customer, default = customer_and_default_card_from(listed(pm, None))
    assert default is not None and customer.default_payment_method == default.id == pm["id"]
    assert (default.customer, default.card_type, default.last_four) == (customer.id, "visa", "4242")
    assert (default.exp_month, default.exp_year, default.funding) == (8, 2030, "credit")

    customer, default = customer_and_default_card_from(listed(None, card))
    assert default is not None and customer.default_payment_method == default.id == card["id"]
    assert (default.customer, default.card_type, default.last_four) == (customer.id, "visa", "4242")

    # The invoice default wins over a default source, as when they are ids.
    customer, default = customer_and_default_card_from(listed(pm, card))
    assert default is not None and default.id == pm["id"]
    # A source that is not a card, a payment method that is not a card, or none at all.
    assert customer_and_default_card_from(listed(None, source))[1] is None
    sepa = {**pm, "type": "sepa_debit", "card": None, "sepa_debit": {"last4": "3000"}}
    customer, default = customer_and_default_card_from(listed(sepa, None))
    assert default is None and customer.default_payment_method == pm["id"]
    assert customer_and_default_card_from(shape("customer")) == (
        customer_from(shape("customer")),
        None,
    )
    # Not expanded (ids only): the customer is read, its card is left to the card list.
    assert customer_and_default_card_from(listed(pm["id"], None))[1] is None


def test_only_safe_card_metadata_crosses_the_boundary() -> None:
    pm = {
        "id": "pm_1",
        "object": "payment_method",
        "type": "card",
        "customer": {"id": "cus_1", "object": "customer"},
        "billing_details": {"address": {"line1": "1 Main St"}, "name": "Ada"},
        "card": {
            "brand": "amex",
            "last4": "8431",
            "exp_month": 3,
            "exp_year": 2031,
            "country": "US",
            "funding": "credit",
        },
        "created": 1786000000,
    }
    card = card_from(pm)

    assert card is not None
    assert (card.customer, card.card_type, card.last_four, card.exp_month, card.exp_year) == (
        "cus_1",
        "amex",
        "8431",
        3,
        2031,
    )
    assert not hasattr(card, "billing_details")
    assert card_from({"id": "pm_2", "type": "sepa_debit", "sepa_debit": {"last4": "3000"}}) is None


def test_a_legacy_card_source_is_a_card() -> None:
    source = {
        "id": "card_1",
        "object": "card",
        "brand": "Visa",
        "last4": "4242",
        "exp_month": 1,
        "exp_year": 2030,
        "customer": "cus_1",
    }
    card = card_from(source)
    assert card is not None and (card.card_type, card.customer) == ("visa", "cus_1")


def test_events_name_their_customer() -> None:
    detached = {
        "id": "evt_1",
        "type": "payment_method.detached",
        "created": 1786000000,
        "data": {
            "object": {"id": "pm_1", "customer": None},
            "previous_attributes": {"customer": "cus_1"},
        },
    }
    deleted = {
        "id": "evt_2",
        "type": "customer.deleted",
        "created": 1786000001,
        "data": {"object": {"id": "cus_2", "object": "customer", "deleted": True}},
    }
    assert (event_from(detached).customer, event_from(detached).payment_method) == ("cus_1", "pm_1")
    assert event_from(deleted).customer == "cus_2" and event_from(deleted).customer_data is not None

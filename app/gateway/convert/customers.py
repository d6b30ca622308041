"""Customers and their cards, from Stripe's objects."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from app.billing.rules import customer_default
from app.gateway.convert.reader import (
    EMAIL_LENGTH,
    LAST_TIME,
    NAME_LENGTH,
    Unconvertible,
    _mapping,
    _plain,
    _Reader,
    skip,
)
from app.records import CardData, CustomerData, Skipped

#: The fields of a whole customer: an event's object without them is partial (an update
#: carrying only what changed), and must not blank what the cache holds.
CUSTOMER_FIELDS = ("name", "email", "invoice_settings")


def customer_from(obj: Any) -> CustomerData:
    read = _Reader(obj, "customer")
    obj = read.obj
    settings = read.mapping(obj.get("invoice_settings"), "invoice_settings")
    default = customer_default(
        read.ref(settings.get("default_payment_method"), "default_payment_method"),
        read.ref(obj.get("default_source"), "default_source"),
    )
    return CustomerData(
        id=read.id,
        name=read.text(obj.get("name"), "name", NAME_LENGTH) or "",
        email=read.text(obj.get("email"), "email", EMAIL_LENGTH) or "",
        default_payment_method=default,
        created=read.integer(obj.get("created"), "created", 0, LAST_TIME),
        deleted=bool(obj.get("deleted")),
    )


def customer_and_default_card_from(obj: Any) -> tuple[CustomerData, CardData | None]:
    """A customer listed with `expand[]=data.invoice_settings.default_payment_method` and
    `expand[]=data.default_source`, and the card that will be charged (`customer_default`) when
    Stripe embedded it: a card payment method, or a legacy `card_...` source. None when the
    customer has no default card, or when it is not a card (a SEPA debit, a bank account)."""
    obj = _plain(obj)
    customer = customer_from(obj)
    settings = _mapping(obj.get("invoice_settings"))
    for embedded in (settings.get("default_payment_method"), obj.get("default_source")):
        if isinstance(embedded, Mapping) and embedded.get("id") == customer.default_payment_method:
            card = card_from(embedded)
            # An embedded object may leave its customer out (Stripe's examples say null).
            return customer, replace(card, customer=customer.id) if card else None
    return customer, None


def customers_and_default_cards(
    items: Iterable[Any], skipped: list[Skipped]
) -> list[tuple[CustomerData, CardData | None]]:
    """`customer_and_default_card_from` of each listed customer: a customer that does not
    convert is skipped; one whose embedded card does not is kept without it (the card is
    skipped, and read again with the customer's card list)."""
    rows: list[tuple[CustomerData, CardData | None]] = []
    for item in items:
        try:
            rows.append(customer_and_default_card_from(item))
        except Unconvertible as exc:
            if exc.kind != "card":
                skipped.append(skip(exc, item, "customer"))
                continue
            try:
                rows.append((customer_from(item), None))
            except Unconvertible as again:
                skipped.append(skip(again, item, "customer"))
                continue
            skipped.append(skip(exc, item, "card"))
    return rows


def card_from(obj: Any) -> CardData | None:
    """Only the safe metadata of a card payment method; None for other types."""
    read = _Reader(obj, "card")
    obj = read.obj
    card = obj.get("card") if obj.get("type", "card") == "card" else None
    if obj.get("object") == "card":  # a legacy card_ source
        card = obj
    if not card:
        return None
    card = read.mapping(card, "card")
    brand = read.text(card.get("brand"), "brand") or "unknown"
    return CardData(
        id=read.id,
        customer=read.ref(obj.get("customer"), "customer"),
        card_type=brand.lower().replace(" ", "_")[:20],
        last_four=(read.text(card.get("last4"), "last4") or "")[-4:],
        exp_month=read.integer(card.get("exp_month"), "exp_month", 0, 12) or 0,
        exp_year=read.integer(card.get("exp_year"), "exp_year", 0, 9999) or 0,
        country=read.code(card.get("country"), "country", 2),
        funding=read.code(card.get("funding"), "funding", 16),
        created=read.integer(obj.get("created"), "created", 0, LAST_TIME),
    )

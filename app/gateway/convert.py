"""Stripe objects turned into our records: the one place that knows Stripe's field names.

Every function takes a StripeObject, or the plain dict Stripe's reference shows (tests feed
both), and returns a frozen record; where Stripe's shapes differ between API versions (or
between Stripe and the emulator), the function says which field wins.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from app.billing.rules import customer_default
from app.cards import display_name
from app.records import CardData, CustomerData, InvoiceData, SubscriptionData


@dataclass(frozen=True)
class EventData:
    id: str
    type: str
    created: int
    #: The customer the event is about (for a detached card: the one it left).
    customer: str | None
    #: The customer as the event saw it, for customer.* events.
    customer_data: CustomerData | None = None
    payment_method: str | None = None
    #: The invoice or subscription as the event saw it, for invoice.* and
    #: customer.subscription.* events.
    invoice: InvoiceData | None = None
    subscription: SubscriptionData | None = None


@dataclass(frozen=True)
class SetupIntentData:
    id: str
    status: str
    customer: str | None
    payment_method: str | None
    client_secret: str | None = None

    def __repr__(self) -> str:  # the client secret never reaches a log line
        return f"SetupIntentData({self.id}, {self.status}, customer={self.customer})"


def _plain(obj: Any) -> Mapping[str, Any]:
    """A StripeObject as the plain dict it was sent as (test payloads already are)."""
    to_dict = getattr(obj, "to_dict", None)
    return to_dict() if callable(to_dict) else obj  # type: ignore[no-any-return]


def _id(value: Any) -> str | None:
    """An id from a field that may be an id string or an expanded object."""
    if value is None or isinstance(value, str):
        return value
    return str(value.get("id")) if isinstance(value, Mapping) else None


def customer_from(obj: Any) -> CustomerData:
    obj = _plain(obj)
    settings = obj.get("invoice_settings") or {}
    default = customer_default(
        _id(settings.get("default_payment_method")), _id(obj.get("default_source"))
    )
    return CustomerData(
        id=str(obj["id"]),
        name=obj.get("name") or "",
        email=obj.get("email") or "",
        default_payment_method=default,
        created=obj.get("created"),
        deleted=bool(obj.get("deleted")),
    )


def customer_and_default_card_from(obj: Any) -> tuple[CustomerData, CardData | None]:
    """A customer listed with `expand[]=data.invoice_settings.default_payment_method` and
    `expand[]=data.default_source`, and the card that will be charged (`customer_default`) when
    Stripe embedded it: a card payment method, or a legacy `card_...` source. None when the
    customer has no default card, or when it is not a card (a SEPA debit, a bank account)."""
    obj = _plain(obj)
    customer = customer_from(obj)
    settings = obj.get("invoice_settings") or {}
    for embedded in (settings.get("default_payment_method"), obj.get("default_source")):
        if isinstance(embedded, Mapping) and embedded.get("id") == customer.default_payment_method:
            card = card_from(embedded)
            # An embedded object may leave its customer out (Stripe's examples say null).
            return customer, replace(card, customer=customer.id) if card else None
    return customer, None


def card_from(obj: Any) -> CardData | None:
    """Only the safe metadata of a card payment method; None for other types."""
    obj = _plain(obj)
    card = obj.get("card") if obj.get("type", "card") == "card" else None
    if obj.get("object") == "card":  # a legacy card_ source
        card = obj
    if not card:
        return None
    return CardData(
        id=str(obj["id"]),
        customer=_id(obj.get("customer")),
        card_type=str(card.get("brand") or "unknown").lower().replace(" ", "_"),
        last_four=str(card.get("last4") or "")[-4:],
        exp_month=int(card.get("exp_month") or 0),
        exp_year=int(card.get("exp_year") or 0),
        country=card.get("country"),
        funding=card.get("funding"),
        created=obj.get("created"),
    )


def event_from(obj: Any) -> EventData:
    """Turn a Stripe event (as the API or Stripe's reference shows it) into EventData."""
    obj = _plain(obj)
    data = obj.get("data") or {}
    target = data.get("object") or {}
    previous = data.get("previous_attributes") or {}
    kind = str(obj["type"])
    customer: str | None = None
    customer_data = None
    payment_method = None
    if kind.startswith("customer.") and target.get("object", "customer") == "customer":
        customer_data = customer_from(target)
        customer = customer_data.id
    elif kind.startswith("payment_method."):
        payment_method = target.get("id")
        customer = _id(target.get("customer")) or _id(previous.get("customer"))
    invoice = invoice_from(target) if kind.startswith("invoice.") else None
    subscription = subscription_from(target) if kind.startswith("customer.subscription.") else None
    if invoice or subscription:
        customer = (invoice or subscription).customer  # type: ignore[union-attr]
    return EventData(
        id=str(obj["id"]),
        type=kind,
        created=int(obj["created"]),
        customer=customer,
        customer_data=customer_data,
        payment_method=payment_method,
        invoice=invoice,
        subscription=subscription,
    )


def _time(value: Any) -> datetime | None:
    return datetime.fromtimestamp(int(value), UTC) if value else None


def _text(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


def _mapping(value: Any) -> Mapping[str, Any]:
    """An embedded object, or {} where the field is null or only an id."""
    return value if isinstance(value, Mapping) else {}


def _items(obj: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return list((obj.get("items") or {}).get("data") or [])


def subscription_from(obj: Any) -> SubscriptionData:
    """A subscription, from the current API's shape or an older one (the emulator's).

    Which field wins: each item's `price` before its `plan` (older API versions only have the
    plan); the period end is the earliest of the items' `current_period_end` (where the
    current API puts it), else the top-level `current_period_end` (older versions); the
    currency is the subscription's own, else the first item's price or plan's.
    """
    obj = _plain(obj)
    items = _items(obj)
    prices = [_mapping(item.get("price") or item.get("plan")) for item in items]
    amount: int | None = 0
    for item, price in zip(items, prices, strict=True):
        unit = price.get("unit_amount", price.get("amount"))
        if unit is None or amount is None:
            amount = None
        else:
            amount += int(unit) * int(item.get("quantity") or 1)
    if not items:
        amount = None
    first: Mapping[str, Any] = prices[0] if prices else {}
    recurring = first.get("recurring") or first  # a price's recurring, else the plan itself
    ends = [int(item["current_period_end"]) for item in items if item.get("current_period_end")]
    period_end = min(ends) if ends else obj.get("current_period_end")
    return SubscriptionData(
        id=str(obj["id"]),
        customer=str(_id(obj.get("customer"))),
        status=str(obj.get("status") or ""),
        description=_description(items),
        amount=amount,
        currency=_text(obj.get("currency") or first.get("currency")),
        interval=_text(recurring.get("interval")),
        interval_count=recurring.get("interval_count"),
        current_period_end=_time(period_end),
        cancel_at_period_end=bool(obj.get("cancel_at_period_end")),
        trial_end=_time(obj.get("trial_end")),
        default_payment_method=_id(obj.get("default_payment_method")) or None,
        default_source=_id(obj.get("default_source")) or None,
        created=_time(obj.get("created")),
    )


def _description(items: list[Mapping[str, Any]]) -> str | None:
    """The first item's price nickname, else its plan's, else its product's name when the
    product is expanded, else the plan's legacy `name` (older API versions; the emulator)."""
    for item in items[:1]:
        price, plan = item.get("price") or {}, item.get("plan") or {}
        product = price.get("product") or plan.get("product")
        for candidate in (
            price.get("nickname"),
            plan.get("nickname"),
            product.get("name") if isinstance(product, Mapping) else None,
            plan.get("name"),
        ):
            if candidate:
                return str(candidate)
    return None


def invoice_from(obj: Any) -> InvoiceData:
    """An invoice, from the current API's shape or an older one (the emulator's).

    Which field wins: `parent.subscription_details.subscription` before a top-level
    `subscription` (null in the current API); `amount_remaining` when given, else what is due
    less what is paid. The card tried and the failure come from an embedded `charge` (older
    versions; the emulator), else an embedded `payment_intent` (its `last_payment_error`),
    else the invoice's own `default_payment_method` and `last_finalization_error`: the
    current API names no card on the invoice itself unless those are set or expanded.
    """
    obj = _plain(obj)
    parent = obj.get("parent") or {}
    details = parent.get("subscription_details") or {}
    subscription = _id(details.get("subscription")) or _id(obj.get("subscription"))
    due, paid = int(obj.get("amount_due") or 0), int(obj.get("amount_paid") or 0)
    remaining = obj.get("amount_remaining")
    transitions = obj.get("status_transitions") or {}
    pm, label, failure = _payment_of(obj)
    return InvoiceData(
        id=str(obj["id"]),
        number=_text(obj.get("number")),
        customer=str(_id(obj.get("customer"))),
        subscription=subscription or None,
        status=str(obj.get("status") or ""),
        amount_due=due,
        amount_paid=paid,
        amount_remaining=int(remaining) if remaining is not None else max(due - paid, 0),
        currency=str(obj.get("currency") or ""),
        created=_time(obj.get("created")),
        due_date=_time(obj.get("due_date")),
        paid_at=_time(transitions.get("paid_at")),
        attempt_count=int(obj.get("attempt_count") or 0),
        next_payment_attempt=_time(obj.get("next_payment_attempt")),
        payment_method=pm,
        card_label=label,
        failure_message=failure,
        hosted_invoice_url=_text(obj.get("hosted_invoice_url")),
    )


def _payment_of(invoice: Mapping[str, Any]) -> tuple[str | None, str | None, str | None]:
    """(payment method id, "Visa •••• 4242", failure message) as far as the invoice says."""
    charge = invoice.get("charge")
    if isinstance(charge, Mapping):
        card = (charge.get("payment_method_details") or {}).get("card") or {}
        label = display_name(str(card["brand"]), str(card["last4"])) if card.get("last4") else None
        return _id(charge.get("payment_method")), label, _text(charge.get("failure_message"))
    intent = invoice.get("payment_intent")
    if isinstance(intent, Mapping):
        error = intent.get("last_payment_error") or {}
        pm = _id(intent.get("payment_method")) or _id(error.get("payment_method"))
        return pm, None, _text(error.get("message"))
    error = invoice.get("last_finalization_error") or {}
    return _id(invoice.get("default_payment_method")), None, _text(error.get("message"))


def portal_url_from(obj: Any) -> str:
    return str(_plain(obj)["url"])


def setup_intent_from(obj: Any, *, with_secret: bool) -> SetupIntentData:
    obj = _plain(obj)
    return SetupIntentData(
        id=str(obj["id"]),
        status=str(obj["status"]),
        customer=_id(obj.get("customer")),
        payment_method=_id(obj.get("payment_method")),
        client_secret=obj.get("client_secret") if with_secret else None,
    )


def server_time(obj: Any) -> int | None:
    response = getattr(obj, "last_response", None)
    date = response.headers.get("Date") if response is not None else None
    if not date:
        return None
    try:
        return int(parsedate_to_datetime(date).timestamp())
    except (TypeError, ValueError):
        return None

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
from typing import Any, NamedTuple

from app import untrusted
from app.billing.rules import customer_default
from app.cards import display_name
from app.records import (
    CardData,
    CustomerData,
    InvoiceData,
    InvoicePaymentData,
    SubscriptionData,
)


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


def _said(value: Any, limit: int = untrusted.MESSAGE_LIMIT) -> str | None:
    """Stripe's words (a failure message, a decline code): one redacted line, bounded."""
    text = untrusted.message(str(value))[:limit] if value not in (None, "") else ""
    return text or None


#: The most of a failure or decline code kept (its column's width).
CODE_LIMIT = 64


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
    payment = _payment_of(obj)
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
        payment_method=payment.payment_method,
        card_label=payment.card_label,
        failure_message=payment.failure_message,
        hosted_invoice_url=_text(obj.get("hosted_invoice_url")),
        failure_code=payment.failure_code,
        decline_code=payment.decline_code,
        failed_at=payment.failed_at,
    )


class _Payment(NamedTuple):
    """What an invoice (or an InvoicePayment's PaymentIntent) says of its payment."""

    payment_method: str | None = None
    card_label: str | None = None
    failure_message: str | None = None
    failure_code: str | None = None
    decline_code: str | None = None
    failed_at: datetime | None = None


def _card_label(pm: Any) -> str | None:
    """ "Visa •••• 4242" of an expanded card payment method; None for an id or another type."""
    card = card_from(pm) if isinstance(pm, Mapping) and pm.get("id") else None
    return card.display_name if card and card.last_four else None


def _payment_of(invoice: Mapping[str, Any]) -> _Payment:
    """The card paid with or tried, and the failure, as far as the invoice itself says."""
    charge = invoice.get("charge")
    if isinstance(charge, Mapping):  # older versions; the emulator
        card = (charge.get("payment_method_details") or {}).get("card") or {}
        label = display_name(str(card["brand"]), str(card["last4"])) if card.get("last4") else None
        failed = charge.get("status") == "failed" or bool(charge.get("failure_message"))
        outcome = _mapping(charge.get("outcome"))
        return _Payment(
            _id(charge.get("payment_method")),
            label,
            _said(charge.get("failure_message")),
            _said(charge.get("failure_code"), CODE_LIMIT),
            _said(outcome.get("reason"), CODE_LIMIT) if charge.get("failure_code") else None,
            _time(charge.get("created")) if failed else None,
        )
    intent = invoice.get("payment_intent")
    if isinstance(intent, Mapping):
        return _intent_payment(intent)
    error = invoice.get("last_finalization_error") or {}
    return _Payment(_id(invoice.get("default_payment_method")), None, _said(error.get("message")))


def _intent_payment(intent: Mapping[str, Any]) -> _Payment:
    """A PaymentIntent's card: the one that paid (`payment_method`), else the one its last
    error names, with the error's message, code and decline code."""
    error = _mapping(intent.get("last_payment_error"))
    paid = intent.get("status") == "succeeded"
    tried = intent.get("payment_method") if paid else None
    tried = tried or error.get("payment_method") or intent.get("payment_method")
    return _Payment(
        _id(tried),
        _card_label(tried),
        None if paid else _said(error.get("message")),
        None if paid else _said(error.get("code"), CODE_LIMIT),
        None if paid else _said(error.get("decline_code"), CODE_LIMIT),
    )


def invoice_payment_from(obj: Any) -> InvoicePaymentData:
    """An InvoicePayment listed with `expand[]=data.payment.payment_intent.payment_method`:
    its invoice, and what its PaymentIntent says (`_intent_payment`). A payment by another
    means than a PaymentIntent (a charge, out of band) names no card."""
    obj = _plain(obj)
    payment = _mapping(obj.get("payment"))
    intent = _mapping(payment.get("payment_intent"))
    found = _intent_payment(intent) if intent else _Payment()
    transitions = _mapping(obj.get("status_transitions"))
    return InvoicePaymentData(
        id=str(obj["id"]),
        invoice=str(_id(obj.get("invoice"))),
        status=str(obj.get("status") or ""),
        created=_time(obj.get("created")),
        paid_at=_time(transitions.get("paid_at")),
        payment_method=found.payment_method,
        card_label=found.card_label,
        failure_message=found.failure_message,
        failure_code=found.failure_code,
        decline_code=found.decline_code,
    )


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

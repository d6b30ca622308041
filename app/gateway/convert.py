"""Stripe objects turned into our records: the one place that knows Stripe's field names.

Every function takes a StripeObject, or the plain dict Stripe's reference shows (tests feed
both), and returns a frozen record; where Stripe's shapes differ between API versions (or
between Stripe and the emulator), the function says which field wins.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

from app.records import CardData, CustomerData


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
    default = _id(settings.get("default_payment_method"))
    if not default:
        source = _id(obj.get("default_source"))
        default = source if source and source.startswith("card_") else None
    return CustomerData(
        id=str(obj["id"]),
        name=obj.get("name") or "",
        email=obj.get("email") or "",
        default_payment_method=default,
        created=obj.get("created"),
        deleted=bool(obj.get("deleted")),
    )


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
    return EventData(
        id=str(obj["id"]),
        type=kind,
        created=int(obj["created"]),
        customer=customer,
        customer_data=customer_data,
        payment_method=payment_method,
    )


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

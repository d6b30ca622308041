"""Stripe's events: what a sync applies (`event_from`), and what witnesses a change
(`witness_from`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.gateway.convert.billing import invoice_from, subscription_from
from app.gateway.convert.customers import CUSTOMER_FIELDS, customer_from
from app.gateway.convert.reader import (
    ID_LENGTH,
    LAST_TIME,
    Unconvertible,
    _clean,
    _object_id,
    _Reader,
)
from app.records import CustomerData, InvoiceData, SubscriptionData


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
    #: The customer's object carried only some fields: it is read again, not written.
    partial: bool = False


@dataclass(frozen=True)
class Witness:
    """What an event says of the request that made it: Stripe's witness of a change."""

    id: str
    type: str
    created: int
    #: Whether the event names its request at all (the emulator's never do).
    has_request: bool
    #: The request's id: None for what Stripe did by itself (a subscription's renewal).
    request_id: str | None
    #: The request's Idempotency-Key (this tool's: `billing-admin-{cache}-{intent}`).
    key: str | None
    #: The id of the object the event is about, and the customer it belongs to.
    object_id: str | None
    customer: str | None


def _event_head(obj: Any) -> tuple[_Reader, str, int]:
    """The reader of an event, its type and its time: what every event has, else
    `Unconvertible`."""
    read = _Reader(obj, "event")
    kind = read.code(read.obj.get("type"), "type", 64)
    created = read.integer(read.obj.get("created"), "created", 0, LAST_TIME)
    if kind is None or created is None:
        raise read.bad("no type" if kind is None else "no created time")
    return read, kind, created


def witness_from(obj: Any) -> Witness:
    """Any event, of any type, as a `Witness`; one that does not even have an id, a type and
    a time raises `Unconvertible`."""
    read, kind, created = _event_head(obj)
    event = read.obj
    request = event.get("request")
    data = event.get("data")
    target = data.get("object") if isinstance(data, Mapping) else None
    target = target if isinstance(target, Mapping) else {}
    previous = data.get("previous_attributes") if isinstance(data, Mapping) else None
    previous = previous if isinstance(previous, Mapping) else {}
    object_id = target.get("id")
    owner = target.get("customer") or previous.get("customer")
    if target.get("object") == "customer":
        owner = object_id

    def short(value: Any) -> str | None:
        if isinstance(value, Mapping):
            value = value.get("id")
        return _clean(value, ID_LENGTH) if isinstance(value, str) and value else None

    return Witness(
        id=read.id,
        type=kind,
        created=created,
        has_request=isinstance(request, Mapping),
        request_id=short(request.get("id")) if isinstance(request, Mapping) else None,
        key=short(request.get("idempotency_key")) if isinstance(request, Mapping) else None,
        object_id=short(object_id),
        customer=short(owner),
    )


#: The same for an invoice's or a subscription's events: without these, the event is skipped.
_BILLING_FIELDS = {
    "invoice": ("customer", "status", "amount_due", "currency"),
    "customer.subscription": ("customer", "status", "items"),
}


def event_from(obj: Any) -> EventData:
    """Turn a Stripe event (as the API or Stripe's reference shows it) into EventData."""
    read, kind, created = _event_head(obj)
    obj = read.obj
    data = obj.get("data")
    if not isinstance(data, Mapping) or not isinstance(data.get("object"), Mapping):
        raise read.bad("no data object")
    target = data["object"]
    previous = read.mapping(data.get("previous_attributes"), "previous_attributes")
    customer: str | None = None
    customer_data = None
    payment_method = None
    partial = False
    try:
        if kind.startswith("customer.") and target.get("object", "customer") == "customer":
            if all(field in target for field in CUSTOMER_FIELDS) or kind == "customer.deleted":
                customer_data = customer_from(target)
                customer = customer_data.id
            else:  # only what changed: the customer is read again, nothing is blanked
                customer, partial = _object_id(target, "customer"), True
        elif kind.startswith("payment_method."):
            payment_method = _object_id(target, "card")
            customer = read.ref(target.get("customer"), "customer") or read.ref(
                previous.get("customer"), "customer"
            )
        required = _BILLING_FIELDS.get(kind.rsplit(".", 1)[0], ())
        if kind not in ("invoice.deleted",) and not all(f in target for f in required):
            # Only what changed: applying it would blank the rest; the next full sync reads it.
            raise read.bad(f"its object carries only {', '.join(sorted(map(str, target)))}")
        invoice = invoice_from(target) if kind.startswith("invoice.") else None
        subscription = (
            subscription_from(target) if kind.startswith("customer.subscription.") else None
        )
    except Unconvertible as exc:
        raise read.bad(f"its {exc.kind or 'object'} {exc.object_id}: {exc.reason}") from None
    if invoice or subscription:
        customer = (invoice or subscription).customer  # type: ignore[union-attr]
    return EventData(
        id=read.id,
        type=kind,
        created=created,
        customer=customer,
        customer_data=customer_data,
        payment_method=payment_method,
        invoice=invoice,
        subscription=subscription,
        partial=partial,
    )

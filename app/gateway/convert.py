"""Stripe objects turned into our records: the one place that knows Stripe's field names.

Every function takes a StripeObject, or the plain dict Stripe's reference shows (tests feed
both), and returns a frozen record; where Stripe's shapes differ between API versions (or
between Stripe and the emulator), the function says which field wins.

Types are checked here, at the boundary: an object that is not in Stripe's shape (a name that
is a number, `exp_month: "abc"`, an amount past what the cache stores, a float amount, an
event without `data`) raises `Unconvertible`, naming its id and the reason, and a list goes on
without it (`each`). Text is normalised the same way for SQLite and PostgreSQL: NUL removed,
lengths bounded by what Stripe documents (or what the cache's column holds).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, NamedTuple, TypeVar

from app import untrusted
from app.billing.rules import customer_default
from app.cards import display_name
from app.errors import KnownError
from app.records import (
    CardData,
    CustomerData,
    InvoiceData,
    InvoicePaymentData,
    Skipped,
    SubscriptionData,
)

log = logging.getLogger(__name__)
T = TypeVar("T")
#: What the cache's integer columns hold: a signed 64-bit integer (BIGINT), 32-bit (INTEGER).
INT64 = 2**63 - 1
INT32 = 2**31 - 1
#: Unix seconds up to the end of year 9999: later is not a date Stripe sends.
LAST_TIME = 253402300799
#: Stripe's documented bounds: ids up to 255 characters, a customer's name 256, an email 512,
#: other free text 5000; a currency is a three-letter ISO code.
ID_LENGTH, NAME_LENGTH, EMAIL_LENGTH, TEXT_LENGTH = 255, 256, 512, 5000
_CURRENCY = re.compile(r"[a-z]{3}")


class Unconvertible(KnownError):
    """An object from Stripe that is not in Stripe's shape: skipped, logged, retried at the
    next full sync."""

    def __init__(self, reason: str, object_id: str = "", kind: str = "") -> None:
        super().__init__(reason)
        self.reason, self.object_id, self.kind = reason, object_id, kind

    def __str__(self) -> str:
        name = f"{self.kind} {self.object_id}".strip() or "an object"
        return f"Stripe sent {name} that billing-admin cannot read ({self.reason})."


def each(
    convert: Callable[[Any], T], items: Iterable[Any], skipped: list[Skipped], kind: str
) -> list[T]:
    """`convert` applied to each item; an item that does not convert is logged with its id
    and the reason, added to `skipped`, and left out."""
    converted: list[T] = []
    for item in items:
        try:
            converted.append(convert(item))
        except Unconvertible as exc:
            skipped.append(skip(exc, item, kind))
    return converted


def skip(exc: Unconvertible, item: Any, kind: str) -> Skipped:
    """The record (and log line) of an object left out."""
    raw = _plain(item).get("id") if isinstance(_plain(item), Mapping) else None
    object_id = exc.object_id or (_clean(raw, ID_LENGTH) if isinstance(raw, str) else "") or "?"
    what = exc.kind or kind
    log.warning("skipped %s %s from Stripe: %s", what, object_id, exc.reason)
    return Skipped(what, object_id, exc.reason)


def plain(obj: Any) -> Mapping[str, Any]:
    """A StripeObject (or a test's dict) as a plain dict; {} for anything else."""
    value = _plain(obj)
    return value if isinstance(value, Mapping) else {}


def _clean(value: str, limit: int) -> str:
    """Text as both caches store it: NUL removed, at most `limit` characters."""
    return value.replace("\x00", "")[:limit]


def _object_id(obj: Mapping[str, Any], kind: str) -> str:
    """The object's own id, checked: a string of 1 to 255 characters without NUL."""
    value = obj.get("id") if isinstance(obj, Mapping) else None
    if not isinstance(value, str) or not value:
        raise Unconvertible("no id", "", kind)
    if len(value) > ID_LENGTH or "\x00" in value:
        raise Unconvertible(
            f"an id of {len(value)} characters that is not Stripe's", _clean(value, 40) + "…", kind
        )
    return value


class _Reader:
    """The typed fields of one object; each problem names the object and the field."""

    def __init__(self, obj: Any, kind: str) -> None:
        self.obj: Mapping[str, Any] = _plain(obj)
        if not isinstance(self.obj, Mapping):
            raise Unconvertible(f"a {type(obj).__name__} where an object belongs", "", kind)
        self.kind = kind
        self.id = _object_id(self.obj, kind)

    def bad(self, reason: str) -> Unconvertible:
        return Unconvertible(reason, self.id, self.kind)

    def text(self, value: Any, field: str, limit: int = TEXT_LENGTH) -> str | None:
        """Free text: None, or a string (NUL removed, at most `limit` characters)."""
        if value is None:
            return None
        if not isinstance(value, str):
            raise self.bad(f"{field} is a {type(value).__name__}, not text")
        return _clean(value, limit)

    def code(self, value: Any, field: str, limit: int) -> str | None:
        """A short code (a status, a brand): None, or a string that fits the column whole."""
        text = self.text(value, field, TEXT_LENGTH)
        if text is not None and len(text) > limit:
            raise self.bad(f"{field} of {len(text)} characters (at most {limit})")
        return text

    def ref(self, value: Any, field: str) -> str | None:
        """An id from a field that may be an id string or an expanded object."""
        if value is None or (isinstance(value, str) and not value):
            return None
        if isinstance(value, Mapping):
            value = value.get("id")
        if not isinstance(value, str) or len(value) > ID_LENGTH or "\x00" in value:
            raise self.bad(f"{field} is not an id")
        return value

    def integer(self, value: Any, field: str, low: int = -INT64, high: int = INT64) -> int | None:
        """A whole number within [low, high]: not a float (4999.99 is not Stripe's amount in
        a minor unit), not a string, not a boolean."""
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.bad(f"{field} is {_shown(value)}, not a whole number")
        if not low <= value <= high:
            raise self.bad(f"{field} {_shown(value)} is out of range")
        return value

    def amount(self, value: Any, field: str) -> int | None:
        return self.integer(value, field)

    def time(self, value: Any, field: str) -> datetime | None:
        seconds = self.integer(value, field, 0, LAST_TIME)
        return datetime.fromtimestamp(seconds, UTC) if seconds else None

    def mapping(self, value: Any, field: str) -> Mapping[str, Any]:
        """An embedded object, or {} where the field is null."""
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            raise self.bad(f"{field} is {_shown(value)}, not an object")
        return value


def _shown(value: Any) -> str:
    """A value as a log line names it, briefly."""
    text = repr(value)
    return text if len(text) <= 40 else text[:40] + "…"


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


def witness_from(obj: Any) -> Witness:
    """Any event, of any type, as a `Witness`; one that does not even have an id, a type and
    a time raises `Unconvertible`."""
    read = _Reader(obj, "event")
    event = read.obj
    kind = read.code(event.get("type"), "type", 64)
    created = read.integer(event.get("created"), "created", 0, LAST_TIME)
    if kind is None or created is None:
        raise read.bad("no type" if kind is None else "no created time")
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


#: The fields of a whole customer: an event's object without them is partial (an update
#: carrying only what changed), and must not blank what the cache holds.
CUSTOMER_FIELDS = ("name", "email", "invoice_settings")
#: The same for an invoice's or a subscription's events: without these, the event is skipped.
_BILLING_FIELDS = {
    "invoice": ("customer", "status", "amount_due", "currency"),
    "customer.subscription": ("customer", "status", "items"),
}


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


def event_from(obj: Any) -> EventData:
    """Turn a Stripe event (as the API or Stripe's reference shows it) into EventData."""
    read = _Reader(obj, "event")
    obj = read.obj
    kind = read.code(obj.get("type"), "type", 64)
    created = read.integer(obj.get("created"), "created", 0, LAST_TIME)
    if kind is None or created is None:
        raise read.bad("no type" if kind is None else "no created time")
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


def _said(value: str | None, limit: int = untrusted.MESSAGE_LIMIT) -> str | None:
    """Stripe's words (a failure message, a decline code): one redacted line, bounded."""
    text = untrusted.message(value)[:limit] if value else ""
    return text or None


#: The most of a failure or decline code kept (its column's width).
CODE_LIMIT = 64


def _mapping(value: Any) -> Mapping[str, Any]:
    """An embedded object, or {} where the field is null or only an id."""
    return value if isinstance(value, Mapping) else {}


def _items(read: _Reader, obj: Mapping[str, Any]) -> list[Any]:
    data = read.mapping(obj.get("items"), "items").get("data") or []
    if not isinstance(data, list):
        raise read.bad("items is not a list")
    return data


def subscription_from(obj: Any) -> SubscriptionData:
    """A subscription, from the current API's shape or an older one (the emulator's).

    Which field wins: each item's `price` before its `plan` (older API versions only have the
    plan); the period end is the earliest of the items' `current_period_end` (where the
    current API puts it), else the top-level `current_period_end` (older versions); the
    currency is the subscription's own, else the first item's price or plan's.
    """
    read = _Reader(obj, "subscription")
    obj = read.obj
    items = [read.mapping(item, "an item") for item in _items(read, obj)]
    prices = [read.mapping(item.get("price") or item.get("plan"), "price") for item in items]
    amount: int | None = 0
    for item, price in zip(items, prices, strict=True):
        unit = read.amount(price.get("unit_amount", price.get("amount")), "unit_amount")
        quantity = read.integer(item.get("quantity"), "quantity", 0, INT64)
        if unit is None or amount is None:
            amount = None
        else:
            amount += unit * (1 if quantity is None else quantity or 1)
    if not items:
        amount = None
    if amount is not None and abs(amount) > INT64:  # Python's ints do not overflow; columns do
        raise read.bad(f"its items add up to {_shown(amount)}, past what the cache stores")
    first: Mapping[str, Any] = prices[0] if prices else {}
    recurring = read.mapping(first.get("recurring"), "recurring") or first  # else the plan
    ends = [
        read.integer(item["current_period_end"], "current_period_end", 0, LAST_TIME) or 0
        for item in items
        if item.get("current_period_end")
    ]
    period_end = min(ends) if ends else obj.get("current_period_end")
    customer = read.ref(obj.get("customer"), "customer")
    if customer is None:
        raise read.bad("no customer")
    return SubscriptionData(
        id=read.id,
        customer=customer,
        status=read.code(obj.get("status"), "status", 32) or "",
        description=_description(read, items),
        amount=amount,
        currency=_currency(read, obj.get("currency") or first.get("currency")),
        interval=read.code(recurring.get("interval"), "interval", 8) or None,
        interval_count=read.integer(recurring.get("interval_count"), "interval_count", 0, INT32),
        current_period_end=read.time(period_end, "current_period_end"),
        cancel_at_period_end=bool(obj.get("cancel_at_period_end")),
        trial_end=read.time(obj.get("trial_end"), "trial_end"),
        default_payment_method=read.ref(obj.get("default_payment_method"), "default card"),
        default_source=read.ref(obj.get("default_source"), "default source"),
        created=read.time(obj.get("created"), "created"),
    )


def _currency(read: _Reader, value: Any) -> str | None:
    """A three-letter ISO code (Stripe sends it in lower case), or None."""
    if value in (None, ""):
        return None
    if not isinstance(value, str) or not _CURRENCY.fullmatch(value.lower()):
        raise read.bad(f"currency {_shown(value)} is not a three-letter code")
    return value.lower()


def _description(read: _Reader, items: list[Mapping[str, Any]]) -> str | None:
    """The first item's price nickname, else its plan's, else its product's name when the
    product is expanded, else the plan's legacy `name` (older API versions; the emulator)."""
    for item in items[:1]:
        price, plan = (
            read.mapping(item.get("price"), "price"),
            read.mapping(item.get("plan"), "plan"),
        )
        product = price.get("product") or plan.get("product")
        for candidate in (
            price.get("nickname"),
            plan.get("nickname"),
            product.get("name") if isinstance(product, Mapping) else None,
            plan.get("name"),
        ):
            if candidate:
                return read.text(candidate, "description")
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
    read = _Reader(obj, "invoice")
    obj = read.obj
    parent = read.mapping(obj.get("parent"), "parent")
    details = read.mapping(parent.get("subscription_details"), "subscription_details")
    subscription = read.ref(details.get("subscription"), "subscription") or read.ref(
        obj.get("subscription"), "subscription"
    )
    due = read.amount(obj.get("amount_due"), "amount_due") or 0
    paid = read.amount(obj.get("amount_paid"), "amount_paid") or 0
    remaining = read.amount(obj.get("amount_remaining"), "amount_remaining")
    transitions = read.mapping(obj.get("status_transitions"), "status_transitions")
    customer = read.ref(obj.get("customer"), "customer")
    if customer is None:
        raise read.bad("no customer")
    url = read.text(obj.get("hosted_invoice_url"), "hosted_invoice_url")
    payment = _payment_of(read, obj)
    return InvoiceData(
        id=read.id,
        number=read.code(obj.get("number"), "number", 64) or None,
        customer=customer,
        subscription=subscription,
        status=read.code(obj.get("status"), "status", 16) or "",
        amount_due=due,
        amount_paid=paid,
        amount_remaining=remaining if remaining is not None else max(due - paid, 0),
        currency=_currency(read, obj.get("currency")) or "",
        created=read.time(obj.get("created"), "created"),
        due_date=read.time(obj.get("due_date"), "due_date"),
        paid_at=read.time(transitions.get("paid_at"), "paid_at"),
        attempt_count=read.integer(obj.get("attempt_count"), "attempt_count", 0, INT32) or 0,
        next_payment_attempt=read.time(obj.get("next_payment_attempt"), "next_payment_attempt"),
        payment_method=payment.payment_method,
        card_label=payment.card_label,
        failure_message=payment.failure_message,
        # A cut address is no address: one past Stripe's bound is left out.
        hosted_invoice_url=url if url and len(url) < TEXT_LENGTH else None,
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


def _payment_of(read: _Reader, invoice: Mapping[str, Any]) -> _Payment:
    """The card paid with or tried, and the failure, as far as the invoice itself says."""
    charge = invoice.get("charge")
    if isinstance(charge, Mapping):  # older versions; the emulator
        details = read.mapping(charge.get("payment_method_details"), "payment_method_details")
        card = read.mapping(details.get("card"), "card")
        last4 = read.text(card.get("last4"), "last4")
        brand = read.text(card.get("brand"), "brand") or "unknown"
        label = display_name(brand[:20], last4[-4:]) if last4 else None
        message = read.text(charge.get("failure_message"), "failure_message")
        code = read.text(charge.get("failure_code"), "failure_code")
        failed = charge.get("status") == "failed" or bool(message)
        outcome = read.mapping(charge.get("outcome"), "outcome")
        return _Payment(
            read.ref(charge.get("payment_method"), "payment_method"),
            label,
            _said(message),
            _said(code, CODE_LIMIT),
            _said(read.text(outcome.get("reason"), "reason"), CODE_LIMIT) if code else None,
            read.time(charge.get("created"), "created") if failed else None,
        )
    intent = invoice.get("payment_intent")
    if isinstance(intent, Mapping):
        return _intent_payment(read, intent)
    error = read.mapping(invoice.get("last_finalization_error"), "last_finalization_error")
    return _Payment(
        read.ref(invoice.get("default_payment_method"), "default_payment_method"),
        None,
        _said(read.text(error.get("message"), "message")),
    )


def _intent_payment(read: _Reader, intent: Mapping[str, Any]) -> _Payment:
    """A PaymentIntent's card: the one that paid (`payment_method`), else the one its last
    error names, with the error's message, code and decline code."""
    error = read.mapping(intent.get("last_payment_error"), "last_payment_error")
    paid = intent.get("status") == "succeeded"
    tried = intent.get("payment_method") if paid else None
    tried = tried or error.get("payment_method") or intent.get("payment_method")
    failure = not paid
    return _Payment(
        read.ref(tried, "payment_method"),
        _card_label(tried),
        _said(read.text(error.get("message"), "message")) if failure else None,
        _said(read.text(error.get("code"), "code"), CODE_LIMIT) if failure else None,
        _said(read.text(error.get("decline_code"), "decline_code"), CODE_LIMIT)
        if failure
        else None,
    )


def invoice_payment_from(obj: Any) -> InvoicePaymentData:
    """An InvoicePayment listed with `expand[]=data.payment.payment_intent.payment_method`:
    its invoice, and what its PaymentIntent says (`_intent_payment`). A payment by another
    means than a PaymentIntent (a charge, out of band) names no card."""
    read = _Reader(obj, "invoice_payment")
    obj = read.obj
    payment = read.mapping(obj.get("payment"), "payment")
    intent = read.mapping(payment.get("payment_intent"), "payment_intent")
    found = _intent_payment(read, intent) if intent else _Payment()
    transitions = read.mapping(obj.get("status_transitions"), "status_transitions")
    invoice = read.ref(obj.get("invoice"), "invoice")
    if invoice is None:
        raise read.bad("no invoice")
    return InvoicePaymentData(
        id=read.id,
        invoice=invoice,
        status=read.code(obj.get("status"), "status", 32) or "",
        created=read.time(obj.get("created"), "created"),
        paid_at=read.time(transitions.get("paid_at"), "paid_at"),
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

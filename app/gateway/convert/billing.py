"""Billing objects from Stripe: subscriptions, invoices and InvoicePayments, each from the
current API's shape or an older one (the emulator's)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, NamedTuple

from app.cards import display_name
from app.gateway.convert.customers import card_from
from app.gateway.convert.reader import (
    CODE_LIMIT,
    INT32,
    INT64,
    LAST_TIME,
    TEXT_LENGTH,
    _currency,
    _Reader,
    _said,
    _shown,
)
from app.records import InvoiceData, InvoicePaymentData, SubscriptionData


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
    customer = read.required_ref(obj.get("customer"), "customer")
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
    customer = read.required_ref(obj.get("customer"), "customer")
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
    invoice = read.required_ref(obj.get("invoice"), "invoice")
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

"""Billing rules, with no Qt and no SQL: which card will pay a subscription, and why a
customer needs attention (stable codes, most severe first), in sentences for the operator.

The cache's queries (`app.cache.billing_queries`) apply these rules to every customer at once;
the window's Billing tab, "Needs attention" and the command line all read them from there.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from app.billing.money import money_text
from app.cards import expiry_text


class Reason(StrEnum):
    """Why a customer needs attention; declared most severe first."""

    PAYMENT_FAILED = "payment_failed"
    PAST_DUE = "past_due"
    CARD_EXPIRED = "card_expired"
    NO_DEFAULT_CARD = "no_default_card"
    CARD_EXPIRES_BEFORE_RENEWAL = "card_expires_before_renewal"


#: 0 for the most severe.
SEVERITY = {reason: rank for rank, reason in enumerate(Reason)}
#: Subscriptions that will still be charged.
BILLABLE = ("trialing", "active", "past_due", "unpaid", "incomplete")
#: Subscriptions whose payment is behind.
BEHIND = ("past_due", "unpaid", "incomplete")
#: Subscriptions that need a card to renew.
RUNNING = ("trialing", "active")


def customer_default(invoice_default: str | None, default_source: str | None) -> str | None:
    """The id of the card that will be charged for a customer's invoices: its
    `invoice_settings.default_payment_method`, else its `default_source` when that is a card
    (`card_...`; a bank account or another source never pays a card's way). The gateway
    stores this as `CustomerData.default_payment_method`, and a sync's first pass keeps the
    expanded object of this id as the customer's default card."""
    if invoice_default:
        return invoice_default
    return default_source if default_source and default_source.startswith("card_") else None


def payer_candidates(subscription: Any, customer: Any) -> tuple[Any, ...]:
    """What may pay a subscription, in order: its own default payment method, its own default
    source, then the customer's default (`customer_default`, stored as
    `CustomerData.default_payment_method`).

    Given records, these are ids; given the cache's models, columns, which the queries
    COALESCE: one order for both."""
    return (
        subscription.default_payment_method,
        subscription.default_source,
        customer.default_payment_method,
    )


STATUS_WORDS = {
    "past_due": "is past due",
    "unpaid": "is unpaid",
    "incomplete": "is incomplete (its first payment did not go through)",
}


def subscription_name(description: str | None, stripe_id: str) -> str:
    return description or stripe_id


def _date(when: datetime | None) -> str:
    return when.date().isoformat() if when else "an unknown date"


def payment_failed_detail(
    number: str | None,
    amount: int,
    currency: str,
    attempts: int,
    failure: str | None,
    more: int,
) -> str:
    tries = f"{attempts} failed attempt{'s' if attempts != 1 else ''}"
    text = f"Invoice {number} of {money_text(amount, currency)}: {tries}"
    if failure:
        text += f" ({failure.rstrip('.')})"
    if more:
        text += f"; {more} more open invoice{'s' if more != 1 else ''} failed"
    return text + "."


def past_due_detail(subscription: str, status: str) -> str:
    return f"Subscription {subscription} {STATUS_WORDS.get(status, status)}."


def card_expired_detail(subscription: str, card: str, month: int, year: int) -> str:
    return f"{card}, which pays {subscription}, expired at the end of {expiry_text(month, year)}."


def no_default_card_detail(subscription: str, card_gone: bool) -> str:
    if card_gone:
        return f"The card that paid {subscription} is no longer attached; it has no card to pay."
    return f"{subscription} has no card to pay with."


def expires_before_renewal_detail(
    subscription: str, card: str, month: int, year: int, renews: datetime | None
) -> str:
    return (
        f"{card} expires at the end of {expiry_text(month, year)}, before {subscription} "
        f"renews on {_date(renews)}."
    )


def failure_reason(
    status: str, message: str | None, failure_code: str | None, decline_code: str | None
) -> str:
    """Why an invoice not yet paid failed, in a line: "Your card has insufficient funds.
    (insufficient_funds)"; "" when it did not fail or was paid since."""
    if status in ("paid", "void") or not message:
        return ""
    code = decline_code or (failure_code if failure_code != "card_declined" else None)
    return message + (f" ({code})" if code else "")

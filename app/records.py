"""The plain records the cache, the queries, the window and the command line share.

Named as the seed and the JSON contract name things (`card_type`, `last_four`, `is_default`);
only the gateway knows Stripe's names (`brand`, `last4`) and converts them at its boundary.
Outside `app/cache/`, an `id` is always a Stripe id: the cache's own integer keys stay inside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from app.cards import display_name, is_expired


class Action(StrEnum):
    """An operator's action, named as the audit log and the command line name it."""

    SET_DEFAULT = "set-default"
    DETACH = "detach"
    ADD_CARD = "add-card"
    PORTAL = "portal"
    COPY_LINK = "copy-link"
    RETRY_PAYMENT = "retry-payment"
    #: Telling the customer how to pay (nothing changes on Stripe): the hosted invoice page.
    COPY_PAYMENT_LINK = "copy-payment-link"
    EMAIL_CUSTOMER = "email-customer"
    #: No mail program opened: the email's text was copied instead.
    COPY_EMAIL = "copy-email"
    #: `billing-admin payment-link` printed the link.
    PAYMENT_LINK = "payment-link"


@dataclass(frozen=True)
class CustomerData:
    """A customer as Stripe describes it."""

    id: str
    name: str
    email: str
    #: The default card in force: invoice_settings.default_payment_method, else a card
    #: default_source.
    default_payment_method: str | None
    created: int | None = None
    deleted: bool = False


@dataclass(frozen=True)
class _Card:
    """A card's safe metadata, as the seed names it; never its number, CVC or address."""

    id: str
    #: The customer's Stripe id; None for a card Stripe reports detached.
    customer: str | None
    card_type: str
    last_four: str
    exp_month: int
    exp_year: int
    country: str | None
    funding: str | None

    @property
    def display_name(self) -> str:
        return display_name(self.card_type, self.last_four)


@dataclass(frozen=True)
class CardData(_Card):
    """A card payment method as Stripe describes it."""

    created: int | None


@dataclass(frozen=True)
class CustomerRow:
    """A customer as the cache holds it, with the summaries the lists show."""

    id: str
    name: str
    email: str
    default_payment_method: str | None
    default_card_label: str
    card_count: int
    synced_at: datetime | None
    deleted: bool
    #: Only the default card is cached so far: a full sync is still reading the others.
    cards_pending: bool = False

    @property
    def label(self) -> str:
        """How the customer is named to the operator: the name, else the Stripe id."""
        return self.name or self.id


@dataclass(frozen=True)
class CardRow(_Card):
    """A card as the cache holds it (always with its customer), with its flags."""

    customer: str
    is_default: bool
    is_active: bool
    created_at: datetime
    updated_at: datetime
    #: When a payment on this card last failed, unless a later one on it succeeded (read
    #: from the billing cache beside the card, not from the card's own row).
    declined_at: datetime | None = None

    def expired(self, today: date) -> bool:
        return is_expired(self.exp_month, self.exp_year, today)


@dataclass(frozen=True)
class AuditRow:
    """One entry of the append-only audit log."""

    at: datetime
    operator: str
    profile: str
    action: str
    target: str
    customer: str | None
    #: "ok", "refused" or "failed".
    outcome: str
    detail: str


@dataclass(frozen=True)
class SyncStatus:
    """When the cache was last synced, and its version (bumped by every write)."""

    version: int
    last_sync: datetime | None
    last_full_sync: datetime | None


@dataclass(frozen=True)
class SubscriptionData:
    """A subscription as Stripe describes it (safe metadata only)."""

    id: str
    customer: str
    #: Stripe's own: trialing, active, past_due, unpaid, incomplete, incomplete_expired,
    #: canceled or paused.
    status: str
    #: The price's nickname, else the plan's, else the product's name when known.
    description: str | None
    #: Sum over items of unit amount × quantity, in minor units; None when unknown (tiers).
    amount: int | None
    currency: str | None
    interval: str | None
    interval_count: int | None
    current_period_end: datetime | None
    cancel_at_period_end: bool
    trial_end: datetime | None
    #: The subscription's own default card, and its own default source.
    default_payment_method: str | None
    default_source: str | None
    created: datetime | None


@dataclass(frozen=True)
class SubscriptionRow(SubscriptionData):
    """A cached subscription with the card that will pay it (see `app.billing.rules`)."""

    payment_method: str | None
    #: "Visa •••• 4242" when that card is in the cache.
    payment_method_display: str | None
    #: The paying card has expired; it expires before the current period ends (and the
    #: subscription would renew). Decided in SQL by `app.cache.billing_queries`, as for
    #: "Needs attention".
    card_expired: bool
    card_expires_before_renewal: bool


@dataclass(frozen=True)
class InvoiceData:
    """An invoice as Stripe describes it (safe metadata only)."""

    id: str
    number: str | None
    customer: str
    subscription: str | None
    #: Stripe's own: draft, open, paid, void or uncollectible.
    status: str
    amount_due: int
    amount_paid: int
    amount_remaining: int
    currency: str
    created: datetime | None
    due_date: datetime | None
    paid_at: datetime | None
    attempt_count: int
    next_payment_attempt: datetime | None
    #: The card that paid or was tried, when the invoice says.
    payment_method: str | None
    #: "Visa •••• 4242" when the invoice itself names the card's brand and last four.
    card_label: str | None
    failure_message: str | None
    hosted_invoice_url: str | None
    #: Stripe's `code` (e.g. card_declined) and `decline_code` (e.g. insufficient_funds) of
    #: the last failure; when the last attempt failed.
    failure_code: str | None = None
    decline_code: str | None = None
    failed_at: datetime | None = None


@dataclass(frozen=True)
class InvoicePaymentData:
    """One InvoicePayment (a payment attempt's link to its invoice), with what its
    PaymentIntent says: the card that paid, or the card tried and why it failed."""

    id: str
    invoice: str
    #: Stripe's own: open, paid or canceled.
    status: str
    created: datetime | None
    paid_at: datetime | None
    payment_method: str | None
    card_label: str | None
    failure_message: str | None
    failure_code: str | None
    decline_code: str | None

    @property
    def failed(self) -> bool:
        return self.status != "paid" and self.failure_message is not None


@dataclass(frozen=True)
class InvoiceRow(InvoiceData):
    """A cached invoice; `payment_method_display` from the invoice, else the cached card."""

    payment_method_display: str | None = None


@dataclass(frozen=True)
class AttentionReason:
    #: A stable code (see `app.billing.rules.Reason`), most severe first in a customer's list.
    code: str
    detail: str
    #: The subscription's Stripe status a `past_due` reason is about (past_due, unpaid or
    #: incomplete), for its words (`app.billing.status`); None for the other reasons.
    status: str | None = None


@dataclass(frozen=True)
class AttentionEntry:
    """A customer who needs attention, and why."""

    id: str
    name: str
    email: str
    #: The open invoices' remaining total per currency: (currency, minor units).
    amount_due: tuple[tuple[str, int], ...]
    reasons: tuple[AttentionReason, ...]

    @property
    def label(self) -> str:
        return self.name or self.id


@dataclass(frozen=True)
class Skipped:
    """An object from Stripe a sync left out (it did not convert), and why."""

    kind: str
    id: str
    reason: str

"""What an operator may do now, and if not, why: one answer for the window's buttons, menus
and slot guards, and for the command line.

Nothing here touches Stripe, the cache or Qt; it decides from what the caller already knows.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from typing import Protocol

from app import untrusted
from app.cards import expires_soon, expiry_text, is_expired
from app.records import Action, CardRow, CustomerRow, InvoiceRow
from app.settings.credentials import Mode

__all__ = [
    "Action",
    "Confirmation",
    "Situation",
    "card_refusal",
    "confirmation",
    "expiry_warning",
    "retry_refusal",
    "tell_refusal",
    "why_not",
    "why_not_with_card",
]


class Confirmation(Enum):
    """How an action is confirmed before it runs."""

    NONE = "none"
    #: A yes/no question.
    YES_NO = "yes-no"
    #: Live mode: the operator types the card's last four digits.
    LAST_FOUR = "last-four"
    #: Live mode, for a charge: the operator types the amount.
    AMOUNT = "amount"


BUSY = "Another action is still running; wait for it to finish."
NO_CUSTOMER = "Select a customer first."
NO_CARD = "Select a card first."
DETACHED = "This card is detached."
ALREADY_DEFAULT = "This card is already the default."
FORM_OPEN = "The add-card form is open."


class DatedCard(Protocol):
    """What the expiry rule needs of a card: a cached `CardRow` or Stripe's `CardData`."""

    @property
    def display_name(self) -> str: ...
    @property
    def last_four(self) -> str: ...
    @property
    def exp_month(self) -> int: ...
    @property
    def exp_year(self) -> int: ...


@dataclass(frozen=True)
class Situation:
    """What the operator is looking at and what the application is doing."""

    customer: CustomerRow | None = None
    card: CardRow | None = None
    #: Why Stripe cannot be used now (no key, unreachable), or "" when it can.
    stripe_off: str = ""
    #: Another card action is running.
    busy: bool = False
    #: The add-card form is open.
    adding_card: bool = False
    #: The day cards are judged on (expired, expiring soon).
    today: date = field(default_factory=date.today)
    #: The invoice looked at (the Billing tab's, or the attention row's failed one), and the
    #: card that would pay it (None when the customer has no default card).
    invoice: InvoiceRow | None = None
    invoice_card: CardRow | None = None
    #: The profile talks to the emulator (whose pay route takes no chosen card).
    emulator: bool = False
    #: Where an invoice's page may be besides Stripe's invoice host (the emulator's origin).
    page_origins: tuple[str, ...] = ()


def _last_day(card: DatedCard) -> date:
    """A card is valid through the last day of its expiry month."""
    return date(
        card.exp_year, card.exp_month, calendar.monthrange(card.exp_year, card.exp_month)[1]
    )


def card_refusal(action: Action, card: DatedCard, today: date) -> str:
    """Why `action` may not be done to `card` whatever else holds, or "": an expired card
    cannot become the default (the next invoice would be charged to a card that cannot pay).
    The window asks it through `why_not`; `Operations.set_default` asks it again with what
    Stripe says of the card, so a stale cache or a script cannot get past it."""
    if action is Action.SET_DEFAULT and is_expired(card.exp_month, card.exp_year, today):
        return (
            f"{card.display_name} expired at the end of "
            f"{expiry_text(card.exp_month, card.exp_year)}: an expired card cannot be the default."
        )
    return ""


def expiry_warning(action: Action, card: DatedCard | None, today: date) -> str:
    """What a confirmation must say before a card that expires soon becomes the default, or
    "" when there is nothing to warn of."""
    if action is not Action.SET_DEFAULT or card is None:
        return ""
    if card_refusal(action, card, today) or not expires_soon(card.exp_month, card.exp_year, today):
        return ""
    last = _last_day(card)
    days = (last - today).days
    when = "today" if days == 0 else "tomorrow" if days == 1 else f"in {days} days"
    return (
        f"{card.display_name} expires on {last.day} {last:%B %Y} ({when}): charges after that "
        "will fail unless the customer adds a new card."
    )


NO_INVOICE = "Select a failed or open invoice first."
EMULATOR_CARD = (
    "The emulator cannot charge a chosen card (its pay route answers 500 to any parameter): "
    "retry with the customer's default card, or against Stripe."
)


def invoice_name(invoice: InvoiceRow) -> str:
    """Its number, or its id where Stripe gave none (the emulator gives none)."""
    return invoice.number or invoice.id


def retry_refusal(
    invoice: InvoiceRow | None,
    card: DatedCard | None,
    *,
    card_customer: str | None,
    today: date,
    chosen_card: bool = False,
    emulator: bool = False,
) -> str:
    """Why the payment of `invoice` may not be retried with `card` (the one the operator chose
    when `chosen_card`, else the one the invoice would use), or "". Asked by the window's
    actions, by the command line before any request, and by `Operations.retry_payment` again
    with what Stripe says of the card."""
    if invoice is None:
        return NO_INVOICE
    name = invoice_name(invoice)
    if invoice.status != "open":
        return (
            f"Invoice {name} is {invoice.status or 'unknown'}: only an open invoice can be charged."
        )
    if chosen_card and emulator:
        return EMULATOR_CARD
    if card is None:
        return (
            f"No card would pay invoice {name}: the customer has no default card; "
            "add one or choose one of their cards."
        )
    if card_customer != invoice.customer:
        return (
            f"{card.display_name} is not a card of customer {invoice.customer}: "
            f"it cannot pay invoice {name}."
        )
    if is_expired(card.exp_month, card.exp_year, today):
        return f"{card.display_name} has expired: it cannot pay invoice {name}."
    return ""


#: A plain address: nothing a mailto: URL would read as a second recipient or a header.
_EMAIL = re.compile(r"[A-Za-z0-9._+\-']{1,64}@[A-Za-z0-9\-]{1,63}(?:\.[A-Za-z0-9\-]{1,63})+")


def no_page(invoice: InvoiceRow) -> str:
    return (
        f"Stripe gave no payment page for invoice {invoice_name(invoice)} (the emulator gives "
        "none): there is no link to send."
    )


def link_refusal(invoice: InvoiceRow | None, origins: tuple[str, ...]) -> str:
    """Why there is no payment link to give for `invoice`, or ""."""
    if invoice is None:
        return "Select a failed or open invoice first."
    if invoice.status != "open":
        return (
            f"Invoice {invoice_name(invoice)} is {invoice.status or 'unknown'}: "
            "only an open invoice is paid through its page."
        )
    if not invoice.hosted_invoice_url:
        return no_page(invoice)
    if untrusted.stripe_page(invoice.hosted_invoice_url, origins) is None:
        return (
            f"The page of invoice {invoice_name(invoice)} is not on Stripe's invoice host "
            "(https://invoice.stripe.com): it is not given out."
        )
    return ""


def email_address(email: str | None) -> str | None:
    """The customer's address when it is a plain one a mailto: URL can carry, else None."""
    text = (email or "").strip()
    return text if _EMAIL.fullmatch(text) else None


def tell_refusal(action: Action, now: Situation) -> str:
    """Why the customer cannot be given `now.invoice`'s payment link now ("Copy payment link",
    "Email customer…"), or "". Offline is no reason: the cached link is given, with a
    warning."""
    if now.busy:
        return BUSY
    refusal = link_refusal(now.invoice, now.page_origins)
    if refusal or action is not Action.EMAIL_CUSTOMER or now.invoice is None:
        return refusal
    customer = now.customer if now.customer and now.customer.id == now.invoice.customer else None
    if customer is None or email_address(customer.email) is None:
        who = customer.label if customer else now.invoice.customer
        return f"{who} has no email address an email can be opened to; copy the payment link."
    return ""


def _card_refusal(now: Situation) -> str:
    """Why no action on the selected card can run now, whichever it is: Stripe off or busy,
    no card selected, the card detached; "" otherwise."""
    if now.stripe_off or now.busy:
        return now.stripe_off or BUSY
    if now.card is None:
        return NO_CARD
    if not now.card.is_active:
        return DETACHED
    return ""


def why_not_with_card(now: Situation) -> str:
    """Why the selected card cannot pay the customer's open invoice now ("Retry with this
    card…"), or ""."""
    if (refusal := _card_refusal(now)) or now.card is None:
        return refusal
    return retry_refusal(
        now.invoice,
        now.card,
        card_customer=now.card.customer,
        today=now.today,
        chosen_card=True,
        emulator=now.emulator,
    )


def why_not(action: Action, now: Situation) -> str:
    """The one sentence that says why `action` cannot be done now, or "" when it can."""
    if action is Action.RETRY_PAYMENT:
        if now.stripe_off or now.busy:
            return now.stripe_off or BUSY
        card = now.invoice_card
        return retry_refusal(
            now.invoice, card, card_customer=card.customer if card else None, today=now.today
        )
    if action in (Action.COPY_PAYMENT_LINK, Action.EMAIL_CUSTOMER):
        return tell_refusal(action, now)
    if action in (Action.SET_DEFAULT, Action.DETACH):
        if (refusal := _card_refusal(now)) or now.card is None:
            return refusal
        if action is Action.SET_DEFAULT and now.card.is_default:
            return ALREADY_DEFAULT
        return card_refusal(action, now.card, now.today)
    if now.stripe_off:
        return now.stripe_off
    if action is Action.ADD_CARD:
        if now.busy:
            return BUSY
        if now.customer is None:
            return NO_CUSTOMER
        return FORM_OPEN if now.adding_card else ""
    return "" if now.customer is not None else NO_CUSTOMER


def confirmation(
    action: Action,
    mode: Mode | None,
    card: DatedCard | None = None,
    *,
    today: date | None = None,
    one_gesture: bool = False,
) -> Confirmation:
    """How `action` is confirmed before it runs.

    Detaching always asks; changing the default asks in live mode, for a card that expires
    soon (`expiry_warning` says when), and when it comes from `one_gesture` (a key press or
    click on a selected row in the window, where a command line names both ids): the question
    then says which card replaces which. Live mode asks for the card's last four digits, so
    that a wrong card cannot be confirmed by reflex."""
    live = mode is Mode.LIVE
    if action is Action.RETRY_PAYMENT:  # it moves money: always asked; live, the amount typed
        return Confirmation.AMOUNT if live else Confirmation.YES_NO
    if action is Action.DETACH:
        return Confirmation.LAST_FOUR if live else Confirmation.YES_NO
    if action is Action.SET_DEFAULT:
        if live:
            return Confirmation.LAST_FOUR
        soon = expiry_warning(action, card, today or date.today())
        if one_gesture or soon:
            return Confirmation.YES_NO
    return Confirmation.NONE

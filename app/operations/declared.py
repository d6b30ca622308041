"""Every operator action that changes something on Stripe, or tells the customer how to pay,
declared once.

A `Declaration` says what an action is, and everything else is made from it: the command
line's subcommand and its confirmation (`app.cli.changing`), the window's buttons and menu
entries (`ui.shell.operations`), the Activity tab's words, and how a sync settles an intent
whose outcome was never written (`app.sync.engine`). Adding an action is one declaration
here, its Stripe call (`app.gateway`), its `Operations` method, and its tests: see
docs/architecture.md, "Adding an action".

Nothing here touches Stripe, the cache or Qt.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from app.billing.money import amount_text
from app.operations.policy import (
    Confirmation,
    DatedCard,
    Situation,
    confirmation,
    invoice_name,
    why_not,
)
from app.records import Action, CardRow, InvoiceRow
from app.settings.credentials import Mode


class Target(StrEnum):
    """What an action is done to: the id its command line names first."""

    CARD = "card"
    INVOICE = "invoice"
    CUSTOMER = "customer"


class Refusal(StrEnum):
    """What a refusal means for the cache."""

    #: Nothing happened on Stripe: the cache stays as it is.
    NOTHING_CHANGED = "nothing changed"
    #: Stripe tried and said no, and the trying changed the target (a declined payment adds
    #: an attempt to the invoice): the target is read again and written to the cache.
    TARGET_CHANGED = "target changed"


class Unanswered(StrEnum):
    """What an operation whose answer never came is recorded as."""

    #: "failed": a change that moves no money, which the next sync settles anyway.
    FAILED = "failed"
    #: No outcome is written ("outcome unknown" in the audit): it may have happened, and
    #: only Stripe can say; the next sync settles it (`Declaration.settled`).
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Facts:
    """What a question and a sentence about one action are made of."""

    card: DatedCard | None = None
    customer: str = ""
    invoice: InvoiceRow | None = None
    #: The id the command names (a card's, an invoice's).
    target: str = ""

    @property
    def card_name(self) -> str:
        return self.card.display_name if self.card else "the customer's default card"

    @property
    def invoice_name(self) -> str:
        return invoice_name(self.invoice) if self.invoice else ""

    @property
    def amount(self) -> str:
        if self.invoice is None:
            return ""
        return amount_text(self.invoice.amount_remaining, self.invoice.currency)


@dataclass(frozen=True)
class Settled:
    """What the cache, after a sync, says of an intent left open: did it happen?"""

    happened: bool
    why: str


CHANGED = ("the change is on Stripe", "Stripe shows no such change")


@dataclass(frozen=True)
class Declaration:
    """One action. Texts take `{card}`, `{customer}`, `{invoice}`, `{amount}` and `{target}`
    (`Facts`).

    Attributes:
        action: its name in the audit log and on the command line.
        target: what it is done to.
        label: the window's button and menu entry ("Retry payment…").
        cli_help: the command line's one-line help.
        question: what a confirmation asks, without its "?" ("charge {amount} for invoice
            {invoice} to {card} now"); "" for an action that is not confirmed.
        doing: the status bar while it runs ("charging {amount} for invoice {invoice}").
        said: the sentence after success.
        activity: the Activity tab's and `audit`'s words for the action.
        refusal: what a refusal means for the cache.
        unanswered: what a lost answer is recorded as.
        typed: what live mode asks the operator to type: (what it is, the expected text).
        settled: how a sync settles an intent left open, from the cache (the target, its
            card, the customer's default card, the invoice); None: it cannot tell.
        witnessed_by: the types of Stripe's events that show it was done; an event of one
            of them carrying the intent's Idempotency-Key settles it as done.
    """

    action: Action
    target: Target
    label: str
    cli_help: str
    doing: str
    said: str
    activity: str
    question: str = ""
    refusal: Refusal = Refusal.NOTHING_CHANGED
    unanswered: Unanswered = Unanswered.FAILED
    typed: Callable[[Facts], tuple[str, str]] | None = None
    settled: Callable[[str, CardRow | None, str | None, InvoiceRow | None], Settled] | None = None
    witnessed_by: tuple[str, ...] = ()

    def why_not(self, now: Situation) -> str:
        """The one sentence saying why it cannot be done now, or ""."""
        return why_not(self.action, now)

    def confirmation(
        self, mode: Mode | None, facts: Facts, *, today: date, one_gesture: bool = False
    ) -> Confirmation:
        return confirmation(self.action, mode, facts.card, today=today, one_gesture=one_gesture)

    def text(self, template: str, facts: Facts) -> str:
        return template.format(
            card=facts.card_name,
            customer=facts.customer,
            invoice=facts.invoice_name,
            amount=facts.amount,
            target=facts.target,
        )


def _last_four(facts: Facts) -> tuple[str, str]:
    return "the card's last four digits", facts.card.last_four if facts.card else ""


def _the_amount(facts: Facts) -> tuple[str, str]:
    if facts.invoice is None:
        return "the amount", ""
    return f"the amount ({facts.amount})", facts.amount


def _detach_settled(
    target: str, card: CardRow | None, default: str | None, invoice: InvoiceRow | None
) -> Settled:
    happened = card is not None and not card.is_active
    return Settled(happened, CHANGED[0] if happened else CHANGED[1])


def _default_settled(
    target: str, card: CardRow | None, default: str | None, invoice: InvoiceRow | None
) -> Settled:
    happened = default == target
    return Settled(happened, CHANGED[0] if happened else CHANGED[1])


def _retry_settled(
    target: str, card: CardRow | None, default: str | None, invoice: InvoiceRow | None
) -> Settled:
    if invoice is not None and invoice.status == "paid":
        return Settled(True, "the invoice is paid on Stripe")
    status = invoice.status if invoice else "gone"
    return Settled(
        False,
        f"the invoice is {status} on Stripe (a declined attempt shows in its attempt count)",
    )


SET_DEFAULT = Declaration(
    Action.SET_DEFAULT,
    Target.CARD,
    label="Make default",
    cli_help="Make a card the customer's default.",
    question="make {card} the default card of {customer}",
    doing="making {card} the default card",
    said="{card} is now the default card of {customer}.",
    activity="Set as default",
    typed=_last_four,
    settled=_default_settled,
    witnessed_by=("customer.updated",),
)
DETACH = Declaration(
    Action.DETACH,
    Target.CARD,
    label="Detach…",
    cli_help="Detach a card from its customer.",
    question="detach {card} ({target})",
    doing="detaching {card}",
    said="{card} was detached from {customer}.",
    activity="Detach",
    typed=_last_four,
    settled=_detach_settled,
    witnessed_by=("payment_method.detached",),
)
RETRY_PAYMENT = Declaration(
    Action.RETRY_PAYMENT,
    Target.INVOICE,
    label="Retry payment…",
    cli_help="Charge an open invoice now (to another of the customer's cards with --card).",
    question="charge {amount} for invoice {invoice} to {card} now",
    doing="charging {amount} for invoice {invoice} to {card}",
    said="Invoice {invoice} is paid: {amount} charged to {card}.",
    activity="Retried payment",
    refusal=Refusal.TARGET_CHANGED,
    unanswered=Unanswered.UNKNOWN,
    typed=_the_amount,
    settled=_retry_settled,
    witnessed_by=("invoice.paid", "invoice.payment_succeeded"),
)
# Telling the customer how to pay (`app.operations.tell`): nothing changes on Stripe (the
# invoice is only read, for a fresh link), so nothing is confirmed or settled; what the
# operator did is audited as just that, never as an email sent.
COPY_PAYMENT_LINK = Declaration(
    Action.COPY_PAYMENT_LINK,
    Target.INVOICE,
    label="Copy payment link",
    cli_help="Print the link to an invoice's payment page, where the customer pays with a "
    "card of their choice (read from Stripe; the cached one offline).",
    doing="reading the payment link of invoice {invoice}",
    said="Copied the payment link of invoice {invoice} ({amount}).",
    activity="Copied payment link",
)
EMAIL_CUSTOMER = Declaration(
    Action.EMAIL_CUSTOMER,
    Target.INVOICE,
    label="Email customer…",
    cli_help="",
    doing="reading the payment link of invoice {invoice}",
    said="Opened an email to {customer} about invoice {invoice} in your mail program: "
    "check it and send it from there.",
    activity="Opened an email",
)
#: Every declared action, by its name.
DECLARED: dict[Action, Declaration] = {
    d.action: d for d in (SET_DEFAULT, DETACH, RETRY_PAYMENT, COPY_PAYMENT_LINK, EMAIL_CUSTOMER)
}
#: The Activity tab's words for the actions that are not declared (they change no customer's
#: data on Stripe: a portal link, the add-card form, a payment link printed or an email's
#: text copied).
OTHER_WORDS = {
    Action.PORTAL: "Opened billing portal",
    Action.COPY_LINK: "Copied portal link",
    Action.ADD_CARD: "Add card",
    Action.PAYMENT_LINK: "Printed payment link",
    Action.COPY_EMAIL: "Copied an email's text",
}


def activity_words(action: str) -> str:
    """How the Activity tab and `audit` name an action."""
    try:
        known = Action(action)
    except ValueError:
        return action
    declared = DECLARED.get(known)
    return declared.activity if declared else OTHER_WORDS.get(known, action)


def next_attempt_text(invoice: InvoiceRow, now: datetime) -> str:
    """Whether Stripe will try again by itself: "Stripe retries on 9 Dec", or that it will
    not (no next attempt, or one already past, as the emulator gives)."""
    if invoice.status != "open":
        return ""
    when = invoice.next_payment_attempt
    if when is None or when <= now:
        return "Stripe will not retry by itself"
    return f"Stripe retries on {when.astimezone().day} {when.astimezone():%b}"

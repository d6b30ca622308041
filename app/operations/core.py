"""What an operator does to a customer's cards. Each: Stripe first, then the cache and the
audit log in one transaction. A refusal is audited too, naming the operator."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from app import links, untrusted
from app.cache import queries, store
from app.cache.db import Database
from app.cache.models import DATABASE_ERRORS, now
from app.cache.store import Outcome
from app.demo.emulator import EMULATOR_KEY, EMULATOR_PUBLISHABLE_KEY
from app.errors import (
    CacheError,
    ChangeNotRecordedError,
    DeclinedError,
    KnownError,
    NotFoundError,
    StripeRefusedError,
    StripeUnreachableError,
    UsageError,
)
from app.ids import check_card_id, check_customer_id, check_setup_intent_id
from app.operations.declared import DECLARED, Unanswered
from app.operations.policy import card_refusal
from app.records import Action, CardData, CardRow, CustomerData, CustomerRow, InvoiceRow
from app.settings import PUBLISHABLE_RE, Settings
from app.settings.credentials import Mode, SecretKey

if TYPE_CHECKING:
    from app.gateway import Gateway  # stripe: imported by whoever makes the gateway

log = logging.getLogger(__name__)
STRIPE_JS = "https://js.stripe.com/v3/"


@dataclass(frozen=True)
class CardSetup:
    """What the add-card page needs, and nothing more: no secret key is in here."""

    customer: str
    setup_intent: str
    client_secret: str = field(repr=False)
    publishable_key: str
    #: Where the page loads Stripe.js from: Stripe's, or the emulator's stand-in.
    stripe_js: str
    #: The emulator's origin (scheme://host:port) when the profile talks to one, else None.
    emulator_origin: str | None


@dataclass(frozen=True)
class AddedCard:
    card: CardData
    made_default: bool
    #: Set when the card was saved but something asked for alongside failed.
    note: str = ""


class Abandoned(StrEnum):
    """What closing the add-card dialog early did to its SetupIntent."""

    CANCELLED = "cancelled"
    ALREADY_CANCELLED = "already cancelled"
    #: The card had been saved after all; it is now in the cache.
    RECORDED = "recorded"
    #: The SetupIntent succeeded for another customer: left alone.
    NOT_OURS = "not ours"


@dataclass(frozen=True)
class PortalLink:
    url: str
    #: False when the no-code login link was offered because a session could not be made.
    is_session: bool
    note: str = ""


@dataclass(frozen=True)
class _Pending:
    """An operation on the record: its intent's id (None when only refusals are recorded)."""

    action: Action
    target: str
    customer: str | None
    intent: int | None
    #: The Idempotency-Key of its write to Stripe, stored in the intent (None: no intent).
    key: str | None = None


class Operations:
    def __init__(self, gateway: Gateway, db: Database, profile: str) -> None:
        self.gateway = gateway
        self.db = db
        self.profile = profile

    @contextmanager
    def _audited(
        self,
        action: Action,
        *,
        customer: str | None,
        target: str | None = None,
        intent: bool = True,
        detail: dict[str, object] | None = None,
    ) -> Iterator[_Pending]:
        """Put `action` on `target` (the customer when not given) on the record before Stripe
        is asked: if the audit log cannot be written, nothing is done. A refusal or failure
        is then recorded as the intent's outcome; success is recorded by the operation with
        its cache changes (`_done`). Without `intent` (opening the card form changes nothing)
        only a refusal is recorded. The intent carries the Idempotency-Key of the write
        (`pending.key`) and `detail`. How a refusal and a lost answer are recorded is the
        action's declaration's (`app.operations.declared`): a decline is "declined"; a lost
        answer to a charge leaves the outcome unknown until a sync settles it.

        Callers check the ids in the arguments: a malformed id is the operator's typing, not
        an operation, and is not audited."""
        subject = target or customer or ""
        written, key = (
            self._intend(action, subject, customer, detail or {}) if intent else (None, None)
        )
        pending = _Pending(action, subject, customer, written, key)
        declared = DECLARED.get(action)
        try:
            yield pending
        except ChangeNotRecordedError:
            raise  # Stripe acted; the intent stays open until a sync settles it
        except KnownError as exc:
            if isinstance(exc, StripeUnreachableError):
                if declared and declared.unanswered is Unanswered.UNKNOWN:
                    raise  # it may have happened: "outcome unknown" until a sync settles it
                self._settle(pending, "failed", str(exc))
            elif isinstance(exc, DeclinedError):
                self._settle(pending, "declined", str(exc))
            else:
                self._settle(pending, "refused", str(exc))
            raise

    def _intend(
        self, action: Action, target: str, customer: str | None, detail: dict[str, object]
    ) -> tuple[int, str]:
        try:
            with self.db.atomic():
                return store.intend(self.profile, action, target, customer=customer, detail=detail)
        except DATABASE_ERRORS as exc:
            raise CacheError(
                "Nothing was done: the audit log cannot be written "
                f"({untrusted.message(str(exc))}), and no change is made off the record."
            ) from exc

    def _settle(self, pending: _Pending, outcome: Outcome, detail: str) -> None:
        """Record how an operation ended without a change; if even that cannot be written,
        the intent stays open ("outcome unknown") and the next sync settles it."""
        try:
            with self.db.atomic():
                store.audit(
                    self.profile,
                    pending.action,
                    pending.target,
                    outcome,
                    customer=pending.customer,
                    detail=detail,
                    intent=pending.intent,
                )
        except DATABASE_ERRORS:
            log.exception("could not record the outcome of %s %s", pending.action, pending.target)

    @contextmanager
    def _done(
        self,
        pending: _Pending,
        detail: str | dict[str, object],
        *,
        customer: str | None,
        target: str | None = None,
    ) -> Iterator[datetime]:
        """After Stripe said yes: the caller's cache changes (made in the `with` block, at the
        time it is given) and the "ok" outcome, in one transaction. If that transaction
        fails, the change still stands on Stripe, and the operator is told so."""
        try:
            with self.db.atomic():
                at = now()
                yield at
                store.audit(
                    self.profile,
                    pending.action,
                    target or pending.target,
                    "ok",
                    customer=customer,
                    detail=detail,
                    intent=pending.intent,
                )
                store.bump_version()
        except DATABASE_ERRORS as exc:
            log.exception("Stripe made the change; recording it failed")
            raise ChangeNotRecordedError(
                f"The change was made on Stripe, but this computer could not record it "
                f"({untrusted.message(str(exc))}); the next sync will show it."
            ) from exc

    def _record(
        self, pending: _Pending, customer: CustomerData, card: CardData, detail: str
    ) -> None:
        """After Stripe said yes: the customer and the card with the outcome."""
        with self._done(pending, detail, customer=customer.id, target=card.id) as at:
            store.write_customers([customer], {customer.id: [card]}, at, complete=False)

    def refuse(
        self,
        action: Action,
        target: str,
        customer: str | None,
        reason: str,
        outcome: Outcome = "refused",
    ) -> None:
        """Audit an operation that did not happen, and why."""
        with self.db.atomic():
            store.audit(self.profile, action, target, outcome, customer=customer, detail=reason)

    def card_facts(self, pm_id: str) -> CardRow | CardData:
        """The card as the cache holds it, else as Stripe describes it: what a question about
        it is made of (its name, last four digits, expiry)."""
        return queries.card(pm_id) or self.gateway.payment_method(check_card_id(pm_id))

    def set_default(self, customer_id: str, pm_id: str, today: date | None = None) -> CardData:
        """Make `pm_id` the customer's default card; refused (exit status 2) for a card Stripe
        says has expired, as `policy.card_refusal` rules."""
        with self._audited(
            Action.SET_DEFAULT, customer=check_customer_id(customer_id), target=check_card_id(pm_id)
        ) as pending:
            card = self.gateway.payment_method(pm_id)
            if card.customer != customer_id:
                raise StripeRefusedError(
                    f"Card {pm_id} does not belong to customer {customer_id}"
                    + (
                        f" (it belongs to {card.customer})."
                        if card.customer
                        else " (it is detached)."
                    )
                )
            refusal = card_refusal(Action.SET_DEFAULT, card, today or date.today())
            if refusal:
                raise UsageError(refusal)
            customer = self.gateway.set_default(customer_id, pm_id, pending.key)
            self._record(pending, customer, card, card.display_name)
        log.info("set %s as default card of %s", pm_id, customer_id)
        return card

    def detach(self, pm_id: str) -> CardData:
        check_card_id(pm_id)
        customer_hint = queries.customer_of_card(pm_id)
        with self._audited(Action.DETACH, customer=customer_hint, target=pm_id) as pending:
            card = self.gateway.payment_method(pm_id)
            if card.customer is None:
                raise StripeRefusedError(f"Card {pm_id} is not attached to any customer.")
            self.gateway.detach(pm_id, pending.key)
            with self._done(pending, card.display_name, customer=card.customer) as at:
                store.card_detached(pm_id, card.customer, at)
        log.info("detached %s from %s", pm_id, card.customer)
        return card

    def portal_link(self, customer_id: str, action: Action = Action.PORTAL) -> PortalLink:
        """A billing portal session made now (they are short-lived), or the login link;
        audited as `action`: opened (PORTAL) or copied (COPY_LINK) for the customer."""
        if action not in (Action.PORTAL, Action.COPY_LINK):
            raise ValueError(f"a portal link is not made for {action}")
        with self._audited(action, customer=check_customer_id(customer_id)) as pending:
            try:
                url = links.checked(
                    self.gateway.portal_session(customer_id),
                    self.gateway.settings,
                    what="billing portal link",
                    hosts=links.PORTAL_HOSTS,
                )
                link = PortalLink(url, True, "The link expires soon: use it within a few minutes.")
            except StripeRefusedError as exc:
                login = self.gateway.settings.portal_login_link
                if not login:
                    raise
                log.info("portal session refused (%s); offering the login link", exc)
                link = PortalLink(
                    login,
                    False,
                    f"No portal session could be made ({exc}); this is the portal's login link "
                    "instead: the customer signs in with their email.",
                )
            detail = "session" if link.is_session else "login link"
            with self._done(pending, detail, customer=customer_id):
                pass
        return link

    def retry_payment(
        self, invoice_id: str, pm_id: str | None = None, today: date | None = None
    ) -> InvoiceRow:
        """Charge the open invoice now: `pm_id` pays it (that card, this invoice only; no
        default changes), else the card the invoice would use. See `app.operations.retry`."""
        from app.operations.retry import retry_payment

        return retry_payment(self, invoice_id, pm_id, today or date.today())

    # -- adding a card with a SetupIntent ---------------------------------------------------

    def publishable_key(self) -> str:
        """The profile's publishable key, checked against the secret key's mode."""
        return publishable_key_for(self.gateway.settings, self.gateway.key, self.profile)

    def start_adding_card(self, customer_id: str) -> CardSetup:
        """Create the SetupIntent (off-session use, cards only) the add-card page confirms."""
        with self._audited(Action.ADD_CARD, customer=check_customer_id(customer_id), intent=False):
            publishable = self.publishable_key()
            intent = self.gateway.create_setup_intent(customer_id)
        if not intent.client_secret:
            raise StripeRefusedError("Stripe returned a SetupIntent without a client secret.")
        settings = self.gateway.settings
        origin = None
        stripe_js = STRIPE_JS
        if settings.uses_emulator:
            parts = urlsplit(settings.api_base)
            origin = f"{parts.scheme}://{parts.netloc}"
            stripe_js = f"{settings.api_base}/js.stripe.com/v3/"
        log.info("started adding a card to %s with %s", customer_id, intent.id)
        return CardSetup(
            customer=customer_id,
            setup_intent=intent.id,
            client_secret=intent.client_secret,
            publishable_key=publishable,
            stripe_js=stripe_js,
            emulator_origin=origin,
        )

    def finish_adding_card(
        self, customer_id: str, seti_id: str, *, make_default: bool = False
    ) -> AddedCard:
        """Record the card a SetupIntent saved, after checking everything with Stripe.

        Nothing the page said is trusted: the SetupIntent must have succeeded for this very
        customer, and its payment method must be a card attached to them.
        """
        with self._audited(
            Action.ADD_CARD,
            customer=check_customer_id(customer_id),
            target=check_setup_intent_id(seti_id),
        ) as pending:
            intent = self.gateway.setup_intent(seti_id)
            if intent.customer != customer_id:
                raise StripeRefusedError(
                    f"The card setup {seti_id} is not for customer {customer_id}; "
                    "nothing was saved."
                )
            if intent.status != "succeeded" or not intent.payment_method:
                raise StripeRefusedError(
                    f"The card was not saved: Stripe reports the setup as "
                    f"{intent.status.replace('_', ' ')}."
                )
            card = self.gateway.payment_method(intent.payment_method)
            if card.customer != customer_id:
                raise StripeRefusedError(
                    f"Card {card.id} is not attached to customer {customer_id}; nothing was saved."
                )
            note = ""
            customer: CustomerData | None = None
            if make_default:
                try:
                    customer = self.gateway.set_default(customer_id, card.id, pending.key)
                except KnownError as exc:
                    note = f"The card was saved but could not be made the default: {exc}"
            if customer is None:
                customer = self.gateway.customer(customer_id)
            label = card.display_name
            default = " (default)" if make_default and not note else ""
            self._record(pending, customer, card, label + default)
        log.info("added %s to %s through %s", card.id, customer_id, seti_id)
        return AddedCard(card, made_default=make_default and not note, note=note)

    def abandon_adding_card(self, customer_id: str, seti_id: str) -> Abandoned:
        """The dialog closed before success: cancel the SetupIntent, unless the card had in
        fact been saved before the dialog closed (it is then written to the cache)."""
        check_customer_id(customer_id)
        check_setup_intent_id(seti_id)
        intent = self.gateway.setup_intent(seti_id)
        if intent.status == "canceled":
            return Abandoned.ALREADY_CANCELLED
        if intent.status == "succeeded":
            if intent.customer == customer_id:
                self.finish_adding_card(customer_id, seti_id)
                return Abandoned.RECORDED
            return Abandoned.NOT_OURS
        self.gateway.cancel_setup_intent(seti_id)
        log.info("cancelled %s: the add-card dialog closed before a card was saved", seti_id)
        return Abandoned.CANCELLED


def known_customer(customer_id: str) -> CustomerRow:
    check_customer_id(customer_id)
    customer = queries.customer(customer_id)
    if customer is None:
        raise NotFoundError(
            f"Customer {customer_id} is not in the cache: run 'billing-admin sync' first."
        )
    return customer


def publishable_key_for(settings: Settings, key: SecretKey, profile: str) -> str:
    """The publishable key the add-card page uses, or a UsageError saying what to set."""
    problem = publishable_problem(settings, key)
    if problem is not None:
        raise UsageError(f"{problem}: {publishable_fix(key, profile)}.")
    value = (settings.publishable_key or "").strip()
    return value or EMULATOR_PUBLISHABLE_KEY


def publishable_problem(settings: Settings, key: SecretKey) -> str | None:
    """Why no card can be added with the profile's publishable key, or None.

    The emulator's placeholder secret key pairs with its placeholder publishable key, so
    the demo (and the tests) need no setting.
    """
    value = (settings.publishable_key or "").strip()
    if not value and settings.uses_emulator and key.value == EMULATOR_KEY:
        return None
    if not value:
        return "Adding a card needs the account's publishable key"
    match = PUBLISHABLE_RE.fullmatch(value)
    if not match:
        return "The publishable_key setting is not a publishable key (pk_...)"
    mode = Mode(match.group(1))
    if mode is not key.mode:
        return (
            f"The publishable key is a {mode.value} key but the secret key is a "
            f"{key.mode.value} key, so no card can be added"
        )
    return None


def publishable_fix(key: SecretKey, profile: str) -> str:
    return (
        f"set it with 'billing-admin --profile {profile} config set publishable_key "
        f"pk_{key.mode.value}_...' (Stripe Dashboard → Developers → API keys)"
    )

"""What an operator does to a customer's cards. Each: Stripe first, then the cache and the
audit log in one transaction. A refusal is audited too, naming the operator."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from peewee import Database

from app.cache import store
from app.cache.models import Card, Customer, now
from app.cards import display_name
from app.errors import (
    KnownError,
    NotFoundError,
    StripeRefusedError,
    StripeUnreachableError,
    UsageError,
)
from app.gateway import CardData, Gateway

log = logging.getLogger(__name__)
_CUSTOMER_RE = re.compile(r"^cus_[A-Za-z0-9]{1,250}$")
_CARD_RE = re.compile(r"^(pm|card)_[A-Za-z0-9]{1,250}$")


def check_customer_id(value: str) -> str:
    if not _CUSTOMER_RE.match(value):
        raise UsageError(
            f"{value[:60]!r} is not a Stripe customer id (cus_ followed by letters and digits)."
        )
    return value


def check_card_id(value: str) -> str:
    if not _CARD_RE.match(value):
        raise UsageError(
            f"{value[:60]!r} is not a Stripe card id (pm_ or card_ followed by letters and digits)."
        )
    return value


@dataclass(frozen=True)
class PortalLink:
    url: str
    #: False when the no-code login link was offered because a session could not be made.
    is_session: bool
    note: str = ""


class Operations:
    def __init__(self, gateway: Gateway, db: Database, profile: str) -> None:
        self.gateway = gateway
        self.db = db
        self.profile = profile

    @contextmanager
    def _audited(self, action: str, target: str, customer: str | None) -> Iterator[None]:
        """Audit a refusal or failure; the success entry is written by the operation itself,
        inside its own transaction."""
        try:
            yield
        except KnownError as exc:
            failed = isinstance(exc, StripeUnreachableError)
            self.refuse(
                action, target, customer, str(exc), outcome="failed" if failed else "refused"
            )
            raise

    def refuse(
        self, action: str, target: str, customer: str | None, reason: str, outcome: str = "refused"
    ) -> None:
        """Audit an operation that did not happen, and why."""
        with self.db.atomic():
            store.audit(self.profile, action, target, outcome, customer=customer, detail=reason)

    def describe_card(self, pm_id: str) -> tuple[str, str]:
        """("Visa •••• 4242", "4242") from the cache, else from Stripe, to confirm with."""
        card = Card.get_or_none(Card.stripe_payment_method_id == pm_id)
        if card:
            return display_name(card.card_type, card.last_four), card.last_four
        data = self.gateway.payment_method(check_card_id(pm_id))
        return display_name(data.brand, data.last4), data.last4

    def set_default(self, customer_id: str, pm_id: str) -> CardData:
        check_customer_id(customer_id)
        check_card_id(pm_id)
        with self._audited("set-default", pm_id, customer_id):
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
            customer = self.gateway.set_default(customer_id, pm_id)
            at = now()
            with self.db.atomic():
                ids = store.upsert_customers([customer], at)
                store.upsert_cards({customer_id: [card]}, ids, at, complete=False)
                store.audit(
                    self.profile,
                    "set-default",
                    pm_id,
                    "ok",
                    customer=customer_id,
                    detail=display_name(card.brand, card.last4),
                )
                store.bump_version()
        log.info("set %s as default card of %s", pm_id, customer_id)
        return card

    def detach(self, pm_id: str) -> CardData:
        check_card_id(pm_id)
        cached = Card.get_or_none(Card.stripe_payment_method_id == pm_id)
        customer_hint = cached.customer.stripe_id if cached else None
        with self._audited("detach", pm_id, customer_hint):
            card = self.gateway.payment_method(pm_id)
            if card.customer is None:
                raise StripeRefusedError(f"Card {pm_id} is not attached to any customer.")
            self.gateway.detach(pm_id)
            at = now()
            with self.db.atomic():
                # Stripe leaves a customer whose default was detached with no default.
                Customer.update(default_payment_method=None).where(
                    Customer.stripe_id == card.customer,
                    Customer.default_payment_method == pm_id,
                ).execute()
                ids = store.customer_ids([card.customer])
                if card.customer in ids:
                    Card.update(is_active=False, is_default=False, updated_at=at).where(
                        Card.stripe_payment_method_id == pm_id
                    ).execute()
                    store.refresh_summaries([ids[card.customer]])
                store.audit(
                    self.profile,
                    "detach",
                    pm_id,
                    "ok",
                    customer=card.customer,
                    detail=display_name(card.brand, card.last4),
                )
                store.bump_version()
        log.info("detached %s from %s", pm_id, card.customer)
        return card

    def portal_link(self, customer_id: str) -> PortalLink:
        """A billing portal session made now (they are short-lived), or the login link."""
        check_customer_id(customer_id)
        with self._audited("portal", customer_id, customer_id):
            try:
                url = self.gateway.portal_session(customer_id)
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
            with self.db.atomic():
                store.audit(
                    self.profile,
                    "portal",
                    customer_id,
                    "ok",
                    customer=customer_id,
                    detail="session" if link.is_session else "login link",
                )
        return link


def known_customer(customer_id: str) -> Customer:
    check_customer_id(customer_id)
    customer = Customer.get_or_none(Customer.stripe_id == customer_id)
    if customer is None:
        raise NotFoundError(
            f"Customer {customer_id} is not in the cache: run 'billing-admin sync' first."
        )
    return customer

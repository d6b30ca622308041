"""The Gateway's reads of customers, cards and events: a full sync's first pass (each
customer with its default card), a customer's cards, and the events an incremental sync
applies or `audit --reconcile` reads as witnesses."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import Any

import stripe

from app.errors import NotFoundError, StripeRefusedError
from app.gateway.convert import (
    EventData,
    Unconvertible,
    Witness,
    card_from,
    customer_from,
    customers_and_default_cards,
    each,
    event_from,
    plain,
    server_time,
    skip,
    witness_from,
)
from app.gateway.sending import CARDS_ROUTE, PAGE, Sender
from app.records import CardData, CustomerData

log = logging.getLogger(__name__)

#: Events that change the customers and cards the cache holds.
CARD_EVENTS = (
    "customer.created",
    "customer.updated",
    "customer.deleted",
    "payment_method.attached",
    "payment_method.detached",
    "payment_method.updated",
    "payment_method.automatically_updated",
)
#: Events that change the invoices and subscriptions it holds. `invoice.paid` and
#: `.payment_succeeded` both: Stripe sends `paid` for invoices paid out of band too, the
#: emulator only `payment_succeeded`. Pausing and resuming also send `.updated`, so
#: `customer.subscription.paused/.resumed` are left out.
BILLING_EVENTS = (
    "invoice.created",
    "invoice.finalized",
    "invoice.updated",
    "invoice.paid",
    "invoice.payment_succeeded",
    "invoice.payment_failed",
    "invoice.voided",
    "invoice.marked_uncollectible",
    "invoice.deleted",
    "customer.subscription.created",
    "customer.subscription.updated",
    "customer.subscription.deleted",
)
#: Stripe's `types` filter on events takes at most 20 names.
EVENT_TYPES = CARD_EVENTS + BILLING_EVENTS
#: How far past the server's clock an event's `created` may be (clocks differ a little).
CLOCK_SKEW = 300
#: What a customer list embeds so that each customer comes with its default card: the
#: payment method of its invoice settings, and the legacy default source (a `card_...`).
DEFAULT_CARD_EXPAND = ("data.invoice_settings.default_payment_method", "data.default_source")
TYPES_FILTER = "types filter on /v1/events"


class Reads(Sender):
    """Customers, cards and events, read from Stripe."""

    # -- customers ---------------------------------------------------------------------------

    def customers_with_default_card(self) -> Iterator[list[tuple[CustomerData, CardData | None]]]:
        """Every customer with the card that will be charged, embedded in the same list (100 a
        page, no request per customer): a full sync's first pass."""
        params = {"expand": list(DEFAULT_CARD_EXPAND)}
        for items in self._list("list customers", self.client.v1.customers.list, params):
            yield customers_and_default_cards(items, self.skipped)

    def customer(self, customer_id: str) -> CustomerData:
        obj = self.call(
            f"read customer {customer_id}", self.client.v1.customers.retrieve, customer_id
        )
        if getattr(obj, "deleted", False):
            raise NotFoundError(f"Customer {customer_id} has been deleted on Stripe.")
        return customer_from(obj)

    # -- cards -------------------------------------------------------------------------------

    def cards(self, customer_id: str) -> list[CardData]:
        """All the customer's cards, following pages of more than 100."""
        pages = self.pages(
            f"list the cards of {customer_id}",
            lambda params: self._cards_page(customer_id, params),
            {"limit": PAGE, "type": "card"},
        )
        converted = (each(card_from, items, self.skipped, "card") for items in pages)
        return [c for cards in converted for c in cards if c is not None]

    def _cards_page(self, customer_id: str, params: dict[str, Any]) -> Any:
        with self._probing(CARDS_ROUTE):
            return self._cards_page_unlocked(customer_id, params)

    def _cards_page_unlocked(self, customer_id: str, params: dict[str, Any]) -> Any:
        what = f"list the cards of {customer_id}"
        if self._knows(CARDS_ROUTE) is not False:
            try:
                page = self.call(
                    what, self.client.v1.customers.payment_methods.list, customer_id, params=params
                )
                self._learn(CARDS_ROUTE, True)
                return page
            except NotFoundError as exc:
                # A 404 without a JSON body means the route itself is missing (the emulator).
                if self._knows(CARDS_ROUTE) or not isinstance(exc.__cause__, stripe.APIError):
                    raise NotFoundError(
                        f"Customer {customer_id} was not found on Stripe."
                    ) from None
                log.info("this API base has no /v1/customers/{id}/payment_methods; falling back")
                self._learn(CARDS_ROUTE, False)
        try:
            return self.call(
                what,
                self.client.v1.payment_methods.list,
                params={**params, "customer": customer_id},
            )
        except NotFoundError:
            raise NotFoundError(f"Customer {customer_id} was not found on Stripe.") from None

    def payment_method(self, pm_id: str) -> CardData:
        try:
            obj = self.call(f"read card {pm_id}", self.client.v1.payment_methods.retrieve, pm_id)
        except NotFoundError:
            raise NotFoundError(f"Card {pm_id} was not found on Stripe.") from None
        card = card_from(obj)
        if card is None:
            raise StripeRefusedError(f"{pm_id} is not a card.")
        return card

    # -- events ------------------------------------------------------------------------------

    def server_now(self) -> tuple[int | None, set[str]]:
        """The server's clock now, from the Date header of a page of the newest events, and
        the ids of those created in that very second: a full sync starting now reads what
        they did, so the next incremental sync (which lists from that second) skips them."""
        page = self.call("list events", self.client.v1.events.list, params={"limit": PAGE})
        at = server_time(page)
        if at is None:
            return None, set()
        # An event whose `created` is not a number is skipped later, not here.
        events = [plain(obj) for obj in page.data]
        return at, {
            str(obj.get("id"))
            for obj in events
            if type(created := obj.get("created")) is int and created >= at
        }

    def events_since(self, created: int) -> Iterator[EventData]:
        """Card and billing events created at or after `created` (Unix seconds), any order.

        An event that does not convert, or created later than the server's clock (its Date
        header, else ours) allows, is skipped and logged: it never becomes the cursor."""
        params = {"limit": PAGE, "created": {"gte": created}}
        for items in self.pages("list events", self._events_page, params):
            wanted = [obj for obj in items if plain(obj).get("type") in EVENT_TYPES]
            for event in each(event_from, wanted, self.skipped, "event"):
                latest = (self.events_server_time or int(time.time())) + CLOCK_SKEW
                if event.created > latest:
                    reason = f"created {event.created}, after the server's clock ({latest})"
                    self.skipped.append(skip(Unconvertible(reason, event.id, "event"), {}, ""))
                    continue
                yield event

    def witnesses(self, created: int, *, every_type: bool = False) -> Iterator[Witness]:
        """Events created at or after `created`, as witnesses of the requests that made them,
        100 a page: of the types a sync reads (all this tool's writes make one), or of
        `every_type` (no type filter, for `audit --reconcile`). An event without an id, a
        type or a time is skipped and logged."""
        params = {"limit": PAGE, "created": {"gte": created}}

        def every(page_params: dict[str, Any]) -> Any:
            return self.call("list events", self.client.v1.events.list, params=page_params)

        fetch = every if every_type else self._events_page
        for items in self.pages("list events", fetch, params):
            wanted = (
                items if every_type else [o for o in items if plain(o).get("type") in EVENT_TYPES]
            )
            yield from each(witness_from, wanted, self.skipped, "event")

    def _events_page(self, params: dict[str, Any]) -> Any:
        if self._knows(TYPES_FILTER) is not False:
            try:
                page = self.call(
                    "list events",
                    self.client.v1.events.list,
                    params={**params, "types": list(EVENT_TYPES)},
                )
                self._learn(TYPES_FILTER, True)
                self.events_server_time = server_time(page)
                return page
            except StripeRefusedError:
                if self._knows(TYPES_FILTER):
                    raise
                # The emulator knows only `type`; filter on our side instead.
                self._learn(TYPES_FILTER, False)
        page = self.call("list events", self.client.v1.events.list, params=params)
        self.events_server_time = server_time(page)
        return page

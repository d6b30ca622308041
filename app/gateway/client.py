"""The Gateway: typed, rate-limited requests to Stripe for one key.

It turns Stripe objects into our records (through `convert`), spaces requests
under a client-side rate limit, retries 429 answers with back-off (reusing the same
idempotency key for writes), and turns Stripe's exceptions into one-sentence KnownErrors.
Every request has a deadline (`transport`), and every list is followed through `paging`,
which stops a list whose pages do not advance.
"""

from __future__ import annotations

import logging
import random
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import stripe

from app import untrusted
from app.demo.emulator import EMULATOR_KEY
from app.errors import (
    DeclinedError,
    KeyProblemError,
    KnownError,
    NotFoundError,
    StripeRefusedError,
    StripeUnreachableError,
)
from app.gateway import paging, trust
from app.gateway.convert import (
    EventData,
    SetupIntentData,
    Unconvertible,
    Witness,
    card_from,
    customer_from,
    customers_and_default_cards,
    each,
    event_from,
    invoice_from,
    invoice_payment_from,
    plain,
    portal_url_from,
    server_time,
    setup_intent_from,
    skip,
    subscription_from,
    witness_from,
)
from app.gateway.ratelimit import RateLimiter
from app.gateway.transport import (
    ConnectionProblem,
    DeadlineClient,
    DeadlinePassed,
    NotStripesAnswer,
    check_live_key_destination,
)
from app.records import (
    CardData,
    CustomerData,
    InvoiceData,
    InvoicePaymentData,
    Skipped,
    SubscriptionData,
)
from app.settings import (
    Settings,
)
from app.settings.credentials import Mode, SecretKey

log = logging.getLogger(__name__)
T = TypeVar("T")

DEFAULT_RATE = {Mode.TEST: 20.0, Mode.LIVE: 80.0}
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
assert len(EVENT_TYPES) <= 20
PAGE = 100
#: How far past the server's clock an event's `created` may be (clocks differ a little).
CLOCK_SKEW = 300
#: What a customer list embeds so that each customer comes with its default card: the
#: payment method of its invoice settings, and the legacy default source (a `card_...`).
DEFAULT_CARD_EXPAND = ("data.invoice_settings.default_payment_method", "data.default_source")
#: What each API base turned out to support, learnt once per process: the emulator lacks
#: GET /v1/customers/{id}/payment_methods and the `types` filter on events.
_CAPABILITIES: dict[tuple[str, str], bool] = {}
_CAPABILITIES_LOCK = threading.Lock()
CARDS_ROUTE = "GET /v1/customers/{id}/payment_methods"
TYPES_FILTER = "types filter on /v1/events"
#: The emulator has no InvoicePayment: its invoices embed their `charge` instead.
INVOICE_PAYMENTS_ROUTE = "GET /v1/invoice_payments"
#: Each InvoicePayment's PaymentIntent with its card (that paid, or in `last_payment_error`,
#: always an object): four levels, the most Stripe expands.
INVOICE_PAYMENT_EXPAND = ("data.payment.payment_intent.payment_method",)
#: The events after which an incremental sync reads the invoice's InvoicePayments.
PAYMENT_EVENTS = ("invoice.payment_failed", "invoice.paid")


class Gateway:
    """Typed, rate-limited access to the Stripe API for one key.

    Args:
        timeout: seconds to connect, and the most any one read may wait.
        deadline: seconds one request may take in all, network retries included.
    """

    def __init__(
        self,
        key: SecretKey,
        settings: Settings,
        *,
        max_network_retries: int = 2,
        timeout: float = 30.0,
        deadline: float = 60.0,
        max_rate_limit_retries: int = 8,
    ) -> None:
        check_live_key_destination(key, settings.api_base)
        self.key = key
        self.settings = settings
        self.rate = settings.rate_limit or DEFAULT_RATE[key.mode]
        self.limiter = RateLimiter(self.rate)
        self.max_rate_limit_retries = max_rate_limit_retries
        self.deadline = deadline
        self.client = stripe.StripeClient(
            key.value,
            base_addresses={"api": settings.api_base},
            max_network_retries=max_network_retries,
            http_client=DeadlineClient(
                deadline=deadline, timeout=timeout, trust=trust.sources(settings.ca_file)
            ),
        )
        self.requests_sent = 0  # counted under a lock: several sync threads send at once
        self._count_lock = threading.Lock()
        #: The objects from Stripe that did not convert, in the order met (`convert.each`).
        self.skipped: list[Skipped] = []
        #: The server's clock at the last page of events read (its Date header).
        self.events_server_time: int | None = None

    def _knows(self, capability: str) -> bool | None:
        """Whether this API base supports `capability` (None: not asked yet)."""
        return _CAPABILITIES.get((self.settings.api_base, capability))

    def _learn(self, capability: str, supported: bool) -> None:
        _CAPABILITIES[(self.settings.api_base, capability)] = supported

    @property
    def emulated(self) -> bool:
        """Talking to the local emulator (localstripe): its placeholder key, or an API base
        already found to lack Stripe's own routes. Its pay route, for one, answers 500 to
        any parameter."""
        return self.key.value == EMULATOR_KEY or self._knows(CARDS_ROUTE) is False

    def __repr__(self) -> str:
        return f"Gateway({self.key.masked}, {self.settings.api_base})"

    # -- the one way every request is sent -------------------------------------------------

    def call(self, what: str, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Send one request under the rate limit; retry 429s; translate errors.

        `what` completes the sentence "Stripe refused to ..." for the operator.
        """
        for attempt in range(self.max_rate_limit_retries + 1):
            self.limiter.acquire()
            with self._count_lock:
                self.requests_sent += 1
            try:
                return fn(*args, **kwargs)
            except stripe.RateLimitError:
                if attempt == self.max_rate_limit_retries:
                    raise StripeRefusedError(
                        f"Stripe kept answering 'too many requests' while trying to {what}; "
                        "try again in a minute."
                    ) from None
                delay = min(0.5 * 2**attempt, 8.0) * (0.75 + random.random() / 2)
                log.info("429 from Stripe while trying to %s; backing off %.1fs", what, delay)
                self.limiter.back_off(delay)
            except stripe.StripeError as exc:
                raise self.translate(exc, what) from exc
        raise AssertionError("unreachable")

    def translate(self, exc: stripe.StripeError, what: str) -> KnownError:
        status = exc.http_status
        if exc.request_id:  # the first thing Stripe's support asks for
            log.warning(
                "Stripe answered %s (Request-Id %s) while trying to %s: %s",
                status,
                exc.request_id,
                what,
                untrusted.message(str(exc.code or type(exc).__name__)),
            )
        # Stripe's text (or a stranger's server's) is repeated on screens and in the audit.
        message = untrusted.message(exc.user_message or str(exc) or type(exc).__name__)
        if isinstance(exc, stripe.AuthenticationError):
            return KeyProblemError(
                "Stripe rejected the secret key (it may be revoked or mistyped): "
                "set a valid one with 'billing-admin key set'."
            )
        if isinstance(exc, stripe.PermissionError):
            return KeyProblemError(
                f"The key is not allowed to {what}: use a key with write access to "
                "customers and payment methods."
            )
        if isinstance(exc, NotStripesAnswer):
            log.warning("not Stripe's answer while trying to %s: %s", what, exc.user_message)
            return StripeUnreachableError(
                f"The answer from {self.settings.api_base} while trying to {what} was not "
                "Stripe's (a captive portal or a proxy?): sign in to the network if it asks, "
                "or check the proxy, then try again."
            )
        if isinstance(exc, ConnectionProblem):
            log.warning("Stripe unreachable while trying to %s: %s", what, exc.sentence)
            return StripeUnreachableError(
                f"Stripe could not be reached at {self.settings.api_base}: {exc.sentence} "
                f"({exc.fix})."
            )
        if isinstance(exc, DeadlinePassed):
            return StripeUnreachableError(
                f"Stripe did not answer within {self.deadline:g} s at {self.settings.api_base} "
                f"while trying to {what}: check the network connection (cached data stays "
                "available)."
            )
        if isinstance(exc, stripe.APIConnectionError):
            return StripeUnreachableError(
                f"Stripe could not be reached at {self.settings.api_base}: "
                "check the network connection (cached data stays available)."
            )
        if isinstance(exc, stripe.CardError):
            return DeclinedError(f"The card was declined: {message}")
        if status == 404:
            return NotFoundError(f"Stripe does not know that object: could not {what}.")
        if isinstance(exc, stripe.InvalidRequestError):
            return StripeRefusedError(f"Stripe refused to {what}: {message}")
        if status is not None and status >= 500:
            return StripeUnreachableError(
                f"Stripe answered with a server error ({status}) while trying to {what}; "
                "try again later."
            )
        return StripeRefusedError(f"Stripe refused to {what}: {message}")

    @staticmethod
    def _write_options(key: str | None = None) -> dict[str, Any]:
        """One idempotency key per logical write, kept across our own retries: `key`, the
        one an operator's action stored in its audit intent, else a random one."""
        return {"idempotency_key": key or f"billing-admin-{uuid.uuid4()}"}

    # -- lists -------------------------------------------------------------------------------

    def pages(
        self, what: str, fetch: Callable[[dict[str, Any]], Any], params: dict[str, Any]
    ) -> Iterator[list[Any]]:
        """The items of each page of one list, refusing pages that do not advance (`paging`):
        every list loop goes through here. `fetch(params)` sends one page's request."""
        return paging.pages(fetch, params, what=what, where=self.settings.api_base)

    def check_key(self) -> None:
        """One cheap request that the key must be allowed (it reads customers, as every sync
        does); raises `KeyProblemError` when Stripe rejects the key."""
        self.call("list customers", self.client.v1.customers.list, params={"limit": 1})

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
        if self._knows(CARDS_ROUTE) is None:
            with _CAPABILITIES_LOCK:  # one probe, not one per worker thread
                return self._cards_page_unlocked(customer_id, params)
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

    def set_default(self, customer_id: str, pm_id: str, key: str | None = None) -> CustomerData:
        obj = self.call(
            f"make {pm_id} the default card of {customer_id}",
            self.client.v1.customers.update,
            customer_id,
            params={"invoice_settings": {"default_payment_method": pm_id}},
            options=self._write_options(key),
        )
        return customer_from(obj)

    def detach(self, pm_id: str, key: str | None = None) -> CardData | None:
        obj = self.call(
            f"detach card {pm_id}",
            self.client.v1.payment_methods.detach,
            pm_id,
            options=self._write_options(key),
        )
        return card_from(obj)

    # -- billing -----------------------------------------------------------------------------

    def invoice(self, invoice_id: str) -> InvoiceData:
        try:
            obj = self.call(
                f"read invoice {invoice_id}", self.client.v1.invoices.retrieve, invoice_id
            )
        except NotFoundError:
            raise NotFoundError(f"Invoice {invoice_id} was not found on Stripe.") from None
        return invoice_from(obj)

    def subscription(self, subscription_id: str) -> SubscriptionData:
        obj = self.call(
            f"read subscription {subscription_id}",
            self.client.v1.subscriptions.retrieve,
            subscription_id,
        )
        return subscription_from(obj)

    def pay_invoice(self, invoice_id: str, pm_id: str | None, key: str) -> InvoiceData:
        """`POST /v1/invoices/{id}/pay`, once, with the intent's Idempotency-Key: charge the
        card `pm_id` (that one card, for this invoice only), else the card the invoice would
        use. A decline raises `DeclinedError` (Stripe's 402 `card_error`); an answer with the
        invoice still open (the emulator's way of declining) is returned as it is."""
        params: dict[str, Any] = {"payment_method": pm_id} if pm_id else {}
        try:
            obj = self.call(
                f"charge invoice {invoice_id}",
                self.client.v1.invoices.pay,
                invoice_id,
                params=params,
                options=self._write_options(key),
            )
        except NotFoundError:
            raise NotFoundError(f"Invoice {invoice_id} was not found on Stripe.") from None
        return invoice_from(obj)

    def subscription_pages(self, customer: str | None = None) -> Iterator[list[SubscriptionData]]:
        """Every subscription of the account (or of one customer), whatever its status, 100 a
        page."""
        params: dict[str, Any] = {"status": "all"}
        if customer:
            params["customer"] = customer
        what = f"list the subscriptions of {customer}" if customer else "list subscriptions"
        for page in self._list(what, self.client.v1.subscriptions.list, params):
            yield each(subscription_from, page, self.skipped, "subscription")

    def invoice_pages(self, since: int) -> Iterator[list[InvoiceData]]:
        """The account's invoices created at or after `since` (Unix seconds), 100 a page.

        Stripe lists invoices newest first, so the listing stops at the first page that
        reaches back past `since`: no `created` filter is sent, which the emulator lacks (it
        answers 500), and it costs Stripe no more requests than the filter would."""
        for page in self._list("list invoices", self.client.v1.invoices.list, {}):
            rows = each(invoice_from, page, self.skipped, "invoice")
            recent = [i for i in rows if i.created is None or i.created.timestamp() >= since]
            if recent:
                yield recent
            if len(recent) < len(rows):
                return

    def invoice_payment_pages(self, since: int) -> Iterator[list[InvoicePaymentData]]:
        """The account's InvoicePayments created at or after `since` (Unix seconds), each
        with its PaymentIntent and card, 100 a page; nothing where this API base has no
        InvoicePayment (the emulator: its invoices carry their charge)."""
        params = {"created": {"gte": since}, "expand": list(INVOICE_PAYMENT_EXPAND)}
        yield from self._invoice_payment_pages("list invoice payments", params)

    def invoice_payments(self, invoice_id: str) -> list[InvoicePaymentData] | None:
        """One invoice's InvoicePayments (one request, however many); None where this API
        base has none."""
        params = {"invoice": invoice_id, "expand": list(INVOICE_PAYMENT_EXPAND)}
        what = f"list the payments of invoice {invoice_id}"
        if self._knows(INVOICE_PAYMENTS_ROUTE) is None:
            with _CAPABILITIES_LOCK:  # one probe, not one per worker thread
                pages = list(self._invoice_payment_pages(what, params))
        else:
            pages = list(self._invoice_payment_pages(what, params))
        if self._knows(INVOICE_PAYMENTS_ROUTE) is False:
            return None
        return [p for page in pages for p in page]

    def _invoice_payment_pages(
        self, what: str, params: dict[str, Any]
    ) -> Iterator[list[InvoicePaymentData]]:
        if self._knows(INVOICE_PAYMENTS_ROUTE) is False:
            return
        method = self.client.v1.invoice_payments.list
        try:
            for page in self._list(what, method, params):
                self._learn(INVOICE_PAYMENTS_ROUTE, True)
                yield each(invoice_payment_from, page, self.skipped, "invoice_payment")
        except NotFoundError as exc:
            # A 404 without Stripe's JSON body: the route itself is missing (the emulator).
            if self._knows(INVOICE_PAYMENTS_ROUTE) or not isinstance(
                exc.__cause__, stripe.APIError
            ):
                raise
            log.info("this API base has no /v1/invoice_payments; reading invoices' charges")
            self._learn(INVOICE_PAYMENTS_ROUTE, False)
        else:
            self._learn(INVOICE_PAYMENTS_ROUTE, True)

    def _list(
        self, what: str, method: Callable[..., Any], params: dict[str, Any]
    ) -> Iterator[list[Any]]:
        """The items of each page of a `method` list, 100 a page, through `pages`."""

        def fetch(page_params: dict[str, Any]) -> Any:
            return self.call(what, method, params=page_params)

        for items in self.pages(what, fetch, {**params, "limit": PAGE}):
            if items:
                yield items

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

    # -- billing portal and setup intents ------------------------------------------------------

    def portal_session(self, customer_id: str) -> str:
        params: dict[str, Any] = {
            "customer": customer_id,
            "return_url": self.settings.portal_return_url,
        }
        if self.settings.portal_configuration:
            params["configuration"] = self.settings.portal_configuration
        try:
            session = self.call(
                f"open a billing portal session for {customer_id}",
                self.client.v1.billing_portal.sessions.create,
                params=params,
                options=self._write_options(),
            )
        except NotFoundError as exc:
            if isinstance(exc.__cause__, stripe.InvalidRequestError):
                raise NotFoundError(f"Customer {customer_id} was not found on Stripe.") from None
            # A 404 without a JSON body: this API base (an emulator) has no billing portal.
            raise StripeRefusedError(
                f"{self.settings.api_base} offers no billing portal sessions."
            ) from None
        return portal_url_from(session)

    def create_setup_intent(self, customer_id: str) -> SetupIntentData:
        obj = self.call(
            f"start adding a card to {customer_id}",
            self.client.v1.setup_intents.create,
            params={
                "customer": customer_id,
                "usage": "off_session",
                "payment_method_types": ["card"],
            },
            options=self._write_options(),
        )
        return setup_intent_from(obj, with_secret=True)

    def setup_intent(self, seti_id: str) -> SetupIntentData:
        obj = self.call(
            f"read setup intent {seti_id}", self.client.v1.setup_intents.retrieve, seti_id
        )
        return setup_intent_from(obj, with_secret=False)

    def cancel_setup_intent(self, seti_id: str) -> None:
        self.call(
            f"cancel setup intent {seti_id}",
            self.client.v1.setup_intents.cancel,
            seti_id,
            options=self._write_options(),
        )

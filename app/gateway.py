"""The only module that talks to Stripe.

It turns Stripe objects into small frozen dataclasses at the boundary, spaces requests
under a client-side rate limit, retries 429 answers with back-off (reusing the same
idempotency key for writes), and turns Stripe's exceptions into one-sentence KnownErrors.
"""

from __future__ import annotations

import logging
import random
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

import stripe

from app.credentials import Mode, SecretKey
from app.errors import (
    KeyProblemError,
    KnownError,
    NotFoundError,
    StripeRefusedError,
    StripeUnreachableError,
)
from app.ratelimit import RateLimiter
from app.records import CardData, CustomerData
from app.settings import Settings

log = logging.getLogger(__name__)
T = TypeVar("T")

DEFAULT_RATE = {Mode.TEST: 20.0, Mode.LIVE: 80.0}
#: Events that change what the cache holds.
CARD_EVENTS = (
    "customer.created",
    "customer.updated",
    "customer.deleted",
    "payment_method.attached",
    "payment_method.detached",
    "payment_method.updated",
    "payment_method.automatically_updated",
)
PAGE = 100
#: What each API base turned out to support, learnt once per process: the emulator lacks
#: GET /v1/customers/{id}/payment_methods and the `types` filter on events.
_CAPABILITIES: dict[tuple[str, str], bool] = {}
_CAPABILITIES_LOCK = threading.Lock()
CARDS_ROUTE = "GET /v1/customers/{id}/payment_methods"
TYPES_FILTER = "types filter on /v1/events"


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


@dataclass(frozen=True)
class SetupIntentData:
    id: str
    status: str
    customer: str | None
    payment_method: str | None
    client_secret: str | None = None

    def __repr__(self) -> str:  # the client secret never reaches a log line
        return f"SetupIntentData({self.id}, {self.status}, customer={self.customer})"


@dataclass(frozen=True)
class EventPage:
    events: list[EventData]
    #: The server's clock (Unix seconds) when it answered, from the Date header.
    server_time: int | None


def _plain(obj: Any) -> Mapping[str, Any]:
    """A StripeObject as the plain dict it was sent as (test payloads already are)."""
    to_dict = getattr(obj, "to_dict", None)
    return to_dict() if callable(to_dict) else obj  # type: ignore[no-any-return]


def _id(value: Any) -> str | None:
    """An id from a field that may be an id string or an expanded object."""
    if value is None or isinstance(value, str):
        return value
    return str(value.get("id")) if isinstance(value, Mapping) else None


def customer_from(obj: Any) -> CustomerData:
    obj = _plain(obj)
    settings = obj.get("invoice_settings") or {}
    default = _id(settings.get("default_payment_method"))
    if not default:
        source = _id(obj.get("default_source"))
        default = source if source and source.startswith("card_") else None
    return CustomerData(
        id=str(obj["id"]),
        name=obj.get("name") or "",
        email=obj.get("email") or "",
        default_payment_method=default,
        created=obj.get("created"),
        deleted=bool(obj.get("deleted")),
    )


def card_from(obj: Any) -> CardData | None:
    """Only the safe metadata of a card payment method; None for other types."""
    obj = _plain(obj)
    card = obj.get("card") if obj.get("type", "card") == "card" else None
    if obj.get("object") == "card":  # a legacy card_ source
        card = obj
    if not card:
        return None
    return CardData(
        id=str(obj["id"]),
        customer=_id(obj.get("customer")),
        card_type=str(card.get("brand") or "unknown").lower().replace(" ", "_"),
        last_four=str(card.get("last4") or "")[-4:],
        exp_month=int(card.get("exp_month") or 0),
        exp_year=int(card.get("exp_year") or 0),
        country=card.get("country"),
        funding=card.get("funding"),
        created=obj.get("created"),
    )


def event_from(obj: Any) -> EventData:
    """Turn a Stripe event (as the API or Stripe's reference shows it) into EventData."""
    obj = _plain(obj)
    data = obj.get("data") or {}
    target = data.get("object") or {}
    previous = data.get("previous_attributes") or {}
    kind = str(obj["type"])
    customer: str | None = None
    customer_data = None
    payment_method = None
    if kind.startswith("customer.") and target.get("object", "customer") == "customer":
        customer_data = customer_from(target)
        customer = customer_data.id
    elif kind.startswith("payment_method."):
        payment_method = target.get("id")
        customer = _id(target.get("customer")) or _id(previous.get("customer"))
    return EventData(
        id=str(obj["id"]),
        type=kind,
        created=int(obj["created"]),
        customer=customer,
        customer_data=customer_data,
        payment_method=payment_method,
    )


class Gateway:
    """Typed, rate-limited access to the Stripe API for one key."""

    def __init__(
        self,
        key: SecretKey,
        settings: Settings,
        *,
        max_network_retries: int = 2,
        timeout: float = 30.0,
        max_rate_limit_retries: int = 8,
    ) -> None:
        self.key = key
        self.settings = settings
        self.rate = settings.rate_limit or DEFAULT_RATE[key.mode]
        self.limiter = RateLimiter(self.rate)
        self.max_rate_limit_retries = max_rate_limit_retries
        self.client = stripe.StripeClient(
            key.value,
            base_addresses={"api": settings.api_base},
            max_network_retries=max_network_retries,
            http_client=stripe.RequestsClient(timeout=timeout),
        )
        self.requests_sent = 0  # counted under a lock: several sync threads send at once
        self._count_lock = threading.Lock()

    def _knows(self, capability: str) -> bool | None:
        """Whether this API base supports `capability` (None: not asked yet)."""
        return _CAPABILITIES.get((self.settings.api_base, capability))

    def _learn(self, capability: str, supported: bool) -> None:
        _CAPABILITIES[(self.settings.api_base, capability)] = supported

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
        message = exc.user_message or str(exc) or type(exc).__name__
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
        if isinstance(exc, stripe.APIConnectionError):
            return StripeUnreachableError(
                f"Stripe could not be reached at {self.settings.api_base}: "
                "check the network connection (cached data stays available)."
            )
        if isinstance(exc, stripe.CardError):
            return StripeRefusedError(f"The card was declined: {message}")
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
    def _write_options() -> dict[str, Any]:
        """One idempotency key per logical write, kept across our own retries."""
        return {"idempotency_key": f"billing-admin-{uuid.uuid4()}"}

    # -- customers ---------------------------------------------------------------------------

    def customer_pages(self) -> Iterator[list[CustomerData]]:
        """Every customer, 100 a page."""
        after: str | None = None
        while True:
            params: dict[str, Any] = {"limit": PAGE}
            if after:
                params["starting_after"] = after
            page = self.call("list customers", self.client.v1.customers.list, params=params)
            rows = [customer_from(c) for c in page.data]
            if rows:
                yield rows
            if not page.has_more or not rows:
                return
            after = rows[-1].id

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
        out: list[CardData] = []
        after: str | None = None
        while True:
            page = self._cards_page(customer_id, after)
            out.extend(c for c in (card_from(pm) for pm in page.data) if c is not None)
            if not page.has_more or not page.data:
                return out
            after = str(page.data[-1].id)

    def _cards_page(self, customer_id: str, after: str | None) -> Any:
        if self._knows(CARDS_ROUTE) is None:
            with _CAPABILITIES_LOCK:  # one probe, not one per worker thread
                return self._cards_page_unlocked(customer_id, after)
        return self._cards_page_unlocked(customer_id, after)

    def _cards_page_unlocked(self, customer_id: str, after: str | None) -> Any:
        params: dict[str, Any] = {"limit": PAGE, "type": "card"}
        if after:
            params["starting_after"] = after
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

    def set_default(self, customer_id: str, pm_id: str) -> CustomerData:
        obj = self.call(
            f"make {pm_id} the default card of {customer_id}",
            self.client.v1.customers.update,
            customer_id,
            params={"invoice_settings": {"default_payment_method": pm_id}},
            options=self._write_options(),
        )
        return customer_from(obj)

    def detach(self, pm_id: str) -> CardData | None:
        obj = self.call(
            f"detach card {pm_id}",
            self.client.v1.payment_methods.detach,
            pm_id,
            options=self._write_options(),
        )
        return card_from(obj)

    # -- events ------------------------------------------------------------------------------

    def latest_server_time(self) -> int | None:
        """The server's clock now, from the Date header of a cheap request."""
        page = self.call("list events", self.client.v1.events.list, params={"limit": 1})
        return _server_time(page)

    def events_since(self, created: int) -> Iterator[EventData]:
        """Card-related events created at or after `created` (Unix seconds), any order."""
        after: str | None = None
        while True:
            page = self._events_page(created, after)
            for obj in page.data:
                if obj.type in CARD_EVENTS:
                    yield event_from(obj)
            if not page.has_more or not page.data:
                return
            after = str(page.data[-1].id)

    def _events_page(self, created: int, after: str | None) -> Any:
        params: dict[str, Any] = {"limit": PAGE, "created": {"gte": created}}
        if after:
            params["starting_after"] = after
        if self._knows(TYPES_FILTER) is not False:
            try:
                page = self.call(
                    "list events",
                    self.client.v1.events.list,
                    params={**params, "types": list(CARD_EVENTS)},
                )
                self._learn(TYPES_FILTER, True)
                return page
            except StripeRefusedError:
                if self._knows(TYPES_FILTER):
                    raise
                # The emulator knows only `type`; filter on our side instead.
                self._learn(TYPES_FILTER, False)
        return self.call("list events", self.client.v1.events.list, params=params)

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
        return str(session.url)

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
        return _setup_intent_from(obj, with_secret=True)

    def setup_intent(self, seti_id: str) -> SetupIntentData:
        obj = self.call(
            f"read setup intent {seti_id}", self.client.v1.setup_intents.retrieve, seti_id
        )
        return _setup_intent_from(obj, with_secret=False)

    def cancel_setup_intent(self, seti_id: str) -> None:
        self.call(
            f"cancel setup intent {seti_id}",
            self.client.v1.setup_intents.cancel,
            seti_id,
            options=self._write_options(),
        )


def _setup_intent_from(obj: Any, *, with_secret: bool) -> SetupIntentData:
    obj = _plain(obj)
    return SetupIntentData(
        id=str(obj["id"]),
        status=str(obj["status"]),
        customer=_id(obj.get("customer")),
        payment_method=_id(obj.get("payment_method")),
        client_secret=obj.get("client_secret") if with_secret else None,
    )


def _server_time(obj: Any) -> int | None:
    response = getattr(obj, "last_response", None)
    date = response.headers.get("Date") if response is not None else None
    if not date:
        return None
    try:
        return int(parsedate_to_datetime(date).timestamp())
    except (TypeError, ValueError):
        return None

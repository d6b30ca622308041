"""The Gateway's request machinery: one Stripe client for one key, every request sent under
the rate limit (`call`), 429 answers retried with back-off (reusing the same idempotency key
for writes), Stripe's exceptions turned into one-sentence KnownErrors (`translate`), and every
list followed through `paging`, which stops a list whose pages do not advance.
"""

from __future__ import annotations

import logging
import random
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
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
from app.gateway.ratelimit import RateLimiter
from app.gateway.transport import (
    ConnectionProblem,
    DeadlineClient,
    DeadlinePassed,
    NotStripesAnswer,
    check_live_key_destination,
)
from app.records import Skipped
from app.settings import Settings
from app.settings.credentials import Mode, SecretKey

log = logging.getLogger(__name__)
T = TypeVar("T")

DEFAULT_RATE = {Mode.TEST: 20.0, Mode.LIVE: 80.0}
PAGE = 100
#: What each API base turned out to support, learnt once per process: the emulator lacks
#: GET /v1/customers/{id}/payment_methods and the `types` filter on events.
_CAPABILITIES: dict[tuple[str, str], bool] = {}
_CAPABILITIES_LOCK = threading.Lock()
CARDS_ROUTE = "GET /v1/customers/{id}/payment_methods"


class Sender:
    """Typed, rate-limited requests to the Stripe API for one key: what the Gateway's reads
    and writes are sent through.

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

    def _probing(self, capability: str) -> AbstractContextManager[Any]:
        """What a request that may learn `capability` holds: while it is not known yet, the
        one lock (one probe, not one per worker thread); after, nothing."""
        return _CAPABILITIES_LOCK if self._knows(capability) is None else nullcontext()

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

    def _list(
        self, what: str, method: Callable[..., Any], params: dict[str, Any]
    ) -> Iterator[list[Any]]:
        """The items of each page of a `method` list, 100 a page, through `pages`."""

        def fetch(page_params: dict[str, Any]) -> Any:
            return self.call(what, method, params=page_params)

        for items in self.pages(what, fetch, {**params, "limit": PAGE}):
            if items:
                yield items

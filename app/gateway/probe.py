"""One request whose answer is looked at rather than acted on (`billing-admin doctor`).

A refusal is an answer here: a probe wants the status Stripe gave (403 for a permission the
key lacks, 404 for an object that does not exist), its error code and sentence, and the Date
header, whatever the status. Only no answer at all (no network, a deadline passed, a page
that is not Stripe's) raises, as the gateway's one sentence for it.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

import stripe

from app import untrusted
from app.gateway.client import Gateway


@dataclass(frozen=True)
class Answer:
    """What Stripe (or the server at the API base) answered."""

    status: int
    #: Stripe's error code (`resource_missing`, `more_permissions_required`), if any.
    code: str | None
    #: Stripe's error sentence, made safe to repeat (`untrusted.message`); "" on success.
    message: str
    #: The body as JSON, or None when it was not JSON (a route the API base lacks).
    body: dict[str, Any] | None
    #: The server's clock (the Date header), Unix seconds.
    server_time: float | None
    #: Our clock halfway between sending and receiving, Unix seconds.
    local_time: float
    #: Stripe's Request-Id header: what Stripe's support asks for about an answer.
    request_id: str | None = None

    @property
    def reference(self) -> str:
        """ " (Request-Id req_…)" to end a sentence about this answer, or ""."""
        return f" (Request-Id {self.request_id})" if self.request_id else ""

    @property
    def from_stripe(self) -> bool:
        """Stripe answers everything, refusals included, with a JSON object."""
        return self.body is not None


def send(gateway: Gateway, method: str, path: str, params: dict[str, Any], what: str) -> Answer:
    """Send one request; `what` completes "could not reach Stripe while trying to ..."."""
    gateway.limiter.acquire()
    started = time.time()
    try:
        response = gateway.client.raw_request(method, path, **params)
    except stripe.APIConnectionError as exc:  # no answer, or one that is not Stripe's
        raise gateway.translate(exc, what) from exc
    except stripe.StripeError as exc:
        middle = (started + time.time()) / 2
        body = exc.json_body if isinstance(exc.json_body, dict) else None
        error = body.get("error") if body else None
        text = error.get("message") if isinstance(error, dict) else None
        return Answer(
            status=exc.http_status or 0,
            code=exc.code,
            message=untrusted.message(str(text)) if text else "",
            body=body,
            server_time=_date(exc.headers),
            local_time=middle,
            request_id=_request_id(exc.request_id),
        )
    middle = (started + time.time()) / 2
    try:
        body = json.loads(response.body)
    except ValueError:
        body = None
    return Answer(
        status=response.code,
        code=None,
        message="",
        body=body if isinstance(body, dict) else None,
        server_time=_date(response.headers),
        local_time=middle,
        request_id=_request_id(response.headers.get("Request-Id") if response.headers else None),
    )


def _request_id(value: object) -> str | None:
    """Stripe's request ids are short tokens (req_…); anything else is not repeated."""
    text = str(value) if value else ""
    return text if text and len(text) <= 64 and text.replace("_", "").isalnum() else None


def _date(headers: Any) -> float | None:
    value = headers.get("Date") if headers is not None else None
    if not value:
        return None
    try:
        return parsedate_to_datetime(str(value)).timestamp()
    except (TypeError, ValueError):
        return None

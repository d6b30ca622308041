"""The Gateway's writes: each sent once per logical change, with the Idempotency-Key the
operator's action stored in its audit intent (else a random one): a default card, a card
detached, an invoice charged, a billing portal session, a SetupIntent."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import stripe

from app.errors import NotFoundError, StripeRefusedError, UnreadableAnswerError
from app.gateway.convert import (
    SetupIntentData,
    Unconvertible,
    card_from,
    customer_from,
    invoice_from,
    portal_url_from,
    setup_intent_from,
)
from app.gateway.sending import Sender
from app.records import CardData, CustomerData, InvoiceData

T = TypeVar("T")


def _after_the_change(convert: Callable[[Any], T], obj: Any, done: str) -> T:
    """Stripe's answer to a write that succeeded, converted; an answer not in Stripe's shape
    does not undo what Stripe did: it is said so, and the intent is left for a sync."""
    try:
        return convert(obj)
    except Unconvertible as exc:
        raise UnreadableAnswerError(
            f"Stripe {done}, but its answer could not be read ({exc.reason}): the next sync "
            "records the change."
        ) from exc


class Writes(Sender):
    """What changes something on Stripe, and the SetupIntents that add a card."""

    def set_default(self, customer_id: str, pm_id: str, key: str | None = None) -> CustomerData:
        obj = self.call(
            f"make {pm_id} the default card of {customer_id}",
            self.client.v1.customers.update,
            customer_id,
            params={"invoice_settings": {"default_payment_method": pm_id}},
            options=self._write_options(key),
        )
        return _after_the_change(customer_from, obj, f"made {pm_id} the default card")

    def detach(self, pm_id: str, key: str | None = None) -> CardData | None:
        obj = self.call(
            f"detach card {pm_id}",
            self.client.v1.payment_methods.detach,
            pm_id,
            options=self._write_options(key),
        )
        return _after_the_change(card_from, obj, f"detached card {pm_id}")

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
        return _after_the_change(invoice_from, obj, f"charged invoice {invoice_id}")

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

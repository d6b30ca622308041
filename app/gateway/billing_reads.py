"""The Gateway's reads of billing: invoices, subscriptions and InvoicePayments (where the
API base has them: the emulator's invoices embed their charge instead)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import stripe

from app.errors import NotFoundError
from app.gateway.convert import (
    each,
    invoice_from,
    invoice_payment_from,
    subscription_from,
)
from app.gateway.sending import Sender
from app.records import InvoiceData, InvoicePaymentData, SubscriptionData

log = logging.getLogger(__name__)

#: The emulator has no InvoicePayment: its invoices embed their `charge` instead.
INVOICE_PAYMENTS_ROUTE = "GET /v1/invoice_payments"
#: Each InvoicePayment's PaymentIntent with its card (that paid, or in `last_payment_error`,
#: always an object): four levels, the most Stripe expands.
INVOICE_PAYMENT_EXPAND = ("data.payment.payment_intent.payment_method",)
#: The events after which an incremental sync reads the invoice's InvoicePayments.
PAYMENT_EVENTS = ("invoice.payment_failed", "invoice.paid")


class BillingReads(Sender):
    """Invoices, subscriptions and InvoicePayments, read from Stripe."""

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
        with self._probing(INVOICE_PAYMENTS_ROUTE):
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

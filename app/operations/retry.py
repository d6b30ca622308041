"""Retry an open invoice's payment now: `POST /v1/invoices/{id}/pay`, exactly once, with the
Idempotency-Key its audit intent carries (`RETRY_PAYMENT` in `app.operations.declared`).

A decline is Stripe's 402 `card_error`, or (the emulator) a 200 with the invoice still
open and the reason in its embedded charge: both are `DeclinedError` (exit status 6), and
either way the invoice changed on Stripe (one more attempt), so it is read again into the
cache. Success writes the paid invoice from Stripe's answer and reads its subscription
again, so "Needs attention" drops the customer at once.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import TYPE_CHECKING

from app.billing.money import amount_text
from app.cache import billing_queries, queries, store
from app.cache.models import DATABASE_ERRORS, now
from app.errors import DeclinedError, KnownError, NotFoundError, UsageError
from app.ids import check_card_id
from app.operations.policy import invoice_name, retry_refusal
from app.records import Action, CardData, CardRow, InvoiceData, InvoiceRow

if TYPE_CHECKING:
    from app.operations import Operations

log = logging.getLogger(__name__)
#: What a decline says when Stripe gave no reason (the emulator's 3-D Secure card).
NO_REASON = "The card was declined (Stripe gave no reason)."


def known_invoice(invoice_id: str) -> InvoiceRow:
    """The cached invoice, or NotFoundError (exit status 3)."""
    if not invoice_id.startswith("in_") or not invoice_id.isascii() or len(invoice_id) > 255:
        raise UsageError(f"{invoice_id!r} is not an invoice id (in_...).")
    invoice = billing_queries.invoice(invoice_id)
    if invoice is None:
        raise NotFoundError(
            f"Invoice {invoice_id} is not in the cache: run 'billing-admin sync' first."
        )
    return invoice


def paying_card(invoice: InvoiceRow) -> CardRow | None:
    """The cached card the invoice would be charged to: its subscription's payer, else the
    customer's default card."""
    if invoice.subscription:
        for sub in billing_queries.subscriptions_of(invoice.customer):
            if sub.id == invoice.subscription and sub.payment_method:
                return queries.card(sub.payment_method)
    customer = queries.customer(invoice.customer)
    if customer is None or not customer.default_payment_method:
        return None
    return queries.card(customer.default_payment_method)


def refusal_before_asking(
    invoice: InvoiceRow, pm_id: str | None, today: date, *, emulator: bool
) -> str:
    """What the cache alone says against the retry, or "" (asked before any request)."""
    card: CardRow | None = queries.card(pm_id) if pm_id else paying_card(invoice)
    if pm_id and card is None and invoice.status == "open" and not emulator:
        return ""  # a card the cache lacks: judged on what Stripe says of it (`retry_payment`)
    return retry_refusal(
        invoice,
        card,
        card_customer=card.customer if card else None,
        today=today,
        chosen_card=pm_id is not None,
        emulator=emulator,
    )


def facts_detail(invoice: InvoiceRow, card: CardRow | CardData | None) -> dict[str, object]:
    """What the audit log keeps of a charge: the amount, the invoice, the card."""
    return {
        "amount": amount_text(invoice.amount_remaining, invoice.currency),
        "invoice": invoice_name(invoice),
        "card": card.display_name if card else "the customer's default card",
    }


def retry_payment(ops: Operations, invoice_id: str, pm_id: str | None, today: date) -> InvoiceRow:
    """The operation itself (`Operations.retry_payment`): refused before any request when
    the cache says no, then one audited POST."""
    invoice = known_invoice(invoice_id)
    emulator = ops.gateway.emulated
    if pm_id is not None:
        check_card_id(pm_id)
    refusal = refusal_before_asking(invoice, pm_id, today, emulator=emulator)
    if refusal:
        ops.refuse(Action.RETRY_PAYMENT, invoice.id, invoice.customer, refusal)
        raise UsageError(refusal)
    cached: CardRow | CardData | None = queries.card(pm_id) if pm_id else paying_card(invoice)
    with ops._audited(
        Action.RETRY_PAYMENT,
        customer=invoice.customer,
        target=invoice.id,
        detail=facts_detail(invoice, cached),
    ) as pending:
        if pm_id is not None:
            card = ops.gateway.payment_method(pm_id)  # what Stripe says, not the cache
            refusal = retry_refusal(
                invoice, card, card_customer=card.customer, today=today, chosen_card=True
            )
            if refusal:
                raise UsageError(refusal)
            cached = card
        assert pending.key is not None
        try:
            answer = ops.gateway.pay_invoice(invoice.id, pm_id, pending.key)
        except DeclinedError:
            _read_again(ops, invoice.id)
            raise
        if answer.status != "paid":
            _write(ops, [answer])  # one more attempt, and its reason
            raise DeclinedError(
                f"The card was declined: {answer.failure_message}"
                if answer.failure_message
                else NO_REASON
            )
        subscription = None
        if answer.subscription:
            try:
                subscription = ops.gateway.subscription(answer.subscription)
            except KnownError as exc:  # paid all the same; the next sync reads it
                log.warning("paid %s; reading %s failed: %s", invoice.id, answer.subscription, exc)
        detail = {**facts_detail(invoice, cached), "status": answer.status}
        with ops._done(pending, detail, customer=invoice.customer) as at:
            store.upsert_invoices([answer], at)
            if subscription is not None:
                store.upsert_subscriptions([subscription], at)
    log.info("paid %s with %s", invoice.id, pm_id or "the invoice's card")
    paid = billing_queries.invoice(invoice.id)
    assert paid is not None
    return paid


def _read_again(ops: Operations, invoice_id: str) -> None:
    """A declined charge changed the invoice on Stripe (its attempt count): read it, as
    `Refusal.TARGET_CHANGED` of its declaration says."""
    try:
        _write(ops, [ops.gateway.invoice(invoice_id)])
    except KnownError as exc:
        log.warning("could not read %s again after a decline: %s", invoice_id, exc)


def _write(ops: Operations, invoices: list[InvoiceData]) -> None:
    try:
        with ops.db.atomic():
            store.upsert_invoices(invoices, now())
            store.bump_version()
    except DATABASE_ERRORS:  # the decline stands; the next sync records the attempt
        log.exception("could not record the declined attempt on %s", invoices[0].id)

"""Tell the customer how to pay: the invoice's hosted page (`hosted_invoice_url`), where they
pay with a card of their choice. It lasts far longer than a portal link (Stripe keeps it
valid until 30 days after the due date, and a link read through the API at least 10 days
after the read), so it is read from Stripe when Stripe answers (a fresh link), else taken
from the cache with a warning that it may have expired.

Nothing here changes anything on Stripe; what the operator did with the link (copied it,
opened an email, copied the email's text) is written to the audit log as just that, never
as an email sent. Nothing here touches Qt.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from urllib.parse import quote

from app import untrusted
from app.billing.money import amount_text
from app.cache import billing_queries, queries, store
from app.cache.db import Database
from app.cache.models import DATABASE_ERRORS, now
from app.errors import CacheError, NotFoundError, StripeUnreachableError
from app.gateway import Gateway
from app.operations.policy import email_address, invoice_name, link_refusal, no_page
from app.operations.retry import known_invoice
from app.records import Action, InvoiceRow
from app.settings import DEFAULT_PAYMENT_EMAIL

log = logging.getLogger(__name__)

#: Said with a link taken from the cache.
MAY_HAVE_EXPIRED = (
    "Stripe could not be asked for a fresh link: this one is from the last sync and may have "
    "expired (Stripe keeps it valid until 30 days after the due date)."
)


@dataclass(frozen=True)
class PaymentLink:
    invoice: InvoiceRow
    url: str
    #: Read from Stripe just now (False: the cache's, which may have expired).
    fresh: bool
    note: str = ""


def payment_link(
    gateway: Gateway | None, db: Database, invoice_id: str, origins: tuple[str, ...]
) -> PaymentLink:
    """The invoice's page: read from Stripe (and written to the cache) when `gateway` is given
    and answers, else the cached one with a warning. NotFoundError (exit status 3) when
    Stripe gave no page; a page off Stripe's hosts is never given out."""
    invoice = known_invoice(invoice_id)
    fresh = False
    note = ""
    if gateway is None:
        note = MAY_HAVE_EXPIRED
    else:
        try:
            answer = gateway.invoice(invoice.id)
        except StripeUnreachableError as exc:
            log.info("payment link of %s from the cache: %s", invoice.id, exc)
            note = MAY_HAVE_EXPIRED
        else:
            fresh = True
            try:
                with db.atomic():
                    store.upsert_invoices([answer], now())
                    store.bump_version()
            except DATABASE_ERRORS:
                log.exception("could not write %s read for its payment link", invoice.id)
            invoice = billing_queries.invoice(invoice.id) or invoice
            if answer.hosted_invoice_url != invoice.hosted_invoice_url:
                invoice = replace(invoice, hosted_invoice_url=answer.hosted_invoice_url)
    if not invoice.hosted_invoice_url:
        raise NotFoundError(no_page(invoice))
    url = untrusted.stripe_page(invoice.hosted_invoice_url, origins)
    if url is None:
        raise NotFoundError(link_refusal(invoice, origins) or no_page(invoice))
    return PaymentLink(invoice, url, fresh, note)


@dataclass(frozen=True)
class Email:
    to: str
    subject: str
    body: str

    @property
    def mailto(self) -> str:
        """The mailto: URL (RFC 6068) the desktop's mail program opens."""
        return (
            f"mailto:{quote(self.to, safe='@')}?subject={quote(self.subject, safe='')}"
            f"&body={quote(self.body, safe='')}"
        )

    @property
    def text(self) -> str:
        """What is offered for copying when no mail program opens."""
        return f"To: {self.to}\nSubject: {self.subject}\n\n{self.body}"


def payment_email(link: PaymentLink, to: str, customer: str, template: str) -> Email:
    """The email `template` makes (the subject on its first line, then the body)."""
    values = {
        "customer": untrusted.one_line(customer).strip() or "there",
        "amount": amount_text(link.invoice.amount_remaining, link.invoice.currency),
        "invoice": invoice_name(link.invoice),
        "link": link.url,
    }
    try:
        text = template.format(**values)
    except (KeyError, IndexError, ValueError, AttributeError):
        text = DEFAULT_PAYMENT_EMAIL.format(**values)
    subject, _, body = text.partition("\n")
    return Email(to, subject.strip(), body.lstrip("\n"))


def told(db: Database, profile: str, action: Action, link: PaymentLink, to: str = "") -> None:
    """Write what the operator did with the link to the audit log (Activity): copied it,
    opened an email to `to`, or copied the email's text. Nothing was sent by billing-admin."""
    invoice = link.invoice
    detail = {
        "invoice": invoice_name(invoice),
        "amount": amount_text(invoice.amount_remaining, invoice.currency),
        "link": "read from Stripe" if link.fresh else "from the cache (may have expired)",
    }
    if to:
        detail = {"to": to, **detail}
    try:
        with db.atomic():
            store.audit(profile, action, invoice.id, "ok", customer=invoice.customer, detail=detail)
    except DATABASE_ERRORS as exc:
        raise CacheError(
            f"The audit log could not be written ({untrusted.message(str(exc))})."
        ) from exc


def customer_email(invoice: InvoiceRow) -> tuple[str, str | None]:
    """The customer's name (or id) and their address when it can be put in a mailto: URL."""
    customer = queries.customer(invoice.customer)
    if customer is None:
        return invoice.customer, None
    return customer.label, email_address(customer.email)

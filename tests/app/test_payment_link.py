"""`billing-admin payment-link`: the invoice's hosted page, read from Stripe when it answers
(on the stand-in in today's shapes), the cached one with a warning when it does not, exit
status 3 where Stripe gave no page (the emulator), and only Stripe's pages ever printed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from app.cache import billing_queries
from app.operations.tell import Email, payment_email
from app.settings import DEFAULT_PAYMENT_EMAIL, _payment_email_template
from app.untrusted import stripe_page
from tests.support.account import Account
from tests.support.billing_account import DECLINED, plan, subscribe
from tests.support.standin import StandIn, open_invoice

PAGE = "https://invoice.stripe.com/i/acct_1StandIn/test_YWNjdF8xU3RhbmRJbg?s=ap"
FRESH = "https://invoice.stripe.com/i/acct_1StandIn/test_RnJlc2hMaW5rUmVhZE5vdw?s=ap"


def _open_invoice(standin: StandIn, url: str | None = PAGE) -> dict[str, Any]:
    return open_invoice(standin, url)


def _audit(cli: Any) -> list[dict[str, Any]]:
    ran = cli("audit", "--json")
    assert ran.code == 0, ran.err
    entries: list[dict[str, Any]] = json.loads(ran.out)["entries"]
    return entries


def test_the_link_is_read_fresh_from_stripe_and_the_cached_one_offline_is_warned_of(
    standin: StandIn, ca: Path, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    invoice = _open_invoice(standin)
    assert cli("config", "set", "ca_file", str(ca / "ca.pem")).code == 0
    assert cli("sync", "--full").code == 0
    invoice["hosted_invoice_url"] = FRESH  # Stripe gives a new link with every read

    ran = cli("payment-link", "in_StandInOpen0001")

    assert ran.code == 0, ran.err
    assert ran.out == FRESH + "\n" and "warning" not in ran.err
    assert ("GET", "/v1/invoices/in_StandInOpen0001", 200) in [
        (m, p.split("?")[0], s) for m, p, s in standin.answered
    ]
    cached = billing_queries.invoice("in_StandInOpen0001")
    assert cached is not None and cached.hosted_invoice_url == FRESH  # kept for offline
    ran = cli("payment-link", "in_StandInOpen0001", "--json")
    answer = json.loads(ran.out)
    assert answer["url"] == FRESH and answer["fresh"] is True and answer["number"] == "4F2A-0007"

    # Stripe cannot be reached: the cached link, with a warning that it may have expired.
    monkeypatch.setenv("STRIPE_API_BASE", "https://127.0.0.1:9")
    ran = cli("payment-link", "in_StandInOpen0001", "--json")
    assert ran.code == 0, ran.err
    answer = json.loads(ran.out)
    assert answer["url"] == FRESH and answer["fresh"] is False
    assert "may have expired" in ran.err and ran.err.startswith("warning:")

    entries = [e for e in _audit(cli) if e["action"] == "payment-link"]
    assert len(entries) == 3 and {e["outcome"] for e in entries} == {"ok"}
    assert "may have expired" in entries[0]["detail"]


def test_a_page_off_stripe_s_hosts_is_never_printed(standin: StandIn, ca: Path, cli: Any) -> None:
    _open_invoice(standin, "https://invoice.stripe.com.evil.example/pay")
    assert cli("config", "set", "ca_file", str(ca / "ca.pem")).code == 0
    assert cli("sync", "--full").code == 0

    ran = cli("payment-link", "in_StandInOpen0001")

    assert ran.code == 3 and ran.out == ""
    assert "not on Stripe's invoice host" in ran.err and "\x1b" not in ran.err


@pytest.mark.emulator
def test_the_emulator_gives_no_page_exit_3(account: Account, cli: Any) -> None:
    cus, _ = account.customer("Failing Fiona", cards=[(DECLINED, 12, 2030)], default=0)
    subscribe(account, cus, plan(account, 4900, "eur", "Pro"))
    assert cli("sync", "--full").code == 0
    (invoice,) = billing_queries.invoices_of(cus)

    ran = cli("payment-link", invoice.id)

    assert ran.code == 3 and ran.out == ""
    assert ran.err.startswith(f"error: Stripe gave no payment page for invoice {invoice.id}")
    assert not [e for e in _audit(cli) if e["action"] == "payment-link"]
    assert cli("payment-link", "in_NoSuchInvoice").code == 3


def test_only_stripe_s_pages_pass() -> None:
    assert stripe_page(PAGE) == PAGE
    for url in (
        "http://invoice.stripe.com/i/x",
        "https://invoice.stripe.com.evil.example/i/x",
        "https://user@invoice.stripe.com/i/x",
        "https://invoice.stripe.com/i/x y",
        "https://invoice.stripe.com/i/x\n",
        "javascript:alert(1)",
        "https://evil.example/i/x",
        None,
    ):
        assert stripe_page(url) is None, url
    assert stripe_page("http://127.0.0.1:8420/i/x", ("http://127.0.0.1:8420",))
    assert stripe_page("http://127.0.0.1:8421/i/x", ("http://127.0.0.1:8420",)) is None


def test_the_email_is_made_from_the_template() -> None:
    from app.operations.tell import PaymentLink
    from app.records import InvoiceRow

    invoice = InvoiceRow(
        id="in_1",
        number="4F2A-0007",
        customer="cus_1",
        subscription=None,
        status="open",
        amount_due=4900,
        amount_paid=0,
        amount_remaining=4900,
        currency="eur",
        created=None,
        due_date=None,
        paid_at=None,
        attempt_count=1,
        next_payment_attempt=None,
        payment_method=None,
        card_label=None,
        failure_message=None,
        hosted_invoice_url=PAGE,
    )
    email = payment_email(
        PaymentLink(invoice, PAGE, True),
        "fiona@example.com",
        "Fiona\nBcc: x",
        DEFAULT_PAYMENT_EMAIL,
    )
    assert email.subject == "Invoice 4F2A-0007: €49.00 to pay"
    assert "Hello Fiona Bcc: x," in email.body and PAGE in email.body and "€49.00" in email.body
    assert email.mailto.startswith("mailto:fiona@example.com?subject=Invoice%204F2A-0007")
    assert "\n" not in email.mailto and "&bcc" not in email.mailto.lower()
    assert isinstance(email, Email) and email.text.startswith("To: fiona@example.com\n")
    with pytest.raises(Exception, match="must name"):
        _payment_email_template("Subject\nNo link here")


@pytest.mark.emulator
def test_one_vocabulary_for_statuses_in_the_tables(account: Account, cli: Any) -> None:
    """The CLI's tables say what the window says; Stripe's status stays in JSON."""
    cus, _ = account.customer("Failing Fiona", cards=[(DECLINED, 12, 2030)], default=0)
    subscribe(account, cus, plan(account, 4900, "eur", "Pro"))
    assert cli("sync", "--full").code == 0

    ran = cli("invoices", cus)
    assert "Open · 1 failed attempt" in ran.out and " open " not in ran.out
    assert json.loads(cli("invoices", cus, "--json").out)["invoices"][0]["status"] == "open"
    ran = cli("subscriptions", cus)
    assert "Incomplete" in ran.out and "incomplete" not in ran.out
    subscriptions = json.loads(cli("subscriptions", cus, "--json").out)["subscriptions"]
    assert subscriptions[0]["status"] == "incomplete"

"""`billing-admin retry-payment`: on the emulator (a declined first invoice fixed end to end)
and on the stand-in in today's shapes (a chosen card, a 402 decline, the Idempotency-Key)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from app.cache import billing_queries, queries
from tests.support.account import Account
from tests.support.billing_account import DECLINED, GOOD, plan, subscribe
from tests.support.standin import StandIn, open_invoice, shape


def _audit(cli: Any) -> list[dict[str, Any]]:
    ran = cli("audit", "--json")
    assert ran.code == 0, ran.err
    entries: list[dict[str, Any]] = json.loads(ran.out)["entries"]
    return entries


@pytest.mark.emulator
def test_a_failed_first_invoice_is_fixed_from_the_command_line(account: Account, cli: Any) -> None:
    cus, _ = account.customer("Failing Fiona", cards=[(DECLINED, 12, 2030)], default=0)
    subscribe(account, cus, plan(account, 4900, "eur", "Pro"))
    assert cli("sync", "--full").code == 0
    (invoice,) = billing_queries.invoices_of(cus)
    assert invoice.status == "open"
    assert [e.id for e in billing_queries.needs_attention()] == [cus]

    # Still the declining card: the emulator answers 200 with the invoice open; a decline.
    ran = cli("retry-payment", invoice.id, "--yes")
    assert ran.code == 6, ran.err
    assert ran.err.startswith("error: The card was declined: Your card was declined.")
    # The emulator counts no attempt; the cache holds its answer (the stand-in's test counts).
    assert billing_queries.invoice(invoice.id).status == "open"  # type: ignore[union-attr]

    good = account.add_card(cus, GOOD, 12, 2030)
    assert cli("sync").code == 0
    assert cli("set-default", cus, good, "--yes").code == 0
    # A chosen card is refused against the emulator, before any request.
    ran = cli("retry-payment", invoice.id, "--card", good, "--yes")
    assert ran.code == 2 and "emulator" in ran.err
    # No terminal and no --yes: nothing is sent.
    ran = cli("retry-payment", invoice.id)
    assert ran.code == 2 and "pass --yes" in ran.err
    assert "€49.00" in ran.err and invoice.id in ran.err and "Visa •••• 4242" in ran.err

    ran = cli("retry-payment", invoice.id, "--yes", "--json")
    assert ran.code == 0, ran.err
    answer = json.loads(ran.out)
    assert answer["success"] is True
    assert answer["invoice"]["id"] == invoice.id and answer["invoice"]["status"] == "paid"
    assert billing_queries.invoice(invoice.id).status == "paid"  # type: ignore[union-attr]
    assert cus not in [e.id for e in billing_queries.needs_attention()]  # at once
    assert cli("sync").code == 0
    assert cus not in [e.id for e in billing_queries.needs_attention()]
    # Paid: a second retry is refused before any request.
    ran = cli("retry-payment", invoice.id, "--yes")
    assert ran.code == 2 and "is paid" in ran.err
    assert cli("retry-payment", "in_NoSuchInvoice", "--yes").code == 3

    steps = [(e["action"], e["outcome"]) for e in reversed(_audit(cli)) if e["customer"] == cus]
    assert steps == [
        ("retry-payment", "declined"),
        ("set-default", "ok"),
        ("retry-payment", "refused"),  # the chosen card, on the emulator
        ("retry-payment", "refused"),  # not confirmed
        ("retry-payment", "ok"),
        ("retry-payment", "refused"),  # already paid
    ]
    paid = [e for e in _audit(cli) if e["action"] == "retry-payment" and e["outcome"] == "ok"]
    assert "€49.00" in paid[0]["detail"] and "Visa •••• 4242" in paid[0]["detail"]


def _open_invoice(standin: StandIn) -> dict[str, Any]:
    """The stand-in's open invoice, and a second card of its customer to pay it with."""
    invoice = open_invoice(standin)
    other = shape("payment_method", id="pm_StandInOther", customer="cus_StandIn0001")
    other["card"].update(last4="5556", brand="visa", exp_year=2031)
    standin.account["cards"]["cus_StandIn0001"].append(other)
    return invoice


def _pays(standin: StandIn) -> list[tuple[str, dict[str, str], dict[str, list[str]]]]:
    return [p for p in standin.posts if p[0].endswith("/pay")]


def test_a_chosen_card_pays_without_changing_the_default(
    standin: StandIn, ca: Path, cli: Any
) -> None:
    _open_invoice(standin)
    assert cli("config", "set", "ca_file", str(ca / "ca.pem")).code == 0
    assert cli("sync", "--full").code == 0

    ran = cli("retry-payment", "in_StandInOpen0001", "--card", "pm_StandInOther", "--yes")

    assert ran.code == 0, ran.err
    assert "4F2A-0007" in ran.out and "€49.00" in ran.out
    ((path, headers, form),) = _pays(standin)
    assert form == {"payment_method": ["pm_StandInOther"]}
    assert [p[0] for p in standin.posts] == [path]  # no default changed, nothing else sent
    customer = queries.customer("cus_StandIn0001")
    assert customer is not None and customer.default_payment_method == "pm_StandIn0001"
    assert billing_queries.invoice("in_StandInOpen0001").status == "paid"  # type: ignore[union-attr]
    key = headers.get("Idempotency-Key")
    entries = _audit(cli)
    ok = next(e for e in entries if e["action"] == "retry-payment")
    assert ok["outcome"] == "ok"
    assert key is not None and key.startswith("billing-admin-")
    # The key sent is the one stored in the intent (read from the raw log).
    from app.cache.models import AuditEntry

    intent_row = AuditEntry.get(
        AuditEntry.action == "retry-payment", AuditEntry.outcome == "intent"
    )
    assert json.loads(intent_row.detail)["idempotency_key"] == key
    assert key.endswith(f"-{intent_row.id}")


def test_a_decline_is_exit_6_with_stripe_s_message_and_the_attempt_is_kept(
    standin: StandIn, ca: Path, cli: Any
) -> None:
    _open_invoice(standin)
    standin.declines.add("pm_StandIn0001")
    assert cli("config", "set", "ca_file", str(ca / "ca.pem")).code == 0
    assert cli("sync", "--full").code == 0

    ran = cli("retry-payment", "in_StandInOpen0001", "--yes")

    assert ran.code == 6
    assert ran.err.startswith("error: The card was declined: Your card has insufficient funds.")
    assert len(_pays(standin)) == 1
    invoice = billing_queries.invoice("in_StandInOpen0001")
    assert invoice is not None and (invoice.status, invoice.attempt_count) == ("open", 2)
    entry = next(e for e in _audit(cli) if e["action"] == "retry-payment")
    assert entry["outcome"] == "declined" and "insufficient funds" in entry["detail"]


def test_set_default_and_detach_carry_their_intent_s_key(
    standin: StandIn, ca: Path, cli: Any
) -> None:
    _open_invoice(standin)
    assert cli("config", "set", "ca_file", str(ca / "ca.pem")).code == 0
    assert cli("sync", "--full").code == 0
    standin.posts.clear()
    cli("set-default", "cus_StandIn0001", "pm_StandInOther", "--yes")  # the stand-in has no
    from app.cache.models import AuditEntry  # POST /v1/customers: refused, but keyed

    ((_path, headers, _form),) = standin.posts
    intent = AuditEntry.get(AuditEntry.action == "set-default", AuditEntry.outcome == "intent")
    assert headers["Idempotency-Key"] == json.loads(intent.detail)["idempotency_key"]

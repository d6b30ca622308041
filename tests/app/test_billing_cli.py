"""The billing commands: `invoices`, `subscriptions` and `attention`, read from the cache
only; what Stripe's outside strings become on a terminal and in a CSV file."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from playhouse.test_utils import count_queries

from app.cache import billing_queries, store
from app.cache.models import now
from app.context import Context
from app.gateway.convert import card_from, subscription_from
from app.records import CustomerData, InvoiceData
from app.settings import Profile
from tests.support.account import Account
from tests.support.billing_account import DECLINED, GOOD, plan, shape, subscribe

INVOICE_FIELDS = {
    "id",
    "number",
    "status",
    "amount_due",
    "amount_paid",
    "amount_remaining",
    "amount_due_decimal",
    "currency",
    "created",
    "due_date",
    "paid_at",
    "attempt_count",
    "next_payment_attempt",
    "subscription",
    "payment_method",
    "payment_method_display",
    "failure_message",
    "failure_code",
    "decline_code",
    "failed_at",
    "hosted_invoice_url",
}
SUBSCRIPTION_FIELDS = {
    "id",
    "status",
    "description",
    "amount",
    "currency",
    "interval",
    "interval_count",
    "current_period_end",
    "cancel_at_period_end",
    "payment_method",
    "payment_method_display",
}


@pytest.mark.emulator
def test_invoices_and_subscriptions_as_json(account: Account, ctx: Any, cli: Any) -> None:
    cus, (card,) = account.customer(cards=[(GOOD, 12, 2030)], default=0)
    sub = subscribe(account, cus, plan(account, 4900, "eur", "Pro"))
    assert cli("sync").code == 0

    invoices = json.loads(cli("invoices", cus, "--json").out)
    subscriptions = json.loads(cli("subscriptions", cus, "--json").out)

    assert invoices["success"] and invoices["customer"] == cus and invoices["synced_at"]
    (invoice,) = invoices["invoices"]
    assert set(invoice) == INVOICE_FIELDS
    assert (invoice["status"], invoice["amount_due_decimal"], invoice["subscription"]) == (
        "paid",
        "49.00",
        sub,
    )
    assert invoice["number"] is None and invoice["hosted_invoice_url"] is None  # emulator
    assert invoice["paid_at"].endswith("+00:00") and invoice["created"].endswith("+00:00")
    (line,) = subscriptions["subscriptions"]
    assert set(line) == SUBSCRIPTION_FIELDS
    assert (line["description"], line["amount"], line["interval"]) == ("Pro", 4900, "month")
    assert (line["payment_method"], line["payment_method_display"]) == (card, "Visa •••• 4242")

    text = cli("subscriptions", cus).out
    assert "Pro" in text and "49.00 EUR / month" in text and "Visa •••• 4242" in text
    assert "49.00 EUR" in cli("invoices", cus).out


@pytest.mark.emulator
def test_attention_as_json_csv_and_a_table(
    account: Account, ctx: Any, cli: Any, tmp_path: Path
) -> None:
    fiona, _ = account.customer('=HYPERLINK("x")', "f@example.com", [(DECLINED, 12, 2030)], 0)
    subscribe(account, fiona, plan(account, 4900, "eur", "Pro"))
    subscribe(account, fiona, plan(account, 500, "jpy", "Yen"))
    fine, _ = account.customer("Fine", cards=[(GOOD, 12, 2030)], default=0)
    subscribe(account, fine, plan(account))
    cli("sync")

    payload = json.loads(cli("attention", "--json").out)
    (entry,) = payload["customers"]
    assert payload["success"] and payload["synced_at"]
    assert entry["id"] == fiona and entry["email"] == "f@example.com"
    assert entry["amount_due"] == [
        {"currency": "eur", "amount": 4900, "decimal": "49.00"},
        {"currency": "jpy", "amount": 500, "decimal": "500"},
    ]
    assert [r["code"] for r in entry["reasons"]] == ["payment_failed", "past_due"]

    target = tmp_path / "attention.csv"
    assert cli("attention", "--csv", str(target)).code == 0
    assert target.read_bytes().startswith(b"\xef\xbb\xbf")  # Excel reads it as UTF-8
    rows = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8-sig"))))
    assert rows[0] == ["id", "name", "email", "code", "detail", "amount_due", "currency"]
    # One row per reason; the amount once per currency, on the customer's first row.
    assert [(r[3], r[5], r[6]) for r in rows[1:]] == [
        ("payment_failed", "49.00", "EUR"),
        ("payment_failed", "500", "JPY"),
        ("past_due", "", ""),
    ]
    assert rows[1][1] == '\'=HYPERLINK("x")'  # never a formula in a spreadsheet
    piped = cli("attention", "--csv", "-").out
    assert piped.startswith("id,name,") and not piped.startswith("\ufeff")  # no BOM on stdout
    shown = cli("attention").out  # the table in words; JSON and CSV keep the codes
    assert "Payment failed" in shown and "payment_failed" not in shown


@pytest.mark.emulator
def test_outside_strings_are_neutralised_on_a_terminal(
    account: Account, ctx: Any, cli: Any
) -> None:
    cus, _ = account.customer("Evil\x1b[2J\u202eName", cards=[(DECLINED, 12, 2030)], default=0)
    subscribe(account, cus, plan(account, nickname="Pro\x07\rPlan"))
    cli("sync")

    for ran in (cli("attention"), cli("subscriptions", cus), cli("invoices", cus)):
        assert ran.code == 0
        assert not any(ch in ran.out for ch in "\x1b\x07\r\u202e")
    assert "Evil[2JName" in cli("attention").out


@pytest.mark.emulator
def test_reads_need_no_network_and_bad_input_is_one_sentence(
    account: Account, ctx: Any, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    cus, _ = account.customer()
    cli("sync")
    monkeypatch.setenv("STRIPE_API_BASE", "http://127.0.0.1:9")  # nothing listens there

    for args in (("invoices", cus), ("subscriptions", cus), ("attention",)):
        assert cli(*args).code == 0
    missing = cli("invoices", "cus_NotCached1")
    assert missing.code == 3 and missing.err.startswith("error: Customer cus_NotCached1")
    malformed = cli("subscriptions", "../etc")
    assert malformed.code == 2 and malformed.err.count("\n") == 1
    bad = cli("config", "set", "history_months", "0")
    assert bad.code == 2 and "history_months must be" in bad.err
    assert cli("config", "set", "history_months", "24").code == 0
    assert Profile().load_settings().history_months == 24


def test_needs_attention_reads_three_queries_whatever_the_number_of_customers(
    home: Path,
) -> None:
    """On shapes the emulator cannot make (a trialing subscription with no card, a
    subscription's own expired card), written through the store."""
    ctx = Context(Profile())
    db = ctx.cache().db
    at = now()
    old_card = shape("payment_method", id="pm_old", customer="cus_0")
    old_card["card"].update(exp_month=1, exp_year=2020)

    with db.atomic():
        ids = store.upsert_customers(
            [CustomerData(f"cus_{i}", f"N{i}", "", None) for i in range(50)], at
        )
        card = card_from(old_card)
        assert card is not None
        store.upsert_cards({"cus_0": [card]}, ids, at, complete=True)
        store.upsert_subscriptions(
            [
                subscription_from(
                    shape("subscription", id=f"sub_{i}", customer=f"cus_{i}", status="trialing")
                )
                for i in range(1, 50)
            ]
            + [
                subscription_from(
                    shape(
                        "subscription",
                        id="sub_0",
                        customer="cus_0",
                        default_payment_method="pm_old",
                    )
                )
            ],
            at,
        )
        store.upsert_invoices(
            [
                InvoiceData(
                    f"in_{i}",
                    None,
                    f"cus_{i}",
                    None,
                    "open",
                    100,
                    0,
                    100,
                    "usd",
                    datetime.now(UTC) - timedelta(days=i),
                    None,
                    None,
                    1,
                    None,
                    None,
                    None,
                    None,
                    None,
                )
                for i in range(10)
            ],
            at,
        )

    with count_queries(only_select=True) as counted:
        entries = billing_queries.needs_attention()

    assert counted.count == 3
    assert len(entries) == 50
    first = entries[0]
    assert first.id == "cus_0"
    assert [r.code for r in first.reasons] == ["payment_failed", "card_expired"]
    assert [r.code for r in entries[-1].reasons] == ["no_default_card"]
    ctx.close()

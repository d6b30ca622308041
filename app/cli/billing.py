"""Billing commands: a customer's invoices and subscriptions, and every customer who needs
attention. They read the cache only and never need the network."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any

from app import export
from app.billing.money import decimal_string, money_text
from app.billing.rules import failure_reason, subscription_name
from app.billing.status import invoice_status_text, reason_text, subscription_status_text
from app.cache import billing_queries, queries
from app.cli.output import iso, notice, print_json, say, table, write_csv
from app.context import Context
from app.records import AttentionEntry, InvoiceRow, SubscriptionRow
from app.untrusted import Figure


def _money(amount: int | None, currency: str | None) -> str:
    return Figure(money_text(amount, currency)) if amount is not None and currency else "—"


def _date(value: Any) -> str:
    return value.date().isoformat() if value else "—"


#: The JSON fields of `invoices` and `subscriptions`, in the contract's order; times are ISO.
INVOICE_FIELDS = [
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
]
SUBSCRIPTION_FIELDS = [
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
]


def record_json(record: object, fields: Sequence[str], **extra: Any) -> dict[str, Any]:
    """`fields` of `record` (or of `extra`), datetimes as ISO 8601 UTC."""
    out: dict[str, Any] = {}
    for name in fields:
        value = extra[name] if name in extra else getattr(record, name)
        out[name] = iso(value) if isinstance(value, datetime) else value
    return out


def invoice_json(invoice: InvoiceRow) -> dict[str, Any]:
    decimal = decimal_string(invoice.amount_due, invoice.currency)
    return record_json(invoice, INVOICE_FIELDS, amount_due_decimal=decimal)


def subscription_json(subscription: SubscriptionRow) -> dict[str, Any]:
    return record_json(subscription, SUBSCRIPTION_FIELDS)


def amounts_text(entry: AttentionEntry) -> str:
    """ "49.00 EUR; 4900 JPY"."""
    return Figure("; ".join(money_text(amount, currency) for currency, amount in entry.amount_due))


def _lines_of(
    args: argparse.Namespace,
    key: str,
    read: Callable[[str], Sequence[Any]],
    as_json: Callable[[Any], dict[str, Any]],
) -> Sequence[Any] | None:
    """A customer's billing lines (`key`: invoices or subscriptions), printed as JSON, or
    under the customer's name; None when there is nothing more to print."""
    from app.operations import known_customer  # the cache's writes: only when needed

    customer = known_customer(args.customer)
    lines = read(customer.id)
    if args.json:
        print_json(
            {
                "success": True,
                "customer": customer.id,
                "synced_at": iso(customer.synced_at),
                key: [as_json(line) for line in lines],
            }
        )
        return None
    say(customer.label, customer.id)
    if not lines:
        print(f"No {key} in the cache.")
        return None
    return lines


def cmd_invoices(ctx: Context, args: argparse.Namespace) -> int:
    notice(ctx)
    invoices = _lines_of(args, "invoices", billing_queries.invoices_of, invoice_json)
    if invoices:
        table(
            [
                (
                    i.number or i.id,
                    invoice_status_text(i.status, i.attempt_count),
                    Figure(money_text(i.amount_due, i.currency)),
                    _date(i.created),
                    i.payment_method_display or "",
                    failure_reason(i.status, i.failure_message, i.failure_code, i.decline_code),
                )
                for i in invoices
            ],
            ("INVOICE", "STATUS", "AMOUNT", "CREATED", "CARD", "NOTE"),
        )
    return 0


def _every(s: SubscriptionRow) -> str:
    """ " / month", " / 3 months"."""
    if not s.interval:
        return ""
    count = s.interval_count or 1
    return f" / {s.interval}" if count == 1 else f" / {count} {s.interval}s"


def _warning(s: SubscriptionRow) -> str:
    if s.card_expired:
        return "card expired"
    return "card expires first" if s.card_expires_before_renewal else ""


def cmd_subscriptions(ctx: Context, args: argparse.Namespace) -> int:
    notice(ctx)
    subscriptions = _lines_of(
        args, "subscriptions", billing_queries.subscriptions_of, subscription_json
    )
    if subscriptions:
        table(
            [
                (
                    s.id,
                    subscription_name(s.description, s.id),
                    _money(s.amount, s.currency) + _every(s),
                    subscription_status_text(s.status),
                    _date(s.current_period_end),
                    s.payment_method_display or s.payment_method or "no card",
                    _warning(s),
                )
                for s in subscriptions
            ],
            ("ID", "SUBSCRIPTION", "PRICE", "STATUS", "PERIOD ENDS", "CARD", ""),
        )
    return 0


def cmd_attention(ctx: Context, args: argparse.Namespace) -> int:
    notice(ctx)
    entries = billing_queries.needs_attention(date.today())
    if args.csv is not None:  # '' too: write_csv says it needs a file name
        write_csv(args.csv, export.attention_sheet(entries), bom=not args.no_bom)
        return 0
    if args.json:
        state = queries.sync_state()
        print_json(
            {
                "success": True,
                "synced_at": iso(state.last_sync if state else None),
                "customers": [
                    {
                        "id": e.id,
                        "name": e.name,
                        "email": e.email,
                        "amount_due": [
                            {
                                "currency": currency,
                                "amount": amount,
                                "decimal": decimal_string(amount, currency),
                            }
                            for currency, amount in e.amount_due
                        ],
                        "reasons": [{"code": r.code, "detail": r.detail} for r in e.reasons],
                    }
                    for e in entries
                ],
            }
        )
        return 0
    if not entries:
        print("No customer needs attention.")
        return 0
    table(
        [
            (
                e.id if n == 0 else "",
                e.label if n == 0 else "",
                reason_text(r.code, r.status),
                r.detail,
            )
            + ((amounts_text(e),) if n == 0 else ("",))
            for e in entries
            for n, r in enumerate(e.reasons)
        ],
        ("CUSTOMER", "NAME", "REASON", "DETAIL", "DUE"),
    )
    return 0

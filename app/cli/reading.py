"""Commands that read the cache only and never need the network."""

from __future__ import annotations

import argparse
from datetime import date

from app import export
from app.cache import queries, search_pages
from app.cards import expiry_text
from app.cli.output import (
    AUDIT_FIELDS,
    audit_value,
    card_json,
    iso,
    notice,
    print_json,
    say,
    table,
    write_csv,
)
from app.context import Context
from app.errors import AuditDisagreement, UsageError

#: The widest window `expiring` looks through: a hundred years.
MAX_DAYS = 36_500


def cmd_customers(ctx: Context, args: argparse.Namespace) -> int:
    if args.search and len(args.search) > queries.SEARCH_LIMIT:
        raise UsageError(f"--search is at most {queries.SEARCH_LIMIT} characters.")
    notice(ctx)
    rows = list(search_pages.customers_in_pages(args.search))
    if args.json:
        print_json(
            {
                "success": True,
                "customers": [
                    {
                        "id": r.id,
                        "name": r.name,
                        "email": r.email,
                        "default_payment_method": r.default_payment_method,
                        "card_count": r.card_count,
                        "synced_at": iso(r.synced_at),
                    }
                    for r in rows
                ],
            }
        )
        return 0
    if not rows:
        print(
            "No customers"
            + (" match." if args.search else " in the cache: run 'billing-admin sync'.")
        )
        return 0
    table(
        [(r.id, r.name, r.email, str(r.card_count), r.default_card_label or "—") for r in rows],
        ("ID", "NAME", "EMAIL", "CARDS", "DEFAULT"),
    )
    return 0


def cmd_cards(ctx: Context, args: argparse.Namespace) -> int:
    from app.operations import known_customer  # the cache's writes: only when needed

    notice(ctx)
    customer = known_customer(args.customer)
    cards = queries.cards_of(customer.id, include_inactive=args.all)
    today = date.today()
    if args.json:
        print_json(
            {
                "success": True,
                "customer": customer.id,
                "synced_at": iso(customer.synced_at),
                "payment_methods": [card_json(c, today) for c in cards],
            }
        )
        return 0
    deleted = " (deleted on Stripe)" if customer.deleted else ""
    say(f"{customer.name or customer.id} <{customer.email}> {customer.id}{deleted}")
    if customer.cards_pending:  # a full sync has read only the default card so far
        print("Other cards are still being synced: only the default card is cached so far.")
    if not cards:
        print("No default card." if customer.cards_pending else "No saved cards.")
        return 0
    table(
        [
            (
                c.id,
                c.display_name,
                expiry_text(c.exp_month, c.exp_year),
                c.country or "",
                c.funding or "",
                ", ".join(
                    flag
                    for flag, on in (
                        ("default", c.is_default),
                        ("expired", c.expired(today)),
                        ("detached", not c.is_active),
                    )
                    if on
                ),
            )
            for c in cards
        ],
        ("ID", "CARD", "EXPIRES", "COUNTRY", "FUNDING", ""),
    )
    return 0


def cmd_expiring(ctx: Context, args: argparse.Namespace) -> int:
    if not 0 <= args.within_days <= MAX_DAYS:
        raise UsageError(f"--within-days must be 0 or more, and at most {MAX_DAYS}.")
    notice(ctx)
    rows = queries.expiring_cards(args.within_days)
    if args.csv is not None:
        write_csv(args.csv, export.expiring_sheet(rows), bom=not args.no_bom)
        return 0
    headers = ("customer", "name", "email", "payment_method", "card", "expires")
    data = [
        (
            cu.id,
            cu.name,
            cu.email,
            c.id,
            c.display_name,
            expiry_text(c.exp_month, c.exp_year),
        )
        for cu, c in rows
    ]
    if not data:
        print(f"No card expires within {args.within_days} days.")
        return 0
    table([tuple(str(v) for v in row) for row in data], [h.upper() for h in headers])
    return 0


def cmd_audit(ctx: Context, args: argparse.Namespace) -> int:
    if args.reconcile:
        from app.cli.witness import cmd_reconcile  # the one part of `audit` that asks Stripe

        return cmd_reconcile(ctx, args)
    notice(ctx)
    if args.verify:
        verdict = queries.verify_audit()
        if not verdict.intact:
            raise AuditDisagreement(verdict.sentence())
        print(verdict.sentence())
        return 0
    entries = queries.audit_entries(args.customer)
    if args.json:
        print_json(
            {
                "success": True,
                "entries": [{f: audit_value(e, f) for f in AUDIT_FIELDS} for e in entries],
            }
        )
    elif args.csv is not None:
        ids = {i for e in entries for i in (e.target, e.customer) if i}
        sheet = export.audit_sheet(entries, queries.names_of(ids))
        write_csv(args.csv, sheet, bom=not args.no_bom)
    elif not entries:
        print("The audit log is empty.")
    else:
        table(
            [
                (iso(e.at) or "", e.operator, e.action, e.target, e.outcome, e.detail[:60])
                for e in entries
            ],
            ("AT", "OPERATOR", "ACTION", "TARGET", "OUTCOME", "DETAIL"),
        )
    return 0

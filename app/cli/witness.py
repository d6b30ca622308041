"""`billing-admin audit --reconcile`: the audit log checked against Stripe's events (it
needs the network, unlike the rest of `audit`)."""

from __future__ import annotations

import argparse
import sys

from app.cli.output import iso, notice, print_json, say
from app.context import Context
from app.errors import AuditDisagreement
from app.operations.reconcile import check_days, reconcile
from app.untrusted import for_terminal


def cmd_reconcile(ctx: Context, args: argparse.Namespace) -> int:
    """One line per finding; exit 0 when the log and Stripe agree, 8 when they do not."""
    days = check_days(args.days)
    notice(ctx)
    ctx.cache()
    found = reconcile(ctx.gateway(), days)
    if args.json:
        print_json(
            {
                "success": found.agree,
                "days": found.days,
                "requests": found.requests,
                "agreed": found.agreed,
                "findings": [
                    {"kind": str(f.kind), "at": iso(f.at), "detail": f.sentence}
                    for f in found.findings
                ],
            }
        )
        return 0 if found.agree else AuditDisagreement.exit_status
    pages = "request" if found.requests == 1 else "requests"
    say(f"Read Stripe's events of the last {found.days} days ({found.requests} {pages}).")
    for finding in found.findings:
        say(f"{finding.kind}: {finding.sentence}")
    if found.agree:
        say(found.summary())
        return 0
    print(f"error: {for_terminal(found.summary())}", file=sys.stderr)
    return AuditDisagreement.exit_status

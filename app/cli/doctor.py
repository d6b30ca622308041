"""`billing-admin doctor`: is this profile ready for its Stripe account? (`app.doctor`)"""

from __future__ import annotations

import argparse

from app.cli.output import print_json
from app.context import Context
from app.doctor import as_json, as_text, run_checks, succeeded

#: The exit status when a check failed (the report itself is the error's sentence).
CHECK_FAILED = 7


def cmd_doctor(ctx: Context, args: argparse.Namespace) -> int:
    checks = run_checks(ctx)
    if args.json:
        print_json(as_json(checks))
    else:
        print(as_text(checks, ctx.profile.name))
    return 0 if succeeded(checks) else CHECK_FAILED

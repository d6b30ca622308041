"""The command line: the same powers as the window, for scripts and cron.

A contract: exit status 2 usage, 3 not found, 4 Stripe unreachable, 5 missing or rejected
key, 6 Stripe refused, 7 `doctor` found a check failed, 1 anything else; errors are one line
on stderr beginning `error:`.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sqlite3
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

from app import __version__, platform
from app.cards import SOON_DAYS
from app.cli import profiles
from app.context import Context
from app.errors import CacheError, KnownError
from app.logs import log_file, setup_logging
from app.operations.declared import DECLARED
from app.records import Action
from app.settings import DEFAULT_PROFILE, SETTING_NAMES, Profile, make_private
from app.untrusted import for_terminal

#: A command: what it runs, imported only when it runs (`module:function` of app.cli), so
#: that `--version`, `--help` and a command reading the cache load none of the others'
#: modules (the gateway: stripe, aiohttp; the doctor; the demo).
Command = Callable[["Context", argparse.Namespace], int]

log = logging.getLogger("app.cli")


def _command(module: str, name: str) -> Command:
    """`app.cli.<module>.<name>`, imported when the command runs."""

    def run(ctx: Context, args: argparse.Namespace) -> int:
        command: Command = getattr(importlib.import_module(f"app.cli.{module}"), name)
        return int(command(ctx, args))

    run.__name__ = run.__qualname__ = name
    return run


cmd_demo = _command("setup", "cmd_demo")
cmd_window = _command("setup", "cmd_window")
cmd_key = _command("setup", "cmd_key")
cmd_database_password = _command("setup", "cmd_database_password")
cmd_config = _command("setup", "cmd_config")
cmd_migrate = _command("setup", "cmd_migrate")
cmd_sync = _command("changing", "cmd_sync")
cmd_set_default = _command("changing", "cmd_set_default")
cmd_detach = _command("changing", "cmd_detach")
cmd_portal = _command("changing", "cmd_portal")
cmd_retry_payment = _command("changing", "cmd_retry_payment")
cmd_payment_link = _command("changing", "cmd_payment_link")
cmd_customers = _command("reading", "cmd_customers")
cmd_cards = _command("reading", "cmd_cards")
cmd_expiring = _command("reading", "cmd_expiring")
cmd_audit = _command("reading", "cmd_audit")
cmd_invoices = _command("billing", "cmd_invoices")
cmd_subscriptions = _command("billing", "cmd_subscriptions")
cmd_attention = _command("billing", "cmd_attention")
cmd_doctor = _command("doctor", "cmd_doctor")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"error: {message} (see '{self.prog} --help').\n")


def add_no_bom(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--no-bom",
        action="store_true",
        help="a --csv file without the byte-order mark that spreadsheets want (for scripts)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="billing-admin", description="Manage Stripe customers' saved cards.")
    parser.add_argument(
        "--profile",
        default=os.environ.get("BILLING_ADMIN_PROFILE", DEFAULT_PROFILE),
        metavar="NAME",
        help="the profile (one Stripe account's key, settings and cache) to use: 'default' "
        "unless BILLING_ADMIN_PROFILE says otherwise",
    )
    parser.add_argument("--version", action="version", version=f"billing-admin {__version__}")
    parser.set_defaults(func=cmd_window, command="window")
    sub = parser.add_subparsers(title="commands", metavar="COMMAND", parser_class=_Parser)

    def add(name: str, func: Command, text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=text, description=text)
        p.set_defaults(func=func, command=name)
        return p

    p = add("demo", cmd_demo, "Local Stripe emulator with sample data, synced, then the window.")
    p.add_argument("--customers", type=int, default=40, help=argparse.SUPPRESS)
    p.add_argument("--no-window", action="store_true", help="serve the emulator without a window")
    p = add("sync", cmd_sync, "Bring the cache up to date (incremental when possible).")
    p.add_argument("--full", action="store_true", help="re-read every customer and card")
    p = add("customers", cmd_customers, "List cached customers.")
    p.add_argument("--search", metavar="TEXT", help="name, email, id or last four digits")
    p.add_argument("--json", action="store_true")
    p = add("cards", cmd_cards, "List a customer's cached cards.")
    p.add_argument("customer", metavar="CUSTOMER_ID")
    p.add_argument("--all", action="store_true", help="include detached cards")
    p.add_argument("--json", action="store_true")
    p = add("set-default", cmd_set_default, DECLARED[Action.SET_DEFAULT].cli_help)
    p.add_argument("customer", metavar="CUSTOMER_ID")
    p.add_argument("payment_method", metavar="PAYMENT_METHOD_ID")
    p.add_argument(
        "--yes", action="store_true", help="do not ask (needed in live mode for scripts)"
    )
    p = add("detach", cmd_detach, DECLARED[Action.DETACH].cli_help)
    p.add_argument("payment_method", metavar="PAYMENT_METHOD_ID")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p = add("retry-payment", cmd_retry_payment, DECLARED[Action.RETRY_PAYMENT].cli_help)
    p.add_argument("invoice", metavar="INVOICE_ID")
    p.add_argument(
        "--card", metavar="PAYMENT_METHOD_ID", help="charge this card (the default stays)"
    )
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.add_argument("--json", action="store_true")
    p = add("payment-link", cmd_payment_link, DECLARED[Action.COPY_PAYMENT_LINK].cli_help)
    p.add_argument("invoice", metavar="INVOICE_ID")
    p.add_argument("--json", action="store_true")
    p = add("portal", cmd_portal, "Print a billing portal link for a customer (made now).")
    p.add_argument("customer", metavar="CUSTOMER_ID")
    p.add_argument("--open", action="store_true", help="also open it in the browser")
    p = add("key", cmd_key, "Store, show or remove the Stripe secret key (OS keyring).")
    p.add_argument("action", choices=("set", "status", "delete"))
    p = add(
        "database-password",
        cmd_database_password,
        "Store or remove the shared cache's database password (OS keyring).",
    )
    p.add_argument("action", choices=("set", "delete"))
    p = add("expiring", cmd_expiring, "Cards that expire within N days.")
    p.add_argument("--within-days", type=int, default=SOON_DAYS, metavar="N")
    p.add_argument("--csv", metavar="FILE", help="write CSV to FILE ('-' for stdout)")
    add_no_bom(p)
    p = add("invoices", cmd_invoices, "A customer's cached invoices, newest first.")
    p.add_argument("customer", metavar="CUSTOMER_ID")
    p.add_argument("--json", action="store_true")
    p = add("subscriptions", cmd_subscriptions, "A customer's cached subscriptions.")
    p.add_argument("customer", metavar="CUSTOMER_ID")
    p.add_argument("--json", action="store_true")
    p = add("attention", cmd_attention, "Customers who need attention, and why.")
    p.add_argument("--json", action="store_true")
    p.add_argument("--csv", metavar="FILE", help="write CSV to FILE ('-' for stdout)")
    add_no_bom(p)
    p = add("audit", cmd_audit, "Show the audit log, newest first.")
    p.add_argument("--json", action="store_true")
    p.add_argument("--csv", metavar="FILE", help="export as CSV to FILE ('-' for stdout)")
    add_no_bom(p)
    p.add_argument("--customer", metavar="CUSTOMER_ID", help=argparse.SUPPRESS)
    p.add_argument(
        "--verify",
        action="store_true",
        help="check the hash chain and the triggers; exit 8 if broken",
    )
    p.add_argument(
        "--reconcile",
        action="store_true",
        help="check the log against Stripe's events; exit 8 if they disagree",
    )
    p.add_argument(
        "--days",
        type=int,
        default=7,
        metavar="N",
        help="with --reconcile: the last N days (at most 30; default 7)",
    )
    p = add("doctor", cmd_doctor, "Check the setup: key, permissions, portal, keyring, cache.")
    p.add_argument("--json", action="store_true")
    add("migrate", cmd_migrate, "Bring the cache's tables up to date (a shared cache's owner).")
    p = add("config", cmd_config, "Show or change the profile's settings.")
    p.add_argument("action", choices=("show", "set", "unset"))
    p.add_argument("name", nargs="?", choices=SETTING_NAMES, metavar="NAME")
    p.add_argument("value", nargs="?", metavar="VALUE")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    platform.utf8_stdio()
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # --help, --version and usage errors
        return int(exc.code or 0)
    if args.func is cmd_config and args.action != "show" and not args.name:
        print("error: config set/unset needs a setting NAME.", file=sys.stderr)
        return 2
    if any(_undecodable(a) for a in (sys.argv[1:] if argv is None else argv)):
        print("error: an argument is not valid text (UTF-8); nothing was done.", file=sys.stderr)
        return 2
    umask = make_private()
    setup_logging()
    ctx: Context | None = None
    try:
        ctx = Context(Profile(args.profile))
        profiles.check_exists(ctx, args.command, args)
        return int(args.func(ctx, args))
    except BrokenPipeError:
        # The reader went away (`billing-admin customers | head`): what it wanted, it has.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KnownError as exc:
        log.info("%s: %s", type(exc).__name__, exc)
        print(f"error: {for_terminal(exc)}", file=sys.stderr)
        return exc.exit_status
    except KeyboardInterrupt:
        print("error: interrupted.", file=sys.stderr)
        return 130
    except Exception as exc:
        if not _database_error(exc):
            return _bug()
        repaired = ctx.recover_cache(exc) if ctx is not None else None
        if repaired is None:
            return _bug()
        log.warning("%s", repaired)
        print(f"error: {repaired} Run the command again.", file=sys.stderr)
        return CacheError.exit_status
    finally:
        if ctx is not None:
            ctx.close()
        platform.restore_file_creation(umask)


def _database_error(exc: Exception) -> bool:
    """`app.cache.models.DATABASE_ERRORS`, without importing the cache (peewee) for it: a
    Peewee error can only come from a process that has imported peewee."""
    if isinstance(exc, sqlite3.DatabaseError):
        return True
    peewee = sys.modules.get("peewee")
    return peewee is not None and isinstance(exc, peewee.DatabaseError)


def _bug() -> int:
    """Inside an `except`: the traceback to the log, one sentence to the operator."""
    log.exception("unexpected failure")
    name = type(sys.exc_info()[1]).__name__
    print(
        f"error: an unexpected {name} happened (a bug); details are in {log_file()}.",
        file=sys.stderr,
    )
    return 1


def _undecodable(arg: str) -> bool:
    """Bytes that are not UTF-8 reach Python as lone surrogates, which no file, database or
    terminal can take."""
    try:
        arg.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False

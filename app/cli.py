"""The command line: the same powers as the window, for scripts and cron.

A contract: exit status 2 usage, 3 not found, 4 Stripe unreachable, 5 missing or rejected
key, 6 Stripe refused, 1 anything else; errors are one line on stderr beginning `error:`.
"""

from __future__ import annotations

import argparse
import csv
import getpass
import json
import logging
import os
import sys
import time
import unicodedata
import webbrowser
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import IO, Any, NoReturn

from app import __version__, credentials
from app.cache import queries
from app.cards import SOON_DAYS, expiry_text
from app.context import Context
from app.errors import KnownError, UsageError
from app.ids import check_card_id
from app.logs import log_file, setup_logging
from app.operations import Operations, known_customer
from app.policy import Action, Confirmation, confirmation
from app.records import CardRow
from app.settings import DEFAULT_PROFILE, SETTING_NAMES, Profile
from app.sync import SyncProgress

log = logging.getLogger("app.cli")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"error: {message} (see '{self.prog} --help').\n")


def iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value else None


def _print_json(payload: dict[str, Any]) -> None:
    json.dump(payload, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def _width(text: str) -> int:
    """Columns a terminal gives `text`: East Asian wide characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _table(rows: Sequence[Sequence[str]], headers: Sequence[str]) -> None:
    widths = [max(_width(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]
    for row in [headers, *rows]:
        cells = (str(v) + " " * (w - _width(str(v))) for v, w in zip(row, widths, strict=True))
        print("  ".join(cells).rstrip())


def _card_json(card: CardRow, today: date) -> dict[str, Any]:
    return {
        "id": card.id,
        "card_type": card.card_type,
        "last_four": card.last_four,
        "exp_month": card.exp_month,
        "exp_year": card.exp_year,
        "is_default": card.is_default,
        "is_active": card.is_active,
        "display_name": card.display_name,
        "country": card.country,
        "funding": card.funding,
        "expired": card.expired(today),
    }


# -- commands ------------------------------------------------------------------------------


def cmd_window(ctx: Context, args: argparse.Namespace) -> int:
    try:
        from ui.main import run_window  # type: ignore[import-not-found,unused-ignore]
    except ImportError as exc:
        if "PySide6" in str(exc) or "ui.main" in str(exc) or getattr(exc, "name", "") == "ui":
            raise KnownError(
                "The window cannot start here (its Qt libraries are missing); "
                "run 'make run', or use the sub-commands (billing-admin --help)."
            ) from exc
        raise
    return int(run_window(ctx))


def cmd_demo(ctx: Context, args: argparse.Namespace) -> int:
    from app.demo import demo_context, start_demo

    env_key = os.environ.get("STRIPE_API_KEY", "")
    if "_live_" in env_key[:8]:
        raise UsageError("The demo refuses to start while a live key is set in STRIPE_API_KEY.")
    print("Demo: starting the Stripe emulator and seeding sample data…", file=sys.stderr)
    emulator = start_demo(args.customers)
    demo = demo_context(emulator)
    try:
        print(demo.sync_engine().run(_stderr_progress(), full=True).summary(), flush=True)
        if not args.no_window:
            try:
                return cmd_window(demo, args)
            except KnownError as exc:
                print(f"note: {exc}", file=sys.stderr)
        print(
            f"Serving the demo emulator at {emulator.api_base} until Ctrl-C. "
            "To script against it:\n"
            f"  STRIPE_API_BASE={emulator.api_base} STRIPE_API_KEY={emulator.key} "
            "billing-admin --profile demo customers",
            file=sys.stderr,
            flush=True,
        )
        while emulator.process.poll() is None:
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass  # Ctrl-C is how the demo is meant to end
    finally:
        demo.close()
        emulator.stop()
    return 0


def _stderr_progress() -> SyncProgress:
    """Progress lines on stderr, at most two a second for one phase."""
    last_time, last_phase = 0.0, ""

    def show(phase: str, done: int, total: int | None) -> None:
        nonlocal last_time, last_phase
        now = time.monotonic()
        if phase == last_phase and now - last_time < 0.5 and phase != "Done":
            return
        last_time, last_phase = now, phase
        print(f"{phase}: {done}/{total}" if total else f"{phase}…", file=sys.stderr, flush=True)

    return SyncProgress(show)


def cmd_sync(ctx: Context, args: argparse.Namespace) -> int:
    _notice(ctx)
    result = ctx.sync_engine().run(_stderr_progress(), full=args.full)
    print(result.summary())
    return 0


def _notice(ctx: Context) -> None:
    opened = ctx.cache()
    if opened.notice:
        print(f"note: {opened.notice}", file=sys.stderr)


def cmd_customers(ctx: Context, args: argparse.Namespace) -> int:
    _notice(ctx)
    rows = queries.customer_rows(queries.customers_query(args.search))
    if args.json:
        _print_json(
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
    _table(
        [(r.id, r.name, r.email, str(r.card_count), r.default_card_label or "—") for r in rows],
        ("ID", "NAME", "EMAIL", "CARDS", "DEFAULT"),
    )
    return 0


def cmd_cards(ctx: Context, args: argparse.Namespace) -> int:
    _notice(ctx)
    customer = known_customer(args.customer)
    cards = queries.cards_of(customer.stripe_id, include_inactive=args.all)
    today = date.today()
    if args.json:
        _print_json(
            {
                "success": True,
                "customer": customer.stripe_id,
                "synced_at": iso(customer.synced_at),
                "payment_methods": [_card_json(c, today) for c in cards],
            }
        )
        return 0
    deleted = " (deleted on Stripe)" if customer.deleted else ""
    print(f"{customer.name or customer.stripe_id} <{customer.email}> {customer.stripe_id}{deleted}")
    if not cards:
        print("No saved cards.")
        return 0
    _table(
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


def _confirm(
    ops: Operations,
    args: argparse.Namespace,
    action: tuple[Action, str, str | None],
    question: Callable[[str], str],
) -> None:
    """Ask before a change on the card `action` names, as `policy.confirmation` says (the
    question is made from the card's name); a change not confirmed is audited as refused."""
    how = confirmation(action[0], ops.gateway.key.mode)
    if args.yes or how is Confirmation.NONE:
        return
    label, last_four = ops.describe_card(action[1])
    asked = question(label)
    if not sys.stdin.isatty():
        ops.refuse(*action, "not confirmed: no --yes and no terminal to ask on")
        raise UsageError(f"Refusing to {asked} without confirmation: pass --yes.")
    if how is Confirmation.LAST_FOUR:
        answer = input(f"LIVE mode: {asked}? Type the card's last four digits to confirm: ")
        ok = answer.strip() == last_four
    else:
        ok = input(f"{asked[0].upper()}{asked[1:]}? [y/N] ").strip().lower() in ("y", "yes")
    if not ok:
        ops.refuse(*action, "not confirmed by the operator")
        raise UsageError("Not confirmed; nothing was changed.")


def cmd_set_default(ctx: Context, args: argparse.Namespace) -> int:
    ops = ctx.operations()
    customer = known_customer(args.customer)
    pm_id = check_card_id(args.payment_method)
    _confirm(
        ops,
        args,
        (Action.SET_DEFAULT, pm_id, customer.stripe_id),
        lambda label: f"make {label} the default card of {customer.stripe_id}",
    )
    card = ops.set_default(customer.stripe_id, pm_id)
    print(f"{card.id} is now the default card of {customer.stripe_id}.")
    return 0


def cmd_detach(ctx: Context, args: argparse.Namespace) -> int:
    ops = ctx.operations()
    pm_id = check_card_id(args.payment_method)
    _confirm(ops, args, (Action.DETACH, pm_id, None), lambda label: f"detach {label} ({pm_id})")
    card = ops.detach(pm_id)
    print(f"{card.id} was detached from {card.customer}.")
    return 0


def cmd_portal(ctx: Context, args: argparse.Namespace) -> int:
    link = ctx.operations().portal_link(args.customer)
    print(link.url)
    if link.note:
        print(f"note: {link.note}", file=sys.stderr)
    if args.open:
        webbrowser.open(link.url)
    return 0


def cmd_key(ctx: Context, args: argparse.Namespace) -> int:
    name = ctx.profile.name
    if args.action == "set":
        if sys.stdin.isatty():
            value = getpass.getpass(f"Stripe secret key for profile {name!r} (input hidden): ")
        else:
            value = sys.stdin.readline()
        key = credentials.store_key(name, value)
        print(f"Stored {key.masked} ({key.mode.value} mode) in the keyring for profile {name!r}.")
    elif args.action == "delete":
        if credentials.delete_key(name):
            print(f"Removed the key of profile {name!r} from the keyring.")
        else:
            print(f"The keyring held no key for profile {name!r}.")
    else:
        key = ctx.key()
        kind = "restricted key" if key.restricted else "secret key"
        mode = key.mode.value.upper()
        print(f"Profile {name!r}: {kind} {key.masked}, {mode} mode, from the {key.source}.")
    return 0


def cmd_database_password(ctx: Context, args: argparse.Namespace) -> int:
    url = ctx.settings.database_url
    if not url:
        raise UsageError(
            f"Profile {ctx.profile.name!r} has no shared cache: "
            "set one with 'billing-admin config set database_url postgresql://...'."
        )
    if args.action == "set":
        prompt = f"Password for {url} (input hidden): "
        value = getpass.getpass(prompt) if sys.stdin.isatty() else sys.stdin.readline()
        credentials.store_database_password(url, value)
        print(f"Stored the password for {url} in the keyring.")
    elif credentials.delete_database_password(url):
        print(f"Removed the password for {url} from the keyring.")
    else:
        print(f"The keyring held no password for {url}.")
    return 0


def _write_csv(target: str, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    out: IO[str]
    if target == "-":
        out = sys.stdout
    else:
        try:
            out = open(target, "w", newline="", encoding="utf-8")  # noqa: SIM115
        except OSError as exc:
            raise UsageError(f"Cannot write {target}: {exc.strerror}.") from None
    try:
        writer = csv.writer(out)
        writer.writerow(headers)
        writer.writerows(rows)
    finally:
        if out is not sys.stdout:
            out.close()


def cmd_expiring(ctx: Context, args: argparse.Namespace) -> int:
    if args.within_days < 0:
        raise UsageError("--within-days must be 0 or more.")
    _notice(ctx)
    rows = queries.expiring_cards(args.within_days)
    headers = ("customer", "name", "email", "payment_method", "card", "expires", "is_default")
    data = [
        (
            cu.id,
            cu.name,
            cu.email,
            c.id,
            c.display_name,
            expiry_text(c.exp_month, c.exp_year),
            c.is_default,
        )
        for cu, c in rows
    ]
    if args.csv:
        _write_csv(args.csv, headers, data)
        if args.csv != "-":
            print(f"Wrote {len(data)} cards to {args.csv}.")
        return 0
    if not data:
        print(f"No card expires within {args.within_days} days.")
        return 0
    _table([tuple(str(v) for v in row[:6]) for row in data], [h.upper() for h in headers[:6]])
    return 0


def cmd_audit(ctx: Context, args: argparse.Namespace) -> int:
    _notice(ctx)
    entries = queries.audit_entries(args.customer)
    fields = ("at", "operator", "profile", "action", "target", "customer", "outcome", "detail")

    def value(entry: Any, name: str) -> Any:
        return iso(entry.at) if name == "at" else getattr(entry, name)

    if args.json:
        _print_json(
            {"success": True, "entries": [{f: value(e, f) for f in fields} for e in entries]}
        )
    elif args.csv:
        _write_csv(args.csv, fields, [[value(e, f) for f in fields] for e in entries])
    elif not entries:
        print("The audit log is empty.")
    else:
        _table(
            [
                (iso(e.at) or "", e.operator, e.action, e.target, e.outcome, e.detail[:60])
                for e in entries
            ],
            ("AT", "OPERATOR", "ACTION", "TARGET", "OUTCOME", "DETAIL"),
        )
    return 0


def cmd_config(ctx: Context, args: argparse.Namespace) -> int:
    if args.action == "show":
        for name, val in ctx.profile.as_dict().items():
            print(f"{name} = {'' if val is None else val}")
    elif args.action == "set":
        if args.value is None:
            raise UsageError("config set needs a NAME and a VALUE.")
        ctx.profile.save_setting(args.name, args.value)
        print(f"{args.name} set for profile {ctx.profile.name!r}.")
    else:
        ctx.profile.save_setting(args.name, None)
        print(f"{args.name} removed from profile {ctx.profile.name!r}.")
    return 0


# -- parser --------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="billing-admin", description="Manage Stripe customers' saved cards.")
    parser.add_argument(
        "--profile", default=os.environ.get("BILLING_ADMIN_PROFILE", DEFAULT_PROFILE)
    )
    parser.add_argument("--version", action="version", version=f"billing-admin {__version__}")
    parser.set_defaults(func=cmd_window)
    sub = parser.add_subparsers(title="commands", metavar="COMMAND", parser_class=_Parser)

    def add(
        name: str, func: Callable[[Context, argparse.Namespace], int], text: str
    ) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=text, description=text)
        p.set_defaults(func=func)
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
    p = add("set-default", cmd_set_default, "Make a card the customer's default.")
    p.add_argument("customer", metavar="CUSTOMER_ID")
    p.add_argument("payment_method", metavar="PAYMENT_METHOD_ID")
    p.add_argument(
        "--yes", action="store_true", help="do not ask (needed in live mode for scripts)"
    )
    p = add("detach", cmd_detach, "Detach a card from its customer.")
    p.add_argument("payment_method", metavar="PAYMENT_METHOD_ID")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
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
    p = add("audit", cmd_audit, "Show the audit log, newest first.")
    p.add_argument("--json", action="store_true")
    p.add_argument("--csv", metavar="FILE", help="export as CSV to FILE ('-' for stdout)")
    p.add_argument("--customer", metavar="CUSTOMER_ID", help=argparse.SUPPRESS)
    p = add("config", cmd_config, "Show or change the profile's settings.")
    p.add_argument("action", choices=("show", "set", "unset"))
    p.add_argument("name", nargs="?", choices=SETTING_NAMES, metavar="NAME")
    p.add_argument("value", nargs="?", metavar="VALUE")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # --help, --version and usage errors
        return int(exc.code or 0)
    if args.func is cmd_config and args.action != "show" and not args.name:
        print("error: config set/unset needs a setting NAME.", file=sys.stderr)
        return 2
    setup_logging()
    ctx: Context | None = None
    try:
        ctx = Context(Profile(args.profile))
        return int(args.func(ctx, args))
    except KnownError as exc:
        log.info("%s: %s", type(exc).__name__, exc)
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_status
    except KeyboardInterrupt:
        print("error: interrupted.", file=sys.stderr)
        return 130
    except Exception as exc:
        log.exception("unexpected failure")
        print(
            f"error: an unexpected {type(exc).__name__} happened (a bug); "
            f"details are in {log_file()}.",
            file=sys.stderr,
        )
        return 1
    finally:
        if ctx is not None:
            ctx.close()


if __name__ == "__main__":
    sys.exit(main())

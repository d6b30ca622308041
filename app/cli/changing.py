"""Commands that talk to Stripe: sync, and the changes an operator makes to cards."""

from __future__ import annotations

import argparse
import sys
import webbrowser
from collections.abc import Callable
from datetime import date

from app.cache import queries
from app.cli.output import notice, stderr_progress
from app.context import Context
from app.errors import UsageError
from app.ids import check_card_id
from app.operations import Operations, known_customer
from app.operations.policy import Action, Confirmation, card_refusal, confirmation, expiry_warning


def cmd_sync(ctx: Context, args: argparse.Namespace) -> int:
    notice(ctx)
    result = ctx.sync_engine().run(stderr_progress(), full=args.full)
    print(result.summary())
    return 0


def _confirm(
    ops: Operations,
    args: argparse.Namespace,
    action: tuple[Action, str, str | None],
    question: Callable[[str], str],
) -> None:
    """Ask before a change on the card `action` names, as `policy.confirmation` says (the
    question is made from the card's name); a change refused by the policy or not confirmed is
    audited as refused."""
    today = date.today()
    # A card the cache lacks is judged by `Operations` on what Stripe says, audited there.
    card = queries.card(action[1]) if action[0] is Action.SET_DEFAULT else None
    refusal = card_refusal(action[0], card, today) if card else ""
    if refusal:
        ops.refuse(*action, refusal)
        raise UsageError(refusal)
    how = confirmation(action[0], ops.gateway.key.mode, card, today=today)
    if args.yes or how is Confirmation.NONE:
        return
    facts = card or ops.card_facts(action[1])
    asked = question(facts.display_name)
    warning = expiry_warning(action[0], facts, today)
    if not sys.stdin.isatty():
        ops.refuse(*action, "not confirmed: no --yes and no terminal to ask on")
        ahead = f"{warning} " if warning else ""
        raise UsageError(f"{ahead}Refusing to {asked} without confirmation: pass --yes.")
    if warning:
        print(warning, file=sys.stderr)
    try:
        if how is Confirmation.LAST_FOUR:
            answer = input(f"LIVE mode: {asked}? Type the card's last four digits to confirm: ")
            ok = answer.strip() == facts.last_four
        else:
            ok = input(f"{asked[0].upper()}{asked[1:]}? [y/N] ").strip().lower() in ("y", "yes")
    except EOFError:  # Ctrl-D: the operator said nothing, which is no
        print(file=sys.stderr)
        ok = False
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
        (Action.SET_DEFAULT, pm_id, customer.id),
        lambda label: f"make {label} the default card of {customer.id}",
    )
    card = ops.set_default(customer.id, pm_id)
    print(f"{card.id} is now the default card of {customer.id}.")
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

"""Commands that talk to Stripe: sync, and the changes an operator makes to cards."""

from __future__ import annotations

import argparse
import sys
import webbrowser
from collections.abc import Callable
from datetime import date

from app.cache import queries
from app.cli.billing import invoice_json
from app.cli.output import notice, print_json, stderr_progress
from app.context import Context
from app.errors import KeyProblemError, UsageError
from app.ids import check_card_id
from app.links import page_origins
from app.operations import Operations, known_customer
from app.operations.declared import DECLARED, Declaration, Facts
from app.operations.policy import Action, Confirmation, card_refusal, expiry_warning
from app.operations.retry import known_invoice, paying_card, refusal_before_asking
from app.operations.tell import payment_link, told
from app.records import CardData, CardRow
from app.untrusted import for_terminal


def cmd_sync(ctx: Context, args: argparse.Namespace) -> int:
    notice(ctx)
    result = ctx.sync_engine().run(stderr_progress(), full=args.full)
    print(result.summary())
    return 0


def _confirm(
    ops: Operations,
    args: argparse.Namespace,
    declared: Declaration,
    facts: Facts,
    refuse: Callable[[str], None],
) -> None:
    """Ask before `declared`'s action, as its declaration says (`policy.confirmation`; the
    question is made from `facts`); not confirmed, it is audited as refused (`refuse`)."""
    today = date.today()
    how = declared.confirmation(ops.gateway.key.mode, facts, today=today)
    if args.yes or how is Confirmation.NONE:
        return
    asked = declared.text(declared.question, facts)
    warning = expiry_warning(declared.action, facts.card, today)
    if not sys.stdin.isatty():
        refuse("not confirmed: no --yes and no terminal to ask on")
        ahead = f"{warning} " if warning else ""
        raise UsageError(f"{ahead}Refusing to {asked} without confirmation: pass --yes.")
    if warning:
        print(warning, file=sys.stderr)
    try:
        if how in (Confirmation.LAST_FOUR, Confirmation.AMOUNT) and declared.typed:
            what, expected = declared.typed(facts)
            answer = input(f"LIVE mode: {asked}? Type {what} to confirm: ")
            ok = bool(expected) and _same_text(answer, expected)
        else:
            ok = input(f"{asked[0].upper()}{asked[1:]}? [y/N] ").strip().lower() in ("y", "yes")
    except EOFError:  # Ctrl-D: the operator said nothing, which is no
        print(file=sys.stderr)
        ok = False
    if not ok:
        refuse("not confirmed by the operator")
        raise UsageError("Not confirmed; nothing was changed.")


def _same_text(answer: str, expected: str) -> bool:
    """The typed confirmation: the last four digits, or the amount with or without its sign
    ("€49.00" or "49.00")."""
    typed = answer.strip().replace("\u00a0", " ")
    wanted = expected.replace("\u00a0", " ")
    number = wanted.lstrip("€£$¥").split(" ")[-1]
    return typed in (wanted, number)


def _card_confirm(
    ops: Operations,
    args: argparse.Namespace,
    action: tuple[Action, str, str | None],
) -> None:
    """A card action: refused at once for a card the policy rules out (a cached expired card
    cannot become the default), then confirmed as its declaration says."""
    declared = DECLARED[action[0]]
    today = date.today()
    # A card the cache lacks is judged by `Operations` on what Stripe says, audited there.
    card = queries.card(action[1]) if action[0] is Action.SET_DEFAULT else None
    refusal = card_refusal(action[0], card, today) if card else ""
    if refusal:
        ops.refuse(*action, refusal)
        raise UsageError(refusal)
    how = declared.confirmation(ops.gateway.key.mode, Facts(card=card), today=today)
    if args.yes or how is Confirmation.NONE:
        return
    facts = Facts(
        card=card or ops.card_facts(action[1]), customer=action[2] or "", target=action[1]
    )
    _confirm(ops, args, declared, facts, lambda why: ops.refuse(*action, why))


def cmd_set_default(ctx: Context, args: argparse.Namespace) -> int:
    ops = ctx.operations()
    customer = known_customer(args.customer)
    pm_id = check_card_id(args.payment_method)
    _card_confirm(ops, args, (Action.SET_DEFAULT, pm_id, customer.id))
    card = ops.set_default(customer.id, pm_id)
    print(f"{card.id} is now the default card of {customer.id}.")
    return 0


def cmd_detach(ctx: Context, args: argparse.Namespace) -> int:
    ops = ctx.operations()
    pm_id = check_card_id(args.payment_method)
    _card_confirm(ops, args, (Action.DETACH, pm_id, None))
    card = ops.detach(pm_id)
    print(f"{card.id} was detached from {card.customer}.")
    return 0


def cmd_retry_payment(ctx: Context, args: argparse.Namespace) -> int:
    """Charge an open invoice now; refused before any request when the cache says no."""
    ops = ctx.operations()
    declared = DECLARED[Action.RETRY_PAYMENT]
    invoice = known_invoice(args.invoice)
    pm_id = check_card_id(args.card) if args.card else None
    emulator = ops.gateway.emulated

    def refuse(why: str) -> None:
        ops.refuse(Action.RETRY_PAYMENT, invoice.id, invoice.customer, why)

    today = date.today()
    refusal = refusal_before_asking(invoice, pm_id, today, emulator=emulator)
    if refusal:
        refuse(refusal)
        raise UsageError(refusal)
    card: CardRow | CardData | None = queries.card(pm_id) if pm_id else paying_card(invoice)
    if pm_id and card is None:
        card = ops.card_facts(pm_id)
    facts = Facts(card=card, customer=invoice.customer, invoice=invoice, target=invoice.id)
    _confirm(ops, args, declared, facts, refuse)
    paid = ops.retry_payment(invoice.id, pm_id, today)
    if args.json:
        print_json({"success": True, "invoice": invoice_json(paid)})
    else:
        print(declared.text(declared.said, facts))
    return 0


def cmd_portal(ctx: Context, args: argparse.Namespace) -> int:
    link = ctx.operations().portal_link(args.customer)
    print(for_terminal(link.url))
    if link.note:
        print(f"note: {link.note}", file=sys.stderr)
    if args.open:
        webbrowser.open(link.url)
    return 0


def cmd_payment_link(ctx: Context, args: argparse.Namespace) -> int:
    """The invoice's payment page: read from Stripe (a fresh link), or the cached one with a
    warning when Stripe cannot be asked; exit status 3 where Stripe gave no page."""
    notice(ctx)
    db = ctx.cache().db
    try:
        gateway = ctx.gateway()
    except KeyProblemError as exc:  # no key: what the cache holds, said so
        print(f"note: {for_terminal(exc)}", file=sys.stderr)
        gateway = None
    link = payment_link(gateway, db, args.invoice, page_origins(ctx.settings))
    told(db, ctx.profile.name, Action.PAYMENT_LINK, link)
    if args.json:
        invoice = link.invoice
        print_json(
            {
                "success": True,
                "invoice": invoice.id,
                "number": invoice.number,
                "customer": invoice.customer,
                "status": invoice.status,
                "amount_remaining": invoice.amount_remaining,
                "currency": invoice.currency,
                "url": link.url,
                "fresh": link.fresh,
                "note": link.note or None,
            }
        )
    else:
        print(for_terminal(link.url))
    if link.note:
        print(f"warning: {link.note}", file=sys.stderr)
    return 0

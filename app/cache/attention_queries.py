"""Reads of "Needs attention": for every customer at once, in three set-based queries over
indexed columns (never one per customer or per row).

The window pages "Needs attention" as it pages the customers: `attention_ranking` orders every
customer who needs attention in one query, and `needs_attention(customers=...)` reads the
reasons of one page of them. `_Paying` is the card that will pay each subscription, as SQL:
a customer's subscriptions (`billing_queries`) and the overview's charts read it too."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from peewee import JOIN, SQL, Case, Expression, Select, fn

from app.billing.rules import (
    BEHIND,
    BILLABLE,
    RUNNING,
    SEVERITY,
    Reason,
    card_expired_detail,
    expires_before_renewal_detail,
    no_default_card_detail,
    past_due_detail,
    payer_candidates,
    payment_failed_detail,
    subscription_name,
)
from app.cache import paying
from app.cache.models import Card, Customer, Invoice, Subscription
from app.cards import display_name, month_index
from app.records import AttentionEntry, AttentionReason


def _raw(query: Select) -> list[tuple[Any, ...]]:
    """Rows as the driver gives them, without Peewee's per-value conversions: "Needs
    attention" may read tens of thousands of rows and converts only the few values it shows."""
    return cast(list[tuple[Any, ...]], Customer._meta.database.execute(query).fetchall())


def _label(card_type: str | None, last_four: str | None) -> str | None:
    return display_name(card_type, last_four) if card_type and last_four else None


@dataclass(frozen=True)
class _Paying:
    """The card that will pay each subscription, as SQL: what `app.billing.rules.payer_candidates`
    says, joined to the cached card of that id, and what is wrong with it on `today`.

    `customer` and `card`: the models, or aliases of them read through an index."""

    payer: Any
    expired: Expression
    expires_before_renewal: Expression
    customer: Any = Customer
    card: Any = Card

    @classmethod
    def on(cls, today: date, customer: Any = Customer, card: Any = Card) -> _Paying:
        card_month = card.exp_year * 12 + card.exp_month - 1
        return cls(
            payer=fn.COALESCE(*payer_candidates(Subscription, customer)),
            expired=card_month < month_index(today.year, today.month),
            expires_before_renewal=(
                ~Subscription.cancel_at_period_end & (card_month < Subscription.period_end_month)
            ),
            customer=customer,
            card=card,
        )

    def flagged(self) -> Expression:
        """Billable subscriptions of customers not deleted with something to tell."""
        something: Expression = (
            Subscription.status.in_(BEHIND)
            | self.payer.is_null()
            | ~self.card.is_active
            | self.expired
            | self.expires_before_renewal
        )
        return cast(
            Expression, Subscription.status.in_(BILLABLE) & ~self.customer.deleted & something
        )

    def severity(self) -> Case:
        """The rank (`SEVERITY`) of a flagged subscription's most severe reason, as
        `_subscription_problems` tells them, from the joined card: what `ranking_query`
        works out from the stored state instead (the tests compare the two)."""
        card = self.card
        gone = card.card_type.is_null(False) & ~card.is_active
        return Case(
            None,
            [
                (Subscription.status.in_(BEHIND), SEVERITY[Reason.PAST_DUE]),
                (card.is_active & self.expired, SEVERITY[Reason.CARD_EXPIRED]),
                (
                    Subscription.status.in_(RUNNING) & (self.payer.is_null() | gone),
                    SEVERITY[Reason.NO_DEFAULT_CARD],
                ),
                (
                    card.is_active & self.expires_before_renewal,
                    SEVERITY[Reason.CARD_EXPIRES_BEFORE_RENEWAL],
                ),
            ],
            None,
        )

    def select(self, *columns: Any) -> Select:
        """Subscriptions with their customer and the paying card (when cached)."""
        return (
            Subscription.select(*columns)
            .join(self.customer, on=(self.customer.stripe_id == Subscription.customer))
            .join(self.card, JOIN.LEFT_OUTER, on=(self.card.stripe_payment_method_id == self.payer))
        )


class _Found:
    """Reasons and amounts gathered per customer while reading the three queries."""

    def __init__(self) -> None:
        self.who: dict[str, tuple[str, str]] = {}
        self.reasons: dict[str, dict[Reason, tuple[str, str | None]]] = defaultdict(dict)

    def add(
        self,
        customer: tuple[str, str, str],
        reason: Reason,
        detail: str,
        status: str | None = None,
    ) -> None:
        self.who[customer[0]] = (customer[1], customer[2])
        self.reasons[customer[0]].setdefault(reason, (detail, status))


def needs_attention(
    today: date | None = None, customers: Collection[str] | None = None
) -> list[AttentionEntry]:
    """Every customer (not deleted) who needs attention, and why: ordered by their most
    severe reason, then by name. Three queries whatever the number of customers.

    `customers`: only these (Stripe ids), e.g. a page of `attention_ranking`."""
    found = _Found()
    only = list(customers) if customers is not None else None
    _failed_payments(found, only)
    _subscription_problems(found, _Paying.on(today or date.today()), only)
    due = _amounts_due(set(found.reasons), only)
    entries = []
    for customer_id, reasons in found.reasons.items():
        name, email = found.who[customer_id]
        ordered = sorted(reasons.items(), key=lambda item: SEVERITY[item[0]])
        entries.append(
            AttentionEntry(
                id=customer_id,
                name=name,
                email=email,
                amount_due=tuple(sorted(due.get(customer_id, {}).items())),
                reasons=tuple(
                    AttentionReason(code.value, text, status) for code, (text, status) in ordered
                ),
            )
        )
    entries.sort(key=lambda e: (SEVERITY[Reason(e.reasons[0].code)], e.name.casefold(), e.id))
    return entries


def _failed_payments(found: _Found, only: list[str] | None) -> None:
    """payment_failed: open invoices with at least one failed attempt; the newest is told."""
    query = (
        Invoice.select(
            Customer.stripe_id,
            Customer.name,
            Customer.email,
            fn.COALESCE(Invoice.number, Invoice.stripe_id),
            Invoice.amount_remaining,
            Invoice.currency,
            Invoice.attempt_count,
            Invoice.failure_message,
        )
        .join(Customer, on=(Customer.stripe_id == Invoice.customer))
        .where(Invoice.status == "open", Invoice.attempt_count > 0, ~Customer.deleted)
        .order_by(Invoice.created.desc(), Invoice.id.desc())
    )
    if only is not None:
        query = query.where(Invoice.customer.in_(only))
    counts: dict[str, int] = defaultdict(int)
    newest: dict[str, tuple[Any, ...]] = {}
    for row in _raw(query):
        counts[row[0]] += 1
        newest.setdefault(row[0], row)
    for customer_id, row in newest.items():
        number, amount, currency, attempts, failure = row[3:8]
        more = counts[customer_id] - 1
        detail = payment_failed_detail(number, amount, currency, attempts, failure, more)
        found.add(row[:3], Reason.PAYMENT_FAILED, detail)


def _subscription_problems(found: _Found, paying: _Paying, only: list[str] | None) -> None:
    """past_due, card_expired, no_default_card and card_expires_before_renewal: only the
    subscriptions with one of them are read."""
    query = paying.select(
        Customer.stripe_id,
        Customer.name,
        Customer.email,
        Subscription.stripe_id,
        Subscription.status,
        Subscription.description,
        Subscription.current_period_end,
        paying.payer,
        Card.card_type,
        Card.last_four,
        Card.exp_month,
        Card.exp_year,
        Card.is_active,
        paying.expired,
        paying.expires_before_renewal,
    ).where(paying.flagged())
    if only is not None:
        query = query.where(Subscription.customer.in_(only))
    for row in _raw(query):
        customer = row[:3]
        sub_id, status, description, renews, payer = row[3:8]
        card_type, last_four, month, year, active, expired, before = row[8:15]
        name = subscription_name(description, sub_id)
        card = _label(card_type, last_four) or ""
        if status in BEHIND:
            found.add(customer, Reason.PAST_DUE, past_due_detail(name, status), status)
        if active and expired:
            found.add(customer, Reason.CARD_EXPIRED, card_expired_detail(name, card, month, year))
        elif active and before:
            renewal = Subscription.current_period_end.python_value(renews)
            detail = expires_before_renewal_detail(name, card, month, year, renewal)
            found.add(customer, Reason.CARD_EXPIRES_BEFORE_RENEWAL, detail)
        gone = card_type is not None and not active
        if status in RUNNING and (payer is None or gone):
            found.add(customer, Reason.NO_DEFAULT_CARD, no_default_card_detail(name, gone))


def _amounts_due(customers: set[str], only: list[str] | None) -> dict[str, dict[str, int]]:
    """What the open invoices still ask, per customer and currency: added up here, in
    Python's integers, because SQLite's SUM stops at 2**63 (two open invoices of 2**62)."""
    if not customers:
        return {}
    query = Invoice.select(Invoice.customer, Invoice.currency, Invoice.amount_remaining).where(
        Invoice.status == "open"
    )
    if only is not None:
        query = query.where(Invoice.customer.in_(only))
    due: dict[str, dict[str, int]] = defaultdict(dict)
    for customer_id, currency, amount in _raw(query):
        if customer_id in customers and amount:
            due[customer_id][currency] = due[customer_id].get(currency, 0) + int(amount)
    return {c: {k: v for k, v in amounts.items() if v} for c, amounts in due.items()}


def attention_ranking(today: date | None = None) -> list[str]:
    """The Stripe ids of every customer `needs_attention` lists, most severe reason first,
    then by name as the customers list sorts it (and by id): one query, which reads ids
    only, so that a view can read the reasons a page at a time."""
    return [row[0] for row in _raw(ranking_query(today or date.today()))]


def ranking_query(today: date) -> Select:
    """The query behind `attention_ranking`: the subscriptions flagged this month, read
    through the index of their stored `attention_from` (`app.cache.paying`: no join to
    every billable subscription's card), with their customers, and the failed invoices."""
    s = Subscription
    this_month = month_index(today.year, today.month)
    active = s.pay_card == paying.ACTIVE
    severity = Case(
        None,
        [
            (s.status.in_(BEHIND), SEVERITY[Reason.PAST_DUE]),
            (active & (s.pay_month < this_month), SEVERITY[Reason.CARD_EXPIRED]),
            (
                s.status.in_(RUNNING) & (s.payer.is_null() | (s.pay_card == paying.INACTIVE)),
                SEVERITY[Reason.NO_DEFAULT_CARD],
            ),
            (
                active & ~s.cancel_at_period_end & (s.pay_month < s.period_end_month),
                SEVERITY[Reason.CARD_EXPIRES_BEFORE_RENEWAL],
            ),
        ],
        None,
    )
    subscriptions = (
        s.select(s.customer.alias("cid"), severity.alias("rank"), Customer.name.alias("name"))
        .join(Customer, on=(Customer.stripe_id == s.customer))
        .where(s.attention_from <= this_month, ~Customer.deleted)
    )
    failed = (
        Invoice.select(
            Invoice.customer.alias("cid"),
            SQL(str(SEVERITY[Reason.PAYMENT_FAILED])).alias("rank"),
            Customer.name.alias("name"),
        )
        .join(Customer, on=(Customer.stripe_id == Invoice.customer))
        .where(Invoice.status == "open", Invoice.attempt_count > 0, ~Customer.deleted)
    )
    flagged = failed.union_all(subscriptions).alias("flagged")
    rank = fn.MIN(flagged.c.rank)
    return (
        Select([flagged], [flagged.c.cid])
        .group_by(flagged.c.cid, flagged.c.name)
        .having(rank.is_null(False))
        .order_by(rank, flagged.c.name, flagged.c.cid)
    )

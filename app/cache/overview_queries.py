"""Reads of the Overview tab: three small aggregates of the whole cache, offline.

- the amount at risk by reason and currency, with the very rules of "Needs attention"
  (`billing_queries`: the open invoices whose payment failed, and the billable subscriptions
  `_Paying.flagged` picks, each under its most severe reason, `_Paying.severity`);
- the cards that expire in each of the next 12 months, and how many of them pay a billable
  subscription (`app.billing.rules.payer_candidates`, as the Billing tab tells it);
- failed payment attempts (`failed_payment`) and recovered invoices (paid, after at least one
  failed attempt) per week for the last 13 weeks.

Each is one query grouped in the database (or reading only the rows of its weeks), so that the
tab costs a few tens of milliseconds at 100,000 customers, not one query per customer.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from peewee import SQL, DatabaseError, Select, fn

from app.billing.rules import BILLABLE, Reason
from app.cache.attention_queries import _Paying, _raw
from app.cache.models import Card, Customer, FailedPayment, Invoice, Subscription
from app.cards import month_index

#: The months of the expiring cards chart, this month first.
MONTHS = 12
#: The weeks of the failed and recovered payments chart, this week last.
WEEKS = 13
_WEEK_S = 7 * 24 * 3600
_REASONS = list(Reason)


@dataclass(frozen=True)
class RiskBar:
    """What one reason puts at risk in one currency: for `payment_failed` what the open
    invoices whose payment failed still ask; for the others, one period's amount of each
    billable subscription whose most severe reason it is. Minor units."""

    reason: Reason
    currency: str
    amount: int
    #: Customers behind the amount.
    customers: int


@dataclass(frozen=True)
class ExpiryMonth:
    #: The first day of the month.
    month: date
    #: Active cards of customers not deleted that expire at the end of this month.
    cards: int
    #: Of those, the cards that pay a billable subscription.
    paying: int


@dataclass(frozen=True)
class PaymentWeek:
    #: The Monday (UTC) the week starts.
    start: date
    #: Failed payment attempts in the week.
    failed: int
    #: Invoices paid in the week after at least one failed attempt.
    recovered: int


@dataclass(frozen=True)
class Overview:
    risk: tuple[RiskBar, ...]
    expiring: tuple[ExpiryMonth, ...]
    weeks: tuple[PaymentWeek, ...]


def overview(now: datetime | None = None) -> Overview:
    """The three charts' figures on `now` (UTC; the day's date for the card rules)."""
    now = now or datetime.now(UTC)
    today = now.date()
    return Overview(amount_at_risk(today), expiring_cards(today), payment_weeks(now))


# -- the amount at risk ---------------------------------------------------------------------------


def _paying(today: date) -> _Paying:
    """`_Paying` as the ranking of "Needs attention" tells its reasons."""
    return _Paying.on(today)


def amount_at_risk(today: date | None = None) -> tuple[RiskBar, ...]:
    """By reason (most severe first), then currency."""
    paying = _paying(today or date.today())
    rank = paying.severity()
    subscriptions = (
        paying.select(
            rank.alias("rank"),
            Subscription.currency.alias("currency"),
            Subscription.amount.alias("amount"),
            Subscription.customer.alias("cid"),
        )
        .where(paying.flagged())
        .where(Subscription.currency.is_null(False))
    )
    failed = (
        Invoice.select(
            SQL("0").alias("rank"),
            Invoice.currency.alias("currency"),
            Invoice.amount_remaining.alias("amount"),
            Invoice.customer.alias("cid"),
        )
        .join(Customer, on=(Customer.stripe_id == Invoice.customer))
        .where(Invoice.status == "open", Invoice.attempt_count > 0, ~Customer.deleted)
    )
    rows = failed.union_all(subscriptions).alias("at_risk")
    grouped = (
        Select(
            [rows],
            [rows.c.rank, rows.c.currency, fn.SUM(rows.c.amount), fn.COUNT(rows.c.cid.distinct())],
        )
        .where(rows.c.rank.is_null(False))
        .group_by(rows.c.rank, rows.c.currency)
    )
    try:
        totals = _raw(grouped)
    except DatabaseError:
        # SQLite's SUM stops at 2**63 ("integer overflow"): add up in Python's integers.
        totals = _sum_in_python(
            _raw(Select([rows], [rows.c.rank, rows.c.currency, rows.c.amount, rows.c.cid]))
        )
    bars = [
        RiskBar(_REASONS[int(rank)], currency, int(amount or 0), int(customers))
        for rank, currency, amount, customers in totals
        if rank is not None and currency
    ]
    bars.sort(key=lambda bar: (_REASONS.index(bar.reason), bar.currency))
    return tuple(bar for bar in bars if bar.amount)


def _sum_in_python(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    amounts: dict[tuple[int, str], int] = defaultdict(int)
    who: dict[tuple[int, str], set[str]] = defaultdict(set)
    for rank, currency, amount, customer in rows:
        if rank is None:
            continue
        amounts[rank, currency] += int(amount or 0)
        who[rank, currency].add(customer)
    return [(*key, amounts[key], len(who[key])) for key in amounts]


# -- expiring cards -------------------------------------------------------------------------------


def _month_start(index: int) -> date:
    return date(index // 12, index % 12 + 1, 1)


def expiring_cards(today: date | None = None) -> tuple[ExpiryMonth, ...]:
    """One entry for each of the next `MONTHS` months, this month first, zeros included."""
    today = today or date.today()
    first = month_index(today.year, today.month)
    last = first + MONTHS - 1
    # Grouped by the columns, not by the month's expression: PostgreSQL cannot tell that two
    # copies of an expression with parameters are the same.
    card: Any = Card
    month = card.exp_year * 12 + card.exp_month - 1
    # The few deleted customers are left out by id: the expiry is read from an index, and
    # only the cards of the 12 months are read whole.
    deleted = Customer.select(Customer.id).where(Customer.deleted)
    cards = (
        card.select(card.exp_year, card.exp_month, fn.COUNT(SQL("*")))
        .where(card.is_active, month >= first, month <= last, card.customer.not_in(deleted))
        .group_by(card.exp_year, card.exp_month)
    )
    paying = _paying(today)
    held = paying.card
    payers = (
        paying.select(
            held.exp_year, held.exp_month, fn.COUNT(held.stripe_payment_method_id.distinct())
        )
        .where(
            Subscription.status.in_(BILLABLE),
            ~paying.customer.deleted,
            held.is_active,
            held.exp_year * 12 + held.exp_month - 1 >= first,
            held.exp_year * 12 + held.exp_month - 1 <= last,
        )
        .group_by(held.exp_year, held.exp_month)
    )
    counted = {month_index(y, m): int(n) for y, m, n in _raw(cards)}
    paid = {month_index(y, m): int(n) for y, m, n in _raw(payers)}
    return tuple(
        ExpiryMonth(_month_start(m), counted.get(m, 0), paid.get(m, 0))
        for m in range(first, last + 1)
    )


# -- failed and recovered payments --------------------------------------------------------------


def week_starts(now: datetime) -> list[datetime]:
    """The Mondays (00:00 UTC) of the last `WEEKS` weeks, the current one last."""
    day = now.astimezone(UTC).date()
    monday = day - timedelta(days=day.weekday())
    this_week = datetime(monday.year, monday.month, monday.day, tzinfo=UTC)
    return [this_week - timedelta(weeks=WEEKS - 1 - n) for n in range(WEEKS)]


def payment_weeks(now: datetime | None = None) -> tuple[PaymentWeek, ...]:
    """Failed attempts and recovered invoices in each of the last `WEEKS` weeks (UTC), the
    current week last (it runs until now)."""
    starts = week_starts(now or datetime.now(UTC))
    since = starts[0].timestamp()
    failed = FailedPayment.select(FailedPayment.at).where(FailedPayment.at >= since)
    # From the few invoices that ever failed to their rows (a unique index), not through
    # every paid invoice.
    tried = FailedPayment.select(FailedPayment.invoice).distinct().alias("tried")
    recovered = (
        Invoice.select(Invoice.paid_at)
        .join(tried, on=(Invoice.stripe_id == tried.c.invoice))
        .where(Invoice.status == "paid", Invoice.paid_at >= since)
    )
    return tuple(
        PaymentWeek(start.date(), f, r)
        for start, f, r in zip(
            starts, _per_week(_raw(failed), since), _per_week(_raw(recovered), since), strict=True
        )
    )


def _per_week(rows: list[tuple[Any, ...]], since: float) -> list[int]:
    counts = [0] * WEEKS
    for (at,) in rows:
        week = int((float(at) - since) // _WEEK_S)
        if 0 <= week < WEEKS:
            counts[week] += 1
    return counts

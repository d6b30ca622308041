"""Each subscription's paying card, stored with it ("Needs attention" at a million).

"Needs attention" ranks the billable subscriptions whose paying card is missing, detached,
expired or expiring before the renewal. Working that out at read time joined every billable
subscription to its customer and to the card of the payer's id (a million index lookups of
each: ~0.9 s on SQLite, 1.6 s on PostgreSQL). So each subscription stores what the ranking
needs of that join, written whenever a subscription, a customer's default or a card is
written (`store.upsert_subscriptions`, `customer_write._write_batch`, which every customer
and card write goes through):

- `payer`: the id that pays it (`app.billing.rules.payer_candidates`, COALESCEd);
- `pay_card`: `ACTIVE` or `INACTIVE` when that card is cached, else NULL;
- `pay_month`: the card's expiry month index (year × 12 + month - 1), when cached;
- `attention_from`: the first month index (today's, `month_index`) from which the
  subscription is flagged, whatever its customer: 0 when it is already (behind, nothing to
  pay with, a detached card, a card that expires before the renewal), the month after the
  card's expiry for an active card, NULL when never (not billable, or its card is not cached).

The ranking then reads the subscriptions with `attention_from <= this month` through an
index, and only their customers (for the name and the deleted flag).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from peewee import Case, Expression, fn

from app.billing.rules import BEHIND, BILLABLE, payer_candidates
from app.cache.models import Card, Customer, Subscription
from app.cards import month_index
from app.records import SubscriptionData

ACTIVE = 1
INACTIVE = 2
#: The stored columns, in `stored_state`'s order.
COLUMNS = (
    Subscription.payer,
    Subscription.pay_card,
    Subscription.pay_month,
    Subscription.attention_from,
)
#: Subscriptions refreshed per statement (a list of ids in its WHERE).
CHUNK = 500


def _refresh(where: Expression) -> None:
    """Work the stored state out again for the subscriptions `where` selects: two
    statements, the payer first (the second reads the card of the payer just written)."""
    customer = Customer.alias("payer_customer")
    customer_default = customer.select(customer.default_payment_method).where(
        customer.stripe_id == Subscription.customer
    )
    payer = fn.COALESCE(*payer_candidates(Subscription, _Columns(customer_default)))
    Subscription.update(payer=payer).where(where).execute()
    card = Card.alias("payer_card")

    def of_card(value: Any) -> Any:
        return card.select(value).where(card.stripe_payment_method_id == Subscription.payer)

    state = of_card(Case(None, [(card.is_active, ACTIVE)], INACTIVE))
    month = of_card(card.exp_year * 12 + card.exp_month - 1)
    Subscription.update(pay_card=state, pay_month=month).where(where).execute()
    Subscription.update(attention_from=attention_from()).where(where).execute()


class _Columns:
    """A customer whose `default_payment_method` is the subquery given (for
    `payer_candidates`, which names the column of a customer model)."""

    def __init__(self, default_payment_method: Any) -> None:
        self.default_payment_method = default_payment_method


def attention_from() -> Case:
    """`attention_from` of the stored columns (see the module's docstring)."""
    s = Subscription
    active = s.pay_card == ACTIVE
    return Case(
        None,
        [
            (s.status.not_in(BILLABLE), None),
            (s.status.in_(BEHIND) | s.payer.is_null() | (s.pay_card == INACTIVE), 0),
            (active & ~s.cancel_at_period_end & (s.pay_month < s.period_end_month), 0),
            (active, s.pay_month + 1),
        ],
        None,
    )


def stored_state(rows: Sequence[SubscriptionData]) -> list[list[Any]]:
    """[payer, pay_card, pay_month, attention_from] of each subscription about to be
    written, as `_refresh` would work them out from the cache (read in two queries, and
    worked out here: a subscription is written once, not written then updated)."""
    owners = sorted({s.customer for s in rows})
    defaults: dict[str, str | None] = {}
    for start in range(0, len(owners), CHUNK):
        query = Customer.select(Customer.stripe_id, Customer.default_payment_method).where(
            Customer.stripe_id.in_(owners[start : start + CHUNK])
        )
        defaults.update(_rows(query))
    payers = [
        _first(s.default_payment_method, s.default_source, defaults.get(s.customer)) for s in rows
    ]
    wanted = sorted({p for p in payers if p is not None})
    cards: dict[str, tuple[int, int]] = {}
    for start in range(0, len(wanted), CHUNK):
        held = Card.select(
            Card.stripe_payment_method_id, Card.is_active, Card.exp_year, Card.exp_month
        ).where(Card.stripe_payment_method_id.in_(wanted[start : start + CHUNK]))
        for pm, active, year, month in _rows(held):
            cards[pm] = (ACTIVE if active else INACTIVE, year * 12 + month - 1)
    out = []
    for s, payer in zip(rows, payers, strict=True):
        state: int | None = None
        month_: int | None = None
        if payer is not None and payer in cards:
            state, month_ = cards[payer]
        out.append([payer, state, month_, _attention_from(s, payer, state, month_)])
    return out


def _rows(query: Any) -> list[tuple[Any, ...]]:
    return cast(list[tuple[Any, ...]], list(query.tuples()))


def _first(*values: str | None) -> str | None:
    """SQL's COALESCE: the first value that is not None (an empty string included)."""
    return next((v for v in values if v is not None), None)


def _attention_from(
    s: SubscriptionData, payer: str | None, state: int | None, month: int | None
) -> int | None:
    """`attention_from()` in Python, for one subscription."""
    if s.status not in BILLABLE:
        return None
    if s.status in BEHIND or payer is None or state == INACTIVE:
        return 0
    if state != ACTIVE or month is None:
        return None
    end = s.current_period_end
    if not s.cancel_at_period_end and end is not None and month < month_index(end.year, end.month):
        return 0
    return month + 1


def refresh_customers(customer_ids: Sequence[int]) -> None:
    """After these customers (cache ids) or their cards were written: their subscriptions,
    and any subscription paid by one of their cards. One query finds them (none, while a
    first sync writes its customers before their subscriptions)."""
    found: list[int] = []
    for start in range(0, len(customer_ids), CHUNK):
        chunk = list(customer_ids[start : start + CHUNK])
        theirs = Customer.select(Customer.stripe_id).where(Customer.id.in_(chunk))
        cards = Card.select(Card.stripe_payment_method_id).where(Card.customer.in_(chunk))
        query = Subscription.select(Subscription.id).where(
            Subscription.customer.in_(theirs) | Subscription.payer.in_(cards)
        )
        found.extend(row[0] for row in _rows(query))
    for start in range(0, len(found), CHUNK):
        _refresh(Subscription.id.in_(found[start : start + CHUNK]))


def refresh_all() -> None:
    """Every subscription (the migration that added the columns)."""
    _refresh(Subscription.id.is_null(False))

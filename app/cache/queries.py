"""Read queries for the command line and the window: never one query per row."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from peewee import (
    JOIN,
    SQL,
    Case,
    Expression,
    IntegerField,
    NodeList,
    Select,
    SqliteDatabase,
    Value,
    fn,
)

from app.cache import chain, search_index
from app.cache.migrations import missing_audit_triggers
from app.cache.models import CARD_DETAILS, AuditEntry, Card, Customer, SyncState, fold
from app.cards import display_name, expiring_range
from app.records import AuditRow, CardRow, CustomerRow, SyncStatus

#: The columns behind CustomerRow and CardRow, in their fields' order.
CUSTOMER_COLUMNS = (
    Customer.stripe_id,
    Customer.name,
    Customer.email,
    Customer.default_payment_method,
    Customer.default_card_label,
    Customer.card_count,
    Customer.synced_at,
    Customer.deleted,
    Customer.cards_pending,
)
CARD_COLUMNS = (Card.stripe_payment_method_id, Customer.stripe_id, *CARD_DETAILS)


#: The longest search we run: SQLite refuses LIKE patterns past 50,000 bytes, and 10,000
#: characters of UTF-8 take at most 40,000.
SEARCH_LIMIT = 10_000


def like_pattern(text: str) -> str:
    """`%text%` with LIKE's wildcards escaped, so that a search is taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _like(field: object, text: str) -> Expression:
    return NodeList(
        (field, SQL("LIKE"), Value(like_pattern(text), converter=False), SQL("ESCAPE '\\'"))
    )  # type: ignore[return-value]


SORT_FIELDS: dict[str, Any] = {
    "name": Customer.name,
    "email": Customer.email,
    "id": Customer.stripe_id,
    "cards": Customer.card_count,
    "default": Customer.default_card_label,
}


def customers_query(
    search: str | None = None,
    *,
    expiring_within: int | None = None,
    today: date | None = None,
    sort: str = "name",
    descending: bool = False,
    include_deleted: bool = False,
    use_sort_index: bool = True,
    indexed: bool = False,
) -> Select:
    """The customers list, filtered and sorted.

    Without `use_sort_index` SQLite may not walk the sort column's index (`+column`): it
    sorts what matched, which is what a search matching few rows wants. With `indexed`, a
    search reads only the rows SQLite's search index names (`search_index`), then checks
    them with LIKE. (PostgreSQL's planner weighs both itself, with its trigram index.)"""
    query = Customer.select(*CUSTOMER_COLUMNS)
    if not include_deleted:
        query = query.where(~Customer.deleted)
    text = fold(search.strip()) if search else ""
    if text:
        query = query.where(_like(Customer.search_key, text))
        expression = search_index.match_expression(text) if indexed else None
        if expression is not None and _sqlite():
            found = NodeList((SQL(search_index.candidates_sql(), [expression]),), parens=True)
            query = query.where(Customer.id.in_(found))
    if expiring_within is not None:
        lo, hi = expiring_range(today or date.today(), expiring_within)
        month = Card.exp_year * 12 + Card.exp_month - 1
        soon = Card.select(Card.customer).where(Card.is_active, month >= lo, month <= hi)
        query = query.where(Customer.id.in_(soon))
    field = SORT_FIELDS.get(sort, Customer.name)
    if not use_sort_index:
        field = _unindexed(field)
    # Ties (equal names) reversed too: the list read backwards, as the search index reads it.
    if descending:
        return query.order_by(field.desc(), Customer.stripe_id.desc())
    return query.order_by(field.asc(), Customer.stripe_id.asc())


def _unindexed(field: Any) -> Any:
    """The same order, which the database cannot read along the column's index: SQLite's
    `+column`; on PostgreSQL an expression (`|| ''`, `+ 0`), else its planner walks the name
    index for a search whose few matches sort late ("李", every "Olivia"), 140 ms at 100,000."""
    if _sqlite():
        return NodeList((SQL("+"), field), glue="")
    if isinstance(field, IntegerField):
        return NodeList((field, SQL("+ 0")), parens=True)
    return NodeList((field, SQL("|| ''")), parens=True)


def _sqlite() -> bool:
    return isinstance(Customer._meta.database.obj, SqliteDatabase)


def _tuples(query: Select) -> list[tuple[Any, ...]]:
    return cast(list[tuple[Any, ...]], list(query.tuples()))


def customer_rows(query: Select, offset: int = 0, limit: int | None = None) -> list[CustomerRow]:
    if limit is not None:
        query = query.limit(limit).offset(offset)
    return [CustomerRow(*row) for row in _tuples(query)]


def count(query: Select) -> int:
    return int(query.order_by().count())


def cards_of(customer_id: str, *, include_inactive: bool = False) -> list[CardRow]:
    query = (
        Card.select(*CARD_COLUMNS)
        .join(Customer)
        .where(Customer.stripe_id == customer_id)
        .order_by(Card.is_active.desc(), Card.is_default.desc(), Card.created_at.desc(), Card.id)
    )
    if not include_inactive:
        query = query.where(Card.is_active)
    return [CardRow(*row) for row in _tuples(query)]


#: A search for a card's last digits: up to four digits and nothing else.
LAST_FOUR_SEARCH = re.compile(r"[0-9]{1,4}")


def cards_matching(customer_ids: Sequence[str], digits: str) -> dict[str, CardRow]:
    """For a last-four search: each of these customers' active card whose last four digits
    hold `digits` (the default first, else the newest), in one query."""
    if not customer_ids or not LAST_FOUR_SEARCH.fullmatch(digits):
        return {}
    query = (
        Card.select(*CARD_COLUMNS)
        .join(Customer)
        .where(
            Customer.stripe_id.in_(list(customer_ids)),
            Card.is_active,
            _like(Card.last_four, digits),
        )
        .order_by(Card.is_default.desc(), Card.created_at.desc(), Card.id)
    )
    found: dict[str, CardRow] = {}
    for row in _tuples(query):
        card = CardRow(*row)
        found.setdefault(card.customer, card)
    return found


def expiring_cards(
    within_days: int, today: date | None = None
) -> list[tuple[CustomerRow, CardRow]]:
    lo, hi = expiring_range(today or date.today(), within_days)
    month = Card.exp_year * 12 + Card.exp_month - 1
    query = (
        Card.select(*CARD_COLUMNS, *CUSTOMER_COLUMNS[1:])
        .join(Customer)
        .where(Card.is_active, ~Customer.deleted, month >= lo, month <= hi)
        .order_by(Card.exp_year, Card.exp_month, Customer.name, Card.id)
    )
    out = []
    width = len(CARD_COLUMNS)
    for row in _tuples(query):
        card = CardRow(*row[:width])
        out.append((CustomerRow(card.customer, *row[width:]), card))
    return out


#: What `audit` shows for an operation whose intent was recorded but not its outcome (the
#: app stopped, or the cache could not be written, after Stripe was asked).
OUTCOME_UNKNOWN = "outcome unknown"
#: An outcome written for an intent a sync had settled already (the desktop that sent it
#: came back with its answer): kept on the record, never a second outcome.
NOTE = "note"


def audit_entries(
    customer: str | None = None, limit: int | None = None, *, operator: str | None = None
) -> list[AuditRow]:
    """One row per operation, newest first: an intent with the outcome that names it (or
    OUTCOME_UNKNOWN), and entries written on their own (refusals before any intent);
    only those about `customer`, or by `operator`, when given."""
    outcome = AuditEntry.alias()
    settled = Case(
        None,
        [(AuditEntry.outcome == "intent", fn.COALESCE(outcome.outcome, OUTCOME_UNKNOWN))],
        AuditEntry.outcome,
    )
    about = fn.COALESCE(outcome.customer, AuditEntry.customer)
    query = (
        AuditEntry.select(
            AuditEntry.at,
            AuditEntry.operator,
            AuditEntry.profile,
            AuditEntry.action,
            fn.COALESCE(outcome.target, AuditEntry.target),
            about,
            settled,
            fn.COALESCE(outcome.detail, AuditEntry.detail),
        )
        .join(outcome, JOIN.LEFT_OUTER, on=_outcome_of(outcome))
        .where(AuditEntry.intent.is_null())
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    )
    if customer:
        query = query.where(about == customer)
    if operator:
        query = query.where(AuditEntry.operator == operator)
    if limit:
        query = query.limit(limit)
    return [AuditRow(*row) for row in _tuples(query)]


def names_of(stripe_ids: Iterable[str]) -> dict[str, str]:
    """How the operator knows these ids: a card by its brand and last four, a customer by its
    name (else its email); two queries, whatever the number of ids."""
    ids = sorted(set(stripe_ids))
    if not ids:
        return {}
    cards = Card.select(Card.stripe_payment_method_id, Card.card_type, Card.last_four).where(
        Card.stripe_payment_method_id.in_(ids)
    )
    names = {pm: display_name(brand, last4) for pm, brand, last4 in _tuples(cards)}
    people = Customer.select(Customer.stripe_id, Customer.name, Customer.email).where(
        Customer.stripe_id.in_(ids)
    )
    names.update({cus: name or email or cus for cus, name, email in _tuples(people)})
    return names


@dataclass(frozen=True)
class OpenIntent:
    """An operation put on the record whose outcome was never written."""

    id: int
    action: str
    target: str
    customer: str | None
    profile: str
    at: datetime
    #: The Idempotency-Key its write to Stripe carried (None: an intent without one).
    key: str | None


def intent_key(detail: str | None) -> str | None:
    """The Idempotency-Key an intent's JSON detail stores (`store.intend`), else None."""
    try:
        value = json.loads(detail or "")
    except ValueError:
        return None
    key = value.get("idempotency_key") if isinstance(value, dict) else None
    return key if isinstance(key, str) and key else None


def _outcome_of(outcome: Any) -> Expression:
    """The join of an intent to its outcome: the entry naming it that is not a note."""
    joined: Expression = (outcome.intent == AuditEntry.id) & (outcome.outcome != NOTE)
    return joined


def open_intents(before: datetime | None = None) -> list[OpenIntent]:
    """Intents (written before `before`, when given) that no outcome names."""
    outcome = AuditEntry.alias()
    query = (
        AuditEntry.select(
            AuditEntry.id,
            AuditEntry.action,
            AuditEntry.target,
            AuditEntry.customer,
            AuditEntry.profile,
            AuditEntry.at,
            AuditEntry.detail,
        )
        .join(outcome, JOIN.LEFT_OUTER, on=_outcome_of(outcome))
        .where(AuditEntry.outcome == "intent", outcome.id.is_null())
        .order_by(AuditEntry.id)
    )
    if before is not None:
        query = query.where(AuditEntry.at < before)
    return [
        OpenIntent(id_, action, target, customer, profile, at, intent_key(detail))
        for id_, action, target, customer, profile, at, detail in _tuples(query)
    ]


@dataclass(frozen=True)
class LoggedIntent:
    """An intent on the record with the outcome that names it (None: outcome unknown)."""

    id: int
    at: datetime
    action: str
    target: str
    customer: str | None
    key: str | None
    outcome: str | None


def logged_intents(since: datetime, ids: Iterable[int] = ()) -> list[LoggedIntent]:
    """The intents written at or after `since`, and those of `ids`, with their outcomes."""
    outcome = AuditEntry.alias()
    wanted = sorted(set(ids))
    written = AuditEntry.at >= since
    query = (
        AuditEntry.select(
            AuditEntry.id,
            AuditEntry.at,
            AuditEntry.action,
            AuditEntry.target,
            AuditEntry.customer,
            AuditEntry.detail,
            outcome.outcome,
        )
        .join(outcome, JOIN.LEFT_OUTER, on=_outcome_of(outcome))
        .where(
            AuditEntry.outcome == "intent",
            (written | AuditEntry.id.in_(wanted)) if wanted else written,
        )
        .order_by(AuditEntry.id)
    )
    return [
        LoggedIntent(id_, at, action, target, customer, intent_key(detail), said)
        for id_, at, action, target, customer, detail, said in _tuples(query)
    ]


def verify_audit() -> chain.Verdict:
    """Walk the whole audit log's hash chain, and look for its triggers."""
    entries = cast(
        Iterable[dict[str, Any]], AuditEntry.select().order_by(AuditEntry.id).dicts().iterator()
    )
    counted = operations = 0

    def counting() -> Iterator[dict[str, Any]]:
        nonlocal counted, operations
        for entry in entries:
            counted += 1
            operations += entry["intent"] is None
            yield entry

    broken = chain.first_break(counting())
    return chain.Verdict(
        counted, broken, missing_audit_triggers(AuditEntry._meta.database.obj), operations
    )


def sync_state() -> SyncStatus | None:
    """None when the cache has never been written."""
    row = (
        SyncState.select(SyncState.version, SyncState.last_sync, SyncState.last_full_sync)
        .where(SyncState.id == 1)
        .tuples()
        .first()
    )
    return SyncStatus(*row) if row else None


def customer(stripe_id: str) -> CustomerRow | None:
    row = Customer.select(*CUSTOMER_COLUMNS).where(Customer.stripe_id == stripe_id).tuples().first()
    return CustomerRow(*row) if row else None


def card(pm_id: str) -> CardRow | None:
    row = (
        Card.select(*CARD_COLUMNS)
        .join(Customer)
        .where(Card.stripe_payment_method_id == pm_id)
        .tuples()
        .first()
    )
    return CardRow(*row) if row else None


def customer_of_card(pm_id: str | None) -> str | None:
    """The Stripe id of the customer a cached card belongs to."""
    found = card(pm_id) if pm_id else None
    return found.customer if found else None

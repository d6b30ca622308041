"""Peewee models of the cache.

Only safe card metadata is stored (the seed's list): brand, last four digits, expiry,
country, funding and the default/active flags. Never a card number, CVC, PIN or address.
"""

from __future__ import annotations

import secrets
import sqlite3
import string
import unicodedata
from datetime import UTC, datetime
from typing import Any

import peewee
from peewee import (
    AutoField,
    BigIntegerField,
    BooleanField,
    CharField,
    DatabaseProxy,
    DoubleField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
)

database = DatabaseProxy()


def now() -> datetime:
    return datetime.now(UTC)


def new_cache_id() -> str:
    """26 random letters (122 bits): no digits, so no redaction of a run of digits (a card
    number's look) ever cuts into an Idempotency-Key made from it."""
    return "".join(secrets.choice(string.ascii_lowercase) for _ in range(26))


#: What a failing database raises: Peewee's wrapper, or sqlite3's own from a raw connection.
DATABASE_ERRORS = (peewee.DatabaseError, sqlite3.DatabaseError)


#: Letters that Unicode does not decompose into a base letter and a mark.
_UNMARKED = str.maketrans({"ø": "o", "đ": "d", "ł": "l", "ħ": "h", "ı": "i", "ŧ": "t"})
_FOLDED = str.maketrans({"æ": "ae", "œ": "oe", "þ": "th"})


def fold(text: str) -> str:
    """Text as search compares it: case and accents ignored ("Bergström", "BERGSTROM" and
    "bergstrom" are one key); used for the stored keys and for what the operator types."""
    folded = text.casefold()
    if folded.isascii():
        return folded
    parts = unicodedata.normalize("NFKD", folded)
    bare = "".join(c for c in parts if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", bare).translate(_UNMARKED).translate(_FOLDED)


class UtcField(DoubleField):
    """An aware UTC datetime stored as Unix seconds: portable, sortable and cheap."""

    def db_value(self, value: Any) -> Any:
        if isinstance(value, datetime):
            return value.timestamp()
        return value

    def python_value(self, value: Any) -> Any:
        if value is None:
            return None
        return datetime.fromtimestamp(float(value), UTC)


class BaseModel(Model):
    class Meta:
        database = database
        legacy_table_names = False


class Customer(BaseModel):
    id = AutoField()
    stripe_id = CharField(unique=True, max_length=255)
    name = TextField(default="")
    email = TextField(default="")
    default_payment_method = CharField(null=True, max_length=255)
    deleted = BooleanField(default=False, index=True)
    created = UtcField(null=True)
    synced_at = UtcField()
    #: The sync (full or incremental) that last saw this customer on Stripe.
    seen_at = UtcField()
    # Derived from the cards, kept here so that a list of 100,000 customers is one query.
    card_count = IntegerField(default=0)
    default_card_label = TextField(default="")
    #: Name, email, id and last four digits, `fold`ed, for search as you type.
    search_key = TextField(default="")
    #: Written by a full sync's first pass with its default card only: the customer's other
    #: cards are still to be read (cleared when its whole card list is written).
    cards_pending = BooleanField(default=False)


class Card(BaseModel):
    id = AutoField()
    stripe_payment_method_id = CharField(unique=True, max_length=255)
    customer = ForeignKeyField(Customer, backref="cards", on_delete="CASCADE", index=True)
    customer_id: int  # the raw foreign key Peewee adds
    card_type = CharField(max_length=20)
    last_four = CharField(max_length=4)
    exp_month = IntegerField()
    exp_year = IntegerField()
    country = CharField(null=True, max_length=2)
    funding = CharField(null=True, max_length=16)
    is_default = BooleanField(default=False)
    is_active = BooleanField(default=True)
    created_at = UtcField()
    updated_at = UtcField()
    seen_at = UtcField()


#: A card's own columns, in CardData's and CardRow's order: what a card's row is read and
#: written with after its ids (`queries.CARD_COLUMNS`, `customer_write.CARD_COLUMNS`).
CARD_DETAILS = (
    Card.card_type,
    Card.last_four,
    Card.exp_month,
    Card.exp_year,
    Card.country,
    Card.funding,
    Card.is_default,
    Card.is_active,
    Card.created_at,
    Card.updated_at,
)


class SyncState(BaseModel):
    """A single row (id 1): where incremental sync resumes, and when syncs ran."""

    id = IntegerField(primary_key=True)
    event_cursor = CharField(null=True, max_length=255)
    #: `created` of the cursor event; the next incremental sync lists events from then.
    event_cursor_created = IntegerField(null=True)
    #: JSON list of the ids already applied whose `created` equals the cursor's.
    cursor_event_ids = TextField(default="[]")
    last_full_sync = UtcField(null=True)
    last_sync = UtcField(null=True)
    #: Bumped by every write, so that a window can tell cheaply that data changed.
    version = IntegerField(default=0)
    #: A random id made once per cache (a rebuilt cache gets a new one): with an audit
    #: intent's id it makes the Idempotency-Key of that write to Stripe (`store.intend`).
    cache_id = CharField(null=True, max_length=64)


class AuditEntry(BaseModel):
    """Append-only: the database refuses UPDATE and DELETE on this table, and each entry
    carries a hash chained to the one before (app/cache/chain.py), so that an entry changed
    or removed behind the triggers' back shows.

    An operation writes its intent ("intent") before Stripe is asked, then its outcome
    ("ok", "refused", "failed", or "not done" when a sync settles it) naming the intent."""

    id = AutoField()

    at = UtcField(index=True)
    operator = CharField(max_length=255)
    profile = CharField(max_length=64)
    action = CharField(max_length=64)
    target = CharField(max_length=255)
    customer = CharField(null=True, max_length=255, index=True)
    outcome = CharField(max_length=16)
    detail = TextField(default="")
    #: The intent entry this outcome settles.
    intent = IntegerField(null=True, index=True)
    #: The database role on a shared PostgreSQL cache (beside the OS account).
    db_role = CharField(null=True, max_length=255)
    prev_hash = CharField(max_length=64, default="")
    hash = CharField(max_length=64, default="")


class SchemaMigration(BaseModel):
    version = IntegerField(primary_key=True)
    applied_at = UtcField()


class Subscription(BaseModel):
    """A subscription's safe metadata. `customer` is the customer's Stripe id (not a foreign
    key: an account-wide list may name a customer the cache has not written yet)."""

    id = AutoField()
    stripe_id = CharField(unique=True, max_length=255)
    customer = CharField(max_length=255, index=True)
    status = CharField(max_length=32)
    description = TextField(null=True)
    amount = BigIntegerField(null=True)
    currency = CharField(null=True, max_length=8)
    interval = CharField(null=True, max_length=8)
    interval_count = IntegerField(null=True)
    current_period_end = UtcField(null=True)
    #: Month index (year × 12 + month - 1, UTC) of the period end: compared in SQL with a
    #: card's expiry month, the same way on SQLite and PostgreSQL.
    period_end_month = IntegerField(null=True)
    cancel_at_period_end = BooleanField(default=False)
    trial_end = UtcField(null=True)
    default_payment_method = CharField(null=True, max_length=255)
    default_source = CharField(null=True, max_length=255)
    created = UtcField(null=True)
    seen_at = UtcField()
    #: Its paying card, stored when it, its customer or the card is written, so that "Needs
    #: attention" joins nothing (`app.cache.paying`): the id that pays it, that card's state
    #: (1 active, 2 detached; NULL if not cached) and expiry month index, and the first month
    #: index from which it needs attention (NULL: never).
    payer = CharField(null=True, max_length=255, index=True)
    pay_card = IntegerField(null=True)
    pay_month = IntegerField(null=True)
    attention_from = IntegerField(null=True, index=True)


class Invoice(BaseModel):
    """An invoice's safe metadata: amounts in minor units, the card's id and label only."""

    id = AutoField()
    stripe_id = CharField(unique=True, max_length=255)
    number = CharField(null=True, max_length=64)
    customer = CharField(max_length=255)
    subscription = CharField(null=True, max_length=255, index=True)
    status = CharField(max_length=16)
    amount_due = BigIntegerField(default=0)
    amount_paid = BigIntegerField(default=0)
    amount_remaining = BigIntegerField(default=0)
    currency = CharField(max_length=8)
    created = UtcField(null=True)
    due_date = UtcField(null=True)
    paid_at = UtcField(null=True)
    attempt_count = IntegerField(default=0)
    next_payment_attempt = UtcField(null=True)
    payment_method = CharField(null=True, max_length=255)
    card_label = TextField(null=True)
    failure_message = TextField(null=True)
    hosted_invoice_url = TextField(null=True)
    seen_at = UtcField()
    #: Of the last failure (migration 12): Stripe's code and decline code, and its time.
    failure_code = CharField(null=True, max_length=64)
    decline_code = CharField(null=True, max_length=64)
    failed_at = UtcField(null=True)


class FailedPayment(BaseModel):
    """Each failed attempt to pay an invoice that a sync saw (migration 12): when, and the
    card tried. `invoice` is the invoice's Stripe id (no foreign key, as for `Invoice`)."""

    id = AutoField()
    invoice = CharField(max_length=255)
    at = UtcField()
    payment_method = CharField(null=True, max_length=255, index=True)

    class Meta:
        indexes = ((("invoice", "at"), True),)


class SkippedObject(BaseModel):
    """An object from Stripe that a sync could not read (`convert.Unconvertible`): listed by
    `doctor`, read again by the next full sync, which forgets those that now convert."""

    id = AutoField()
    kind = CharField(max_length=32)
    stripe_id = CharField(max_length=255)
    reason = TextField()
    at = UtcField()


MODELS: list[type[BaseModel]] = [Customer, Card, SyncState, AuditEntry, SchemaMigration]
#: Created by migration 5, not by the first one.
BILLING_MODELS: list[type[BaseModel]] = [Subscription, Invoice]
#: Created by migration 12.
SKIPPED_MODELS: list[type[BaseModel]] = [SkippedObject]
PAYMENT_MODELS: list[type[BaseModel]] = [FailedPayment]

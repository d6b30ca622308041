"""Numbered migrations. A cache made by any older version opens; one from a newer version
is refused (and moved aside by the caller), never half-read."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any, cast

from peewee import Database, SqliteDatabase

from app.cache import chain, paying, search_index
from app.cache.models import (
    BILLING_MODELS,
    MODELS,
    PAYMENT_MODELS,
    SKIPPED_MODELS,
    AuditEntry,
    Card,
    Customer,
    Invoice,
    SchemaMigration,
    Subscription,
    SyncState,
    fold,
    new_cache_id,
    now,
)


def _v1_initial(db: Database) -> None:
    db.create_tables(MODELS)
    SyncState.insert(id=1).on_conflict_ignore().execute()


AUDIT_TABLE = AuditEntry._meta.table_name
AUDIT_TRIGGERS = tuple(f"{AUDIT_TABLE}_no_{verb}" for verb in ("update", "delete"))


APPEND_ONLY = "the audit log is append-only"
#: The body of the PostgreSQL function the triggers call.
PG_FUNCTION_BODY = (
    f" BEGIN RAISE EXCEPTION '{APPEND_ONLY}' USING ERRCODE = 'integrity_constraint_violation'; END "
)


def _sqlite_trigger(verb: str) -> str:
    """The project's own trigger refusing `verb` on the audit log, as SQLite stores it."""
    return (
        f"CREATE TRIGGER {AUDIT_TABLE}_no_{verb.lower()} BEFORE {verb} ON {AUDIT_TABLE} "
        f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
    )


def _normal(sql: str) -> str:
    return re.sub(r"\s+", " ", sql).strip().lower()


def protect_audit(db: Database) -> None:
    """The triggers that refuse UPDATE and DELETE on the audit log (again, if someone
    dropped them, or replaced them with others of the same name: `billing-admin migrate`
    calls this too)."""
    table = AUDIT_TABLE
    if isinstance(db, SqliteDatabase):
        present = _sqlite_triggers(db)
        for verb in ("UPDATE", "DELETE"):
            name = f"{table}_no_{verb.lower()}"
            if name in present and _normal(present[name]) != _normal(_sqlite_trigger(verb)):
                db.execute_sql(f'DROP TRIGGER "{name}"')
            db.execute_sql(_sqlite_trigger(verb).replace("TRIGGER", "TRIGGER IF NOT EXISTS", 1))
        return
    db.execute_sql(
        f"CREATE OR REPLACE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS "
        f"$${PG_FUNCTION_BODY}$$"
    )
    for verb in ("UPDATE", "DELETE"):
        db.execute_sql(
            f"CREATE OR REPLACE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()"
        )
        db.execute_sql(f"ALTER TABLE {table} ENABLE TRIGGER {table}_no_{verb.lower()}")


def _sqlite_triggers(db: Database) -> dict[str, str]:
    cursor = db.execute_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?",
        (AUDIT_TABLE,),
    )
    return {name: sql or "" for name, sql in cursor.fetchall()}


def missing_audit_triggers(db: Database) -> list[str]:
    """The audit log's triggers that are gone, disabled (PostgreSQL), or not the project's
    own: their SQL (and on PostgreSQL the function they call) is compared, not only their
    names, since a trigger that does nothing under the right name protects nothing."""
    if isinstance(db, SqliteDatabase):
        present = _sqlite_triggers(db)
        return [
            f"{table}_no_{verb.lower()}"
            for table, verb in ((AUDIT_TABLE, "UPDATE"), (AUDIT_TABLE, "DELETE"))
            if _normal(present.get(f"{table}_no_{verb.lower()}", ""))
            != _normal(_sqlite_trigger(verb))
        ]
    cursor = db.execute_sql(
        "SELECT t.tgname, pg_get_triggerdef(t.oid), p.proname, p.prosrc FROM pg_trigger t "
        "JOIN pg_proc p ON p.oid = t.tgfoid "
        "WHERE t.tgrelid = %s::regclass AND t.tgenabled <> 'D' AND NOT t.tgisinternal",
        (AUDIT_TABLE,),
    )
    found = {name: (definition, function, body) for name, definition, function, body in cursor}
    wrong = []
    for verb in ("UPDATE", "DELETE"):
        name = f"{AUDIT_TABLE}_no_{verb.lower()}"
        expected = (
            rf"create trigger {name} before {verb.lower()} on (public\.)?{AUDIT_TABLE} "
            rf"for each row execute function (public\.)?{AUDIT_TABLE}_append_only\(\)"
        )
        definition, function, body = found.get(name, ("", "", ""))
        if not (
            re.fullmatch(expected, _normal(definition))
            and function == f"{AUDIT_TABLE}_append_only"
            and _normal(body) == _normal(PG_FUNCTION_BODY)
        ):
            wrong.append(name)
    return wrong


def _v2_append_only_audit(db: Database) -> None:
    protect_audit(db)


def _v3_sort_indexes(db: Database) -> None:
    """Each sortable column of the customers list, with the id as tie-breaker: the last page
    of 100,000 customers sorted by name reads in ~45 ms instead of ~200 ms."""
    table = Customer._meta.table_name
    for column in ("name", "email", "default_card_label", "card_count"):
        index = f'"{table}_{column}_sort" ON "{table}" ("{column}", "stripe_id")'
        db.execute_sql(f"CREATE INDEX IF NOT EXISTS {index}")


def _v4_search_index(db: Database) -> None:
    """Search as you type scans the search keys of the customers not deleted: a covering
    index makes that scan read the keys alone, not every row."""
    table = Customer._meta.table_name
    db.execute_sql(
        f'CREATE INDEX IF NOT EXISTS "{table}_search" ON "{table}" ("deleted", "search_key")'
    )


def _v5_audit_chain(db: Database) -> None:
    """Intents and outcomes, the database role, and a hash chain over the audit log; the
    entries written before are chained in the order they were written."""
    table = AUDIT_TABLE
    # A cache made from scratch has them already: its first step creates today's tables.
    present = {column.name for column in db.get_columns(table)}
    for column, kind in (
        ("intent", "INTEGER"),
        ("db_role", "VARCHAR(255)"),
        ("prev_hash", "VARCHAR(64) NOT NULL DEFAULT ''"),
        ("hash", "VARCHAR(64) NOT NULL DEFAULT ''"),
    ):
        if column not in present:
            db.execute_sql(f'ALTER TABLE "{table}" ADD COLUMN "{column}" {kind}')
    db.execute_sql(f'CREATE INDEX IF NOT EXISTS "{table}_intent" ON "{table}" ("intent")')
    sqlite = isinstance(db, SqliteDatabase)
    # Chaining the old entries is the one UPDATE the log ever takes, in this transaction.
    if sqlite:
        db.execute_sql(f"DROP TRIGGER IF EXISTS {table}_no_update")
    else:
        db.execute_sql(f"ALTER TABLE {table} DISABLE TRIGGER {table}_no_update")
    previous = ""
    entries = cast(Iterable[dict[str, Any]], AuditEntry.select().order_by(AuditEntry.id).dicts())
    for entry in entries:
        entry_hash = chain.entry_hash(previous, entry)
        AuditEntry.update(prev_hash=previous, hash=entry_hash).where(
            AuditEntry.id == entry["id"]
        ).execute()
        previous = entry_hash
    protect_audit(db)


def _v6_billing(db: Database) -> None:
    """Subscriptions and invoices. Indexes for the reads that must stay quick on 100,000
    customers: a customer's invoices newest first (customer, created); "Needs attention"
    reads the open invoices (status, customer). It reads nearly every subscription (most are
    billable), so a scan of that table beats an index on its status."""
    db.create_tables(BILLING_MODELS)
    for model, name, columns in (
        (Invoice, "customer_created", ("customer", "created")),
        (Invoice, "status_customer", ("status", "customer")),
    ):
        table = model._meta.table_name
        listed = ", ".join(f'"{column}"' for column in columns)
        db.execute_sql(f'CREATE INDEX IF NOT EXISTS "{table}_{name}" ON "{table}" ({listed})')


def _v7_accent_free_search(db: Database) -> None:
    """Search ignores accents as well as case: the stored keys (case-folded before) are
    folded again; only the keys that change are written."""
    keys = Customer.select(Customer.id, Customer.search_key).tuples().iterator()
    changed = [(key, fold(old)) for key, old in keys if fold(old) != old]
    for key, new in changed:
        Customer.update(search_key=new).where(Customer.id == key).execute()


def _v8_search_index(db: Database) -> None:
    """An index that answers "which keys hold this text" (`search_index`): search as you
    type reads the matching rows, not every key."""
    search_index.create(db)


def _v9_cards_pending(db: Database) -> None:
    """A customer's other cards still to come: a full sync's first pass writes each customer
    with its default card alone, and its second pass the whole card list."""
    table = Customer._meta.table_name
    # A cache made from scratch has it already: its first step creates today's tables.
    if "cards_pending" not in {column.name for column in db.get_columns(table)}:
        false = "0" if isinstance(db, SqliteDatabase) else "FALSE"
        kind = "INTEGER" if isinstance(db, SqliteDatabase) else "BOOLEAN"
        db.execute_sql(
            f'ALTER TABLE "{table}" ADD COLUMN "cards_pending" {kind} NOT NULL DEFAULT {false}'
        )


#: Covering indexes (name, columns) for "Needs attention" on SQLite: its ranking looks up the
#: customer and the paying card of every billable subscription, and these answer each lookup
#: from the index alone. SQLite prefers the unique Stripe id indexes unless told (INDEXED BY
#: in `billing_queries.attention_ranking`); PostgreSQL hash-joins and needs neither. Made by
#: migration 10, dropped by `_v14_paying_state` (the ranking no longer joins).
ATTENTION_INDEXES = {
    Customer: ("customer_attention", ("stripe_id", "deleted", "default_payment_method", "name")),
    Card: (
        "card_attention",
        ("stripe_payment_method_id", "is_active", "exp_year", "exp_month", "card_type"),
    ),
}


def _v10_attention_indexes(db: Database) -> None:
    """The covering indexes of `ATTENTION_INDEXES`, on SQLite only."""
    if not isinstance(db, SqliteDatabase):
        return
    for model, (name, columns) in ATTENTION_INDEXES.items():
        table = model._meta.table_name
        listed = ", ".join(f'"{column}"' for column in columns)
        db.execute_sql(f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" ({listed})')


def _v11_ranked_search_index(db: Database) -> None:
    """The search index files customers in name order and holds each key's three-character
    tokens (`search_index`, `search_ranks`): a search reads a page of its matches, not all."""
    search_index.create(db)


def _v12_skipped_objects(db: Database) -> None:
    """The objects from Stripe a sync could not read, for `doctor` to list."""
    db.create_tables(SKIPPED_MODELS)


def _v13_payment_failures(db: Database) -> None:
    """Why a payment failed, in today's shapes (InvoicePayments): each invoice's failure
    code, decline code and time of its last failure, and a row per failed attempt."""
    table = Invoice._meta.table_name
    # A cache made from scratch has them already: its sixth step creates today's tables.
    present = {column.name for column in db.get_columns(table)}
    time = "REAL" if isinstance(db, SqliteDatabase) else "DOUBLE PRECISION"
    for column, kind in (
        ("failure_code", "VARCHAR(64)"),
        ("decline_code", "VARCHAR(64)"),
        ("failed_at", time),
    ):
        if column not in present:
            db.execute_sql(f'ALTER TABLE "{table}" ADD COLUMN "{column}" {kind}')
    db.create_tables(PAYMENT_MODELS)


def _v14_cache_identity(db: Database) -> None:
    """A random id for this cache (`SyncState.cache_id`), made once: the Idempotency-Keys of
    writes to Stripe are made from it and an audit intent's id, so no two caches (two
    desktops, or a cache rebuilt after a loss) ever send the same key."""
    table = SyncState._meta.table_name
    # A cache made from scratch has it already: its first step creates today's tables.
    if "cache_id" not in {column.name for column in db.get_columns(table)}:
        db.execute_sql(f'ALTER TABLE "{table}" ADD COLUMN "cache_id" VARCHAR(64)')
    SyncState.insert(id=1).on_conflict_ignore().execute()
    SyncState.update(cache_id=new_cache_id()).where(
        SyncState.id == 1, SyncState.cache_id.is_null()
    ).execute()


#: The columns of `app.cache.paying` (name, SQLite type, PostgreSQL type), and their indexes.
PAYING_COLUMNS = (
    ("payer", "VARCHAR(255)", "VARCHAR(255)"),
    ("pay_card", "INTEGER", "INTEGER"),
    ("pay_month", "INTEGER", "INTEGER"),
    ("attention_from", "INTEGER", "INTEGER"),
)
PAYING_INDEXED = ("payer", "attention_from")


def _v15_paying_state(db: Database) -> None:
    """Each subscription's paying card stored with it (`app.cache.paying`): "Needs
    attention" reads the flagged subscriptions through an index instead of joining every
    billable one to its customer and card; the covering indexes of migration 10, which only
    that join read, go."""
    table = Subscription._meta.table_name
    sqlite = isinstance(db, SqliteDatabase)
    present = {column.name for column in db.get_columns(table)}
    for name, sqlite_type, postgres_type in PAYING_COLUMNS:
        if name not in present:  # a cache made from scratch has them already
            kind = sqlite_type if sqlite else postgres_type
            db.execute_sql(f'ALTER TABLE "{table}" ADD COLUMN "{name}" {kind}')
    for name in PAYING_INDEXED:
        db.execute_sql(f'CREATE INDEX IF NOT EXISTS "{table}_{name}" ON "{table}" ("{name}")')
    for index, _ in ATTENTION_INDEXES.values():
        db.execute_sql(f'DROP INDEX IF EXISTS "{index}"')
    paying.refresh_all()


MIGRATIONS: list[Callable[[Database], None]] = [
    _v1_initial,
    _v2_append_only_audit,
    _v3_sort_indexes,
    _v4_search_index,
    _v5_audit_chain,
    _v6_billing,
    _v7_accent_free_search,
    _v8_search_index,
    _v9_cards_pending,
    _v10_attention_indexes,
    _v11_ranked_search_index,
    _v12_skipped_objects,
    _v13_payment_failures,
    _v14_cache_identity,
    _v15_paying_state,
]
LATEST = len(MIGRATIONS)


def current_version(db: Database) -> int:
    if not db.table_exists(SchemaMigration._meta.table_name):
        return 0
    row = (
        SchemaMigration.select(SchemaMigration.version)
        .order_by(SchemaMigration.version.desc())
        .first()
    )
    return row.version if row else 0


def migrate(db: Database) -> int:
    """Apply the missing migrations, each in its own transaction; return the new version.

    The version is read again inside each transaction: another process opening the same
    new cache at the same moment may have applied the step while this one waited.
    """
    while True:
        with db.atomic():
            version = current_version(db)
            if version >= LATEST:
                return version
            MIGRATIONS[version](db)
            SchemaMigration.insert(version=version + 1, applied_at=now()).execute()

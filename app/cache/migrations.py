"""Numbered migrations. A cache made by any older version opens; one from a newer version
is refused (and moved aside by the caller), never half-read."""

from __future__ import annotations

from collections.abc import Callable

from peewee import Database, SqliteDatabase

from app.cache.models import MODELS, AuditEntry, SchemaMigration, SyncState, now


def _v1_initial(db: Database) -> None:
    db.create_tables(MODELS)
    SyncState.insert(id=1).on_conflict_ignore().execute()


def _v2_append_only_audit(db: Database) -> None:
    table = AuditEntry._meta.table_name
    if isinstance(db, SqliteDatabase):
        for verb in ("UPDATE", "DELETE"):
            db.execute_sql(
                f"CREATE TRIGGER IF NOT EXISTS {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"
            )


MIGRATIONS: list[Callable[[Database], None]] = [_v1_initial, _v2_append_only_audit]
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
    """Apply the missing migrations, each in its own transaction; return the new version."""
    version = current_version(db)
    for number, step in enumerate(MIGRATIONS[version:], start=version + 1):
        with db.atomic():
            step(db)
            SchemaMigration.insert(version=number, applied_at=now()).execute()
    return LATEST

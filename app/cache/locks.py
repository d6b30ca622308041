"""One sync at a time on a shared cache.

On PostgreSQL a session advisory lock keeps two syncs (say, a scheduled job and a desktop)
from pulling the same account from Stripe at once and sharing one rate limit. On SQLite two
syncs may overlap safely (see `bulk.later`), so no lock is taken.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from peewee import Database, PostgresqlDatabase

SYNC_LOCK = 0x6269_6C73  # any constant shared by every process of the app


@contextmanager
def exclusive_sync(db: Database) -> Iterator[bool]:
    """Yield True when this process may sync now, False when another holds the lock."""
    if not isinstance(db, PostgresqlDatabase):
        yield True
        return
    got = bool(db.execute_sql("SELECT pg_try_advisory_lock(%s)", (SYNC_LOCK,)).fetchone()[0])
    try:
        yield got
    finally:
        if got:
            db.execute_sql("SELECT pg_advisory_unlock(%s)", (SYNC_LOCK,))

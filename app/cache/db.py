"""Opening the cache: SQLite with WAL, foreign keys and a busy timeout.

A file that is not SQLite, or that a newer version of the app wrote, is moved aside (never
deleted) and a fresh cache is made; the caller tells the operator and re-syncs.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from peewee import Database, DatabaseError, OperationalError, SqliteDatabase

from app.cache import migrations
from app.cache.models import database
from app.errors import CacheError

log = logging.getLogger(__name__)
PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "busy_timeout": 15000,
    "synchronous": "normal",
    "cache_size": -16000,
}


class NewerCacheError(Exception):
    """The cache was written by a newer version of the app."""


@dataclass
class OpenedCache:
    db: Database
    path: Path
    #: One sentence for the operator when the cache had to be moved aside and rebuilt.
    notice: str | None = None

    def close(self) -> None:
        if not self.db.is_closed():
            self.db.close()


def _connect(path: Path) -> SqliteDatabase:
    db = SqliteDatabase(str(path), pragmas=PRAGMAS, timeout=15)
    database.initialize(db)
    db.connect(reuse_if_open=True)
    # Reading the schema is what fails on a file that is not a database.
    db.execute_sql("SELECT count(*) FROM sqlite_master").fetchone()
    version = migrations.current_version(db)
    if version > migrations.LATEST:
        db.close()
        raise NewerCacheError(f"schema version {version}, this app knows {migrations.LATEST}")
    migrations.migrate(db)
    return db


def open_cache(path: Path) -> OpenedCache:
    """Open (creating or migrating) the SQLite cache at `path`."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CacheError(f"Cannot create the data folder {path.parent}: {exc.strerror}.") from None
    try:
        return OpenedCache(_connect(path), path)
    except NewerCacheError as exc:
        why = f"it was written by a newer version of billing-admin ({exc})"
    except (DatabaseError, sqlite3.DatabaseError) as exc:
        if isinstance(exc, OperationalError) and _is_access_problem(str(exc)):
            raise CacheError(_access_sentence(path, str(exc))) from None
        why = f"it is not a readable cache ({exc})"
    aside = _move_aside(path)
    log.warning("cache %s moved aside to %s because %s", path, aside, why)
    opened = OpenedCache(_connect(path), path)
    opened.notice = (
        f"The cache could not be used because {why}; it was moved to {aside.name} "
        "and a new one will be filled from Stripe."
    )
    return opened


def _is_access_problem(text: str) -> bool:
    text = text.lower()
    return any(s in text for s in ("readonly", "read-only", "unable to open", "locked", "disk"))


def _access_sentence(path: Path, text: str) -> str:
    if "locked" in text.lower():
        return f"The cache {path} is locked by another program; try again in a moment."
    return f"The cache {path} cannot be written ({text}); check the folder's permissions and space."


def _move_aside(path: Path) -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    aside = path.with_name(f"{path.name}.unusable-{stamp}")
    with contextlib.suppress(Exception):  # a half-open connection to a bad file
        if database.obj is not None:
            database.obj.close()
    path.replace(aside)
    for suffix in ("-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        if side.exists():
            side.replace(aside.with_name(aside.name + suffix))
    return aside

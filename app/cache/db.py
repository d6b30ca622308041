"""Opening the cache: SQLite with WAL, foreign keys and a busy timeout; or, for a team,
a shared PostgreSQL database.

A file that is not SQLite, or that a newer version of the app wrote, is moved aside (never
deleted) and a fresh cache is made; the caller tells the operator and re-syncs. A shared
database is never moved aside: a newer schema there is refused in one sentence.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

# Re-exported: the type the rest of app and ui name a cache's database by (only app.cache
# imports peewee; lint-imports checks it).
from peewee import Database as Database
from peewee import DatabaseError, OperationalError, PostgresqlDatabase, SqliteDatabase
from peewee import Select as Select

from app import platform
from app.cache import migrations, postgresql_driver, search_index
from app.cache.models import DATABASE_ERRORS, MODELS, SchemaMigration, database
from app.errors import CacheError, UsageError

log = logging.getLogger(__name__)
PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "busy_timeout": 15000,
    "synchronous": "normal",
    "cache_size": -16000,
}


#: What SQLite says of a file that is not, or no longer, a database.
_UNREADABLE = ("not a database", "malformed", "encrypted")


class NewerCacheError(Exception):
    """The cache was written by a newer version of the app."""


#: Any number, the same for every process: the key of PostgreSQL's advisory locks.
MIGRATION_LOCK = 0x6269_6C6C


def is_sqlite(db: Database) -> bool:
    """True for a local SQLite cache file."""
    return isinstance(db, SqliteDatabase)


def is_postgresql(db: object) -> bool:
    """True for the shared PostgreSQL cache."""
    return isinstance(db, PostgresqlDatabase)


@dataclass
class OpenedCache:
    db: Database
    #: Where it lives, for messages: a file path, or the database URL without its password.
    location: str
    #: One sentence for the operator when the cache had to be moved aside and rebuilt.
    notice: str | None = None
    #: Opened from a read-only file system: it can be read, never changed.
    read_only: bool = False

    def __post_init__(self) -> None:
        self._identity = _identity(self.location) if isinstance(self.db, SqliteDatabase) else None

    def still_in_place(self) -> bool:
        """False when the SQLite file was deleted or replaced since it was opened: what is
        written then goes to a file nobody will open again."""
        return self._identity is None or _identity(self.location) == self._identity

    def close(self) -> None:
        if not self.db.is_closed():
            self.db.close()


def _identity(path: str) -> tuple[int, int] | None:
    try:
        stat = Path(path).stat()
    except OSError:
        return None
    return stat.st_dev, stat.st_ino


def _adopt(db: Database) -> None:
    """Make `db` the one the models use, closing this thread's connection to the one before
    (switching profiles or the demo would otherwise leave it open)."""
    previous = database.obj
    if previous is not None and previous is not db and not previous.is_closed():
        previous.close()
    database.initialize(db)


class _SqliteDatabase(SqliteDatabase):
    """Transactions take the write lock when they begin (BEGIN IMMEDIATE). A deferred one
    that reads first and writes later would get "database is locked" at once, without
    waiting, whenever another process (the window, a cron sync) is writing."""

    def atomic(self, lock_type: str | None = "IMMEDIATE") -> Any:
        return super().atomic(lock_type=lock_type)


def _connect(path: Path) -> SqliteDatabase:
    db = _SqliteDatabase(str(path), pragmas=PRAGMAS, timeout=15)
    search_index.register(db)
    _adopt(db)
    # Turning a new file to WAL needs a moment alone with it, and SQLite answers "database is
    # locked" at once, without its busy timeout, while another process does the same.
    for attempt in range(100):
        try:
            db.connect(reuse_if_open=True)
            break
        except OperationalError as exc:
            if "locked" not in str(exc) or attempt == 99:
                raise
            time.sleep(0.1)
    # Reading the schema is what fails on a file that is not a database.
    db.execute_sql("SELECT count(*) FROM sqlite_master").fetchone()
    version = migrations.current_version(db)
    if version > migrations.LATEST:
        db.close()
        raise NewerCacheError(f"schema version {version}, this app knows {migrations.LATEST}")
    migrations.migrate(db)
    return db


def read_only_sentence(path: Path | str, *, refused: bool = True) -> str:
    """What a read-only cache means; `refused`: for a change that was not made."""
    done = " (nothing was changed, on Stripe or here)" if refused else ""
    return f"The cache {path} is on a read-only file system: it can be read, not changed{done}."


def _connect_read_only(path: Path) -> SqliteDatabase:
    """The cache on a file system nobody can write (so nobody changes it meanwhile): opened
    immutable, with no journal of its own, never migrated."""
    db = _SqliteDatabase(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True, timeout=15)
    search_index.register(db)
    _adopt(db)
    db.connect(reuse_if_open=True)
    version = migrations.current_version(db)
    if version != migrations.LATEST:
        db.close()
        raise CacheError(
            f"The cache {path} is on a read-only file system and needs an update this version "
            f"makes (schema {version}, now {migrations.LATEST}): open it once where it can be "
            "written."
        )
    return db


def open_cache(path: Path) -> OpenedCache:
    """Open (creating or migrating) the SQLite cache at `path`; on a read-only file system,
    open what is there for reading."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CacheError(f"Cannot create the data folder {path.parent}: {exc.strerror}.") from None
    if not os.access(path.parent, os.W_OK) and platform.read_only_file_system(path.parent):
        if not path.is_file():
            raise CacheError(
                f"The data folder {path.parent} is on a read-only file system and holds no "
                "cache yet: nothing can be shown or synced there."
            )
        opened = OpenedCache(_connect_read_only(path), str(path), read_only=True)
        opened.notice = read_only_sentence(path, refused=False)
        return opened
    try:
        return _with_audit_notice(OpenedCache(_connect(path), str(path)))
    except NewerCacheError as exc:
        why = f"it was written by a newer version of billing-admin ({exc})"
    except (DatabaseError, sqlite3.DatabaseError) as exc:
        if isinstance(exc, OperationalError) and _is_access_problem(str(exc)):
            raise CacheError(_access_sentence(path, str(exc))) from None
        if not any(s in str(exc).lower() for s in _UNREADABLE):
            raise  # a bug, not a bad file: never move a good cache aside for it
        why = f"it is not a readable cache ({exc})"
    opened = OpenedCache(_connect_fresh(path, why), str(path))
    opened.notice = _moved_sentence(path, why)
    return opened


def _connect_fresh(path: Path, why: str) -> SqliteDatabase:
    """Move the unusable file at `path` aside (never delete it) and make a new cache there."""
    aside = _move_aside(path)
    log.warning("cache %s moved aside to %s because %s", path, aside, why)
    _MOVED[path] = aside
    return _connect(path)


#: Where each unusable cache went, for the sentence that tells the operator.
_MOVED: dict[Path, Path] = {}


def _moved_sentence(path: Path, why: str) -> str:
    return (
        f"The cache could not be used because {why}; it was moved to {_MOVED[path].name} "
        "(its audit log stays in that file) and a new one will be filled from Stripe."
    )


def recover(path: Path, error: Exception) -> str | None:
    """After `error` while using the SQLite cache at `path`: if the file is damaged inside (a
    page overwritten; the header was fine, so opening it worked) or its tables are not the
    ones its version promises, move it aside, make a new one, and return the sentence for
    the operator. None when the file is sound: the error is then a bug."""
    with contextlib.suppress(Exception):
        if database.obj is not None:
            database.obj.close()
    try:
        with contextlib.closing(sqlite3.connect(path)) as raw:
            verdict = [row[0] for row in raw.execute("PRAGMA quick_check")]
            for model in MODELS:  # every table with the columns the models read
                # [brackets]: SQLite takes a "quoted" name it cannot find for a string.
                columns = ", ".join(f"[{f.column_name}]" for f in model._meta.sorted_fields)
                raw.execute(f"SELECT {columns} FROM [{model._meta.table_name}] LIMIT 0")
    except sqlite3.DatabaseError as exc:
        verdict = [str(exc)]
    if verdict == ["ok"]:
        return None
    why = f"it is damaged ({verdict[0][:120]}; first seen as: {str(error)[:120]})"
    _connect_fresh(path, why)
    return _moved_sentence(path, why)


def safe_url(url: str) -> str:
    """The URL with any password taken out, fit for messages and logs."""
    parsed = urlsplit(url)
    if parsed.password is None:
        return url
    netloc = parsed.netloc.replace(f":{parsed.password}@", ":***@")
    return urlunsplit(parsed._replace(netloc=netloc))


def postgresql_database(url: str, **options: Any) -> PostgresqlDatabase:
    """A PostgreSQL database at `url` (not connected yet), its driver imported now: reading
    a SQLite cache never imports it (`app.cache.postgresql_driver`)."""
    postgresql_driver()
    return PostgresqlDatabase(url.replace("postgres://", "postgresql://", 1), **options)


def open_shared_cache(
    url: str, password: str | None = None, *, may_migrate: bool = False
) -> OpenedCache:
    """Open a PostgreSQL cache shared by a team: creating its tables when it has none, and
    updating them only when `may_migrate` (`billing-admin migrate`, run by their owner once
    after an upgrade, while every desktop waits: they all share one schema).

    The password comes from the URL, `password` (the keyring), or libpq's own pgpass file or
    service file: it is never stored in the settings.
    """
    if not url.startswith(("postgresql://", "postgres://")):
        raise UsageError(f"{safe_url(url)!r} is not a PostgreSQL URL (postgresql://...).")
    extra: dict[str, Any] = {}
    if password and urlsplit(url).password is None:
        extra["password"] = password
    db = postgresql_database(url, **extra)
    _adopt(db)
    try:
        db.connect(reuse_if_open=True)
    except OperationalError as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise CacheError(
            f"The shared cache at {safe_url(url)} cannot be opened: {reason}."
        ) from None
    # Two desktops opening a new database at once must not both create the tables.
    db.execute_sql("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK,))
    try:
        version = migrations.current_version(db)
        if version > migrations.LATEST:
            raise CacheError(
                f"The shared cache at {safe_url(url)} was made by a newer version of "
                f"billing-admin (schema {version}, this one knows {migrations.LATEST}): update it."
            )
        if 0 < version < migrations.LATEST and not may_migrate:
            raise CacheError(_awaiting_migration(db, safe_url(url), version))
        try:
            migrations.migrate(db)
        except DATABASE_ERRORS as exc:
            if not _is_permission_problem(str(exc)):
                raise
            raise CacheError(
                f"The shared cache at {safe_url(url)} needs an update (schema {version} to "
                f"{migrations.LATEST}) that only the owner of its tables can make: run "
                "'billing-admin migrate' as that role (see README, For teams)."
            ) from None
    finally:
        db.execute_sql("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK,))
    return _with_audit_notice(OpenedCache(db, safe_url(url)))


def _awaiting_migration(db: Database, where: str, version: int) -> str:
    """The one sentence for a shared cache whose schema this version would update: its
    owner is told to migrate, a desktop that it waits for the owner."""
    owner = db.execute_sql(
        "SELECT tableowner = current_user FROM pg_tables WHERE tablename = %s",
        (SchemaMigration._meta.table_name,),
    ).fetchone()
    change = f"schema {version}, this version needs {migrations.LATEST}"
    if owner and owner[0]:
        return (
            f"The shared cache at {where} needs 'billing-admin migrate' after the upgrade "
            f"({change}): run it once, as now; the desktops wait for it."
        )
    return (
        f"The shared cache at {where} is waiting for the owner to migrate it ({change}): "
        "ask whoever runs 'billing-admin migrate' for the team; nothing can be shown until then."
    )


def _is_permission_problem(text: str) -> bool:
    return "permission denied" in text or "must be owner" in text


def _with_audit_notice(opened: OpenedCache) -> OpenedCache:
    """The audit log's triggers are checked at every opening: removing them is tampering."""
    missing = migrations.missing_audit_triggers(opened.db)
    if missing:
        log.warning("audit triggers missing or disabled: %s", missing)
        opened.notice = (
            "The audit log's protection against changes is gone (someone removed or disabled "
            f"{', '.join(missing)}): check it with 'billing-admin audit --verify'; the owner of "
            "the cache restores it with 'billing-admin migrate'."
        )
    return opened


def protect_cache(opened: OpenedCache) -> None:
    """Put the audit log's triggers back (`billing-admin migrate`)."""
    try:
        with opened.db.atomic():
            migrations.protect_audit(opened.db)
    except DATABASE_ERRORS as exc:
        if not _is_permission_problem(str(exc)):
            raise
        raise CacheError(
            f"Only the owner of the tables of {opened.location} can restore the audit log's "
            "protection: run 'billing-admin migrate' as that role."
        ) from None


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

"""The checks of what this machine holds: keyring, secret key, settings, publishable key and
cache. None of them sends a request, and none changes anything (the cache is opened read-only,
never migrated or moved aside)."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path

import keyring
import keyring.backend
from peewee import Database, DatabaseError, SqliteDatabase

from app import untrusted
from app.cache import migrations
from app.cache.db import postgresql_database, safe_url
from app.cache.models import SchemaMigration, SkippedObject
from app.context import Context
from app.doctor import Check, Status
from app.errors import KnownError
from app.operations import publishable_fix, publishable_key_for, publishable_problem
from app.settings import Settings, credentials
from app.settings.credentials import SecretKey

OK, WARNING, FAILED = Status.OK, Status.WARNING, Status.FAILED
KEY_FIX = (
    "Run 'billing-admin key set' with the key from Stripe's Dashboard (Developers → API "
    "keys), or set STRIPE_API_KEY."
)


def keyring_check(ctx: Context) -> Check:
    """The backend keyring uses must keep secrets: not keyring's fail or null backend (no
    keyring at all), not a plaintext file."""
    backend: keyring.backend.KeyringBackend | None = keyring.get_keyring()
    chained = getattr(backend, "backends", None)
    if isinstance(chained, list):  # the chainer: the first backend takes what is stored
        backend = chained[0] if chained else None
    name = f"{type(backend).__module__}.{type(backend).__name__}" if backend else "none"
    from_environment = bool(os.environ.get("STRIPE_API_KEY"))
    if backend is None or type(backend).__module__ in (
        "keyring.backends.fail",
        "keyring.backends.null",
    ):
        detail = f"No usable keyring ({name}): no Secret Service, KWallet or other store answers."
        fix = "Install and unlock a Secret Service such as gnome-keyring, or set STRIPE_API_KEY."
        if from_environment:
            return Check("keyring", WARNING, f"{detail} The key comes from STRIPE_API_KEY.", fix)
        return Check("keyring", FAILED, detail, fix)
    if "plaintext" in name.lower():
        return Check(
            "keyring",
            FAILED,
            f"The keyring backend {name} writes secrets to a file in clear.",
            "Use a Secret Service such as gnome-keyring (uninstall keyrings.alt, or choose "
            "another backend in keyring's configuration file), then 'billing-admin key set'.",
        )
    return Check("keyring", OK, f"{getattr(backend, 'name', name)} ({name}).")


def key_check(ctx: Context) -> tuple[Check, SecretKey | None]:
    """The key in force: where it comes from, its kind and mode (masked, never shown whole)."""
    try:
        key = ctx.find_key()
    except KnownError as exc:
        return Check("secret key", FAILED, str(exc), KEY_FIX), None
    if key is None:
        return Check(
            "secret key", FAILED, f"No Stripe secret key for profile {ctx.profile.name!r}.", KEY_FIX
        ), None
    kind = "Restricted key" if key.restricted else "Secret key"
    detail = f"{kind} {key.masked}, {key.mode.value} mode, from the {key.source}."
    return Check("secret key", OK, detail), key


def settings_check(ctx: Context) -> tuple[Check, Settings | None]:
    try:
        settings = ctx.settings
    except KnownError as exc:
        fix = f"Fix or delete {ctx.profile.settings_file}, then set again what you need."
        return Check("settings", FAILED, str(exc), fix), None
    stored = ctx.profile.settings_file.is_file()
    where = f"{ctx.profile.settings_file}" if stored else "no settings file: defaults in force"
    return Check("settings", OK, f"Readable ({where}); API base {settings.api_base}."), settings


def publishable_check(ctx: Context, settings: Settings | None, key: SecretKey | None) -> Check:
    """Present, a publishable key, and of the secret key's mode (what Add card needs)."""
    name = "publishable key"
    if settings is None or key is None:
        return Check(name, WARNING, "Not checked: it is matched against the secret key.", "")
    problem = publishable_problem(settings, key)
    if problem is None:
        value = publishable_key_for(settings, key, ctx.profile.name)
        return Check(name, OK, f"{value[:8]}…{value[-4:]}, {key.mode.value} mode like the key.")
    fix = publishable_fix(key, ctx.profile.name)
    # Without one only Add card is off; with the other mode's, Add card fails confusingly.
    missing = not (settings.publishable_key or "").strip()
    return Check(name, WARNING if missing else FAILED, f"{problem}.", fix[0].upper() + fix[1:])


def cache_check(ctx: Context, settings: Settings | None) -> Check:
    url = None if ctx.local_cache_only or settings is None else settings.database_url
    if url:
        return _shared_cache(url)
    return _file_cache(ctx.profile.cache_file)


def _file_cache(path: Path) -> Check:
    if not path.exists():
        return Check(
            "cache",
            WARNING,
            f"No cache yet at {path}.",
            "Run 'billing-admin sync' (or open the window) to fill it from Stripe.",
        )
    db = SqliteDatabase(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        verdict = [row[0] for row in db.execute_sql("PRAGMA quick_check").fetchall()]
        if verdict != ["ok"]:
            return Check(
                "cache",
                FAILED,
                f"The cache {path} is damaged ({verdict[0][:120]}).",
                "Move the file aside (its audit log stays in it) and run 'billing-admin sync "
                "--full' to rebuild the cache from Stripe.",
            )
        return _schema(db, str(path), shared=False)
    except (DatabaseError, sqlite3.DatabaseError) as exc:
        return Check(
            "cache",
            FAILED,
            f"The cache {path} cannot be read ({str(exc)[:120]}).",
            "Check the file's permissions; a file that is not a cache is moved aside by the "
            "next 'billing-admin sync', which rebuilds it from Stripe.",
        )
    finally:
        db.close()


def _shared_cache(url: str) -> Check:
    where = safe_url(url)
    db = postgresql_database(
        url,
        password=credentials.database_password(url),
        connect_timeout=10,
    )
    try:
        db.connect()
    except DatabaseError as exc:
        # The server's words: repeated as any stranger's are.
        reason = untrusted.message(str(exc).strip().split("\n")[0]) or type(exc).__name__
        return Check(
            "cache",
            FAILED,
            f"The shared cache at {where} cannot be reached: {reason}.",
            "Check database_url and that the server is up; store the password with "
            "'billing-admin database-password set' (or in ~/.pgpass).",
        )
    try:
        return _schema(db, where, shared=True)
    except DatabaseError as exc:
        return Check(
            "cache",
            FAILED,
            f"The shared cache at {where} cannot be read: {untrusted.message(str(exc))}.",
            _OWNER_FIX,
        )
    finally:
        with contextlib.suppress(DatabaseError):
            db.close()


#: The most skipped objects `skipped_check` names (the log has them all).
SKIPPED_SHOWN = 10


def skipped_check(ctx: Context, settings: Settings | None) -> Check:
    """The objects from Stripe the syncs could not read and left out (`SkippedObject`),
    read from the cache without changing it."""
    name = "objects from Stripe"
    url = None if ctx.local_cache_only or settings is None else settings.database_url
    if url:
        db: Database = postgresql_database(
            url,
            password=credentials.database_password(url),
            connect_timeout=10,
        )
    elif ctx.profile.cache_file.exists():
        db = SqliteDatabase(f"{ctx.profile.cache_file.resolve().as_uri()}?mode=ro", uri=True)
    else:
        return Check(name, OK, "No cache yet: nothing was skipped.")
    table = SkippedObject._meta.table_name
    try:
        db.connect()
        rows = []
        if db.table_exists(table):
            rows = db.execute_sql(
                f'SELECT kind, stripe_id, reason FROM "{table}" ORDER BY at, id'
            ).fetchall()
    except (DatabaseError, sqlite3.DatabaseError):
        return Check(name, WARNING, "Not known: the cache cannot be read (see the cache check).")
    finally:
        with contextlib.suppress(DatabaseError, sqlite3.DatabaseError):
            db.close()
    if not rows:
        return Check(name, OK, "Every object the syncs read from Stripe could be read.")
    more = len(rows) - SKIPPED_SHOWN
    shown = "; ".join(
        f"{kind} {stripe_id}: {reason}" for kind, stripe_id, reason in rows[:SKIPPED_SHOWN]
    )
    return Check(
        name,
        WARNING,
        f"{len(rows)} object{'' if len(rows) == 1 else 's'} from Stripe could not be read and "
        f"{'was' if len(rows) == 1 else 'were'} left out (what the cache held is kept): "
        f"{shown}{f'; and {more} more (see the log)' if more > 0 else ''}.",
        "Correct them on Stripe (the Dashboard); the next full sync ('billing-admin sync "
        "--full') reads them again.",
    )


_OWNER_FIX = "Run 'billing-admin migrate' as the owner of the cache's tables (README, For teams)."


def _schema(db: Database, where: str, *, shared: bool) -> Check:
    """The migration level and the audit log's protection, read without changing either."""
    table = SchemaMigration._meta.table_name
    version = 0
    if db.table_exists(table):
        version = db.execute_sql(f'SELECT max(version) FROM "{table}"').fetchone()[0] or 0
    latest = migrations.LATEST
    if version > latest:
        return Check(
            "cache",
            FAILED,
            f"The cache at {where} was made by a newer billing-admin (schema {version}, this "
            f"one knows {latest}).",
            "Update billing-admin (this version would move a local cache aside and rebuild it).",
        )
    missing = migrations.missing_audit_triggers(db) if version else []
    if missing:
        return Check(
            "cache",
            FAILED,
            f"The audit log's protection is gone at {where} ({', '.join(missing)} missing).",
            _OWNER_FIX,
        )
    if version < latest and shared:
        return Check(
            "cache", WARNING, f"{where} needs an update (schema {version} to {latest}).", _OWNER_FIX
        )
    if version < latest:  # a local file is migrated when the app next opens it
        return Check(
            "cache", OK, f"{where} is readable (schema {version}, updated to {latest} when opened)."
        )
    return Check("cache", OK, f"{where} is healthy (schema {version}, the latest).")

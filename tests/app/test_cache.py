"""Opening the cache: migrations from older versions, bad files moved aside, an append-only
audit log."""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from peewee import IntegrityError

from app.cache import migrations
from app.cache.db import open_cache
from app.cache.models import AuditEntry, SchemaMigration, database, now
from app.cache.store import audit
from app.demo.emulator import Emulator, running_emulator
from app.records import Action
from app.settings import Profile
from tests.support.account import Account


def test_a_cache_made_by_an_older_version_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    opened = open_cache(path)
    opened.db.execute_sql("DROP TRIGGER audit_entry_no_update")
    opened.db.execute_sql("DROP TRIGGER audit_entry_no_delete")
    SchemaMigration.delete().where(SchemaMigration.version > 1).execute()
    opened.close()

    reopened = open_cache(path)

    assert reopened.notice is None
    assert migrations.current_version(reopened.db) == migrations.LATEST
    triggers = {
        r[0] for r in reopened.db.execute_sql("SELECT name FROM sqlite_master WHERE type='trigger'")
    }
    assert triggers == {"audit_entry_no_update", "audit_entry_no_delete"}
    reopened.close()


def test_each_cache_has_its_own_random_id_kept_across_a_migration(tmp_path: Path) -> None:
    ids = []
    for name in ("a", "b"):
        path = tmp_path / f"{name}.sqlite3"
        opened = open_cache(path)
        (first,) = opened.db.execute_sql("SELECT cache_id FROM sync_state").fetchone()
        opened.db.execute_sql("UPDATE sync_state SET cache_id = NULL")
        identity = migrations.MIGRATIONS.index(migrations._v14_cache_identity) + 1
        SchemaMigration.delete().where(SchemaMigration.version >= identity).execute()
        opened.close()
        reopened = open_cache(path)  # that step again: a cache that had no id gets one
        (again,) = reopened.db.execute_sql("SELECT cache_id FROM sync_state").fetchone()
        reopened.close()
        assert len(first) == len(again) == 26 and first.isalpha() and again != first
        ids.append(again)
    assert ids[0] != ids[1]


def test_a_file_that_is_not_sqlite_is_moved_aside_not_deleted(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    path.write_bytes(b"this is not a database, but somebody's file" * 100)

    opened = open_cache(path)

    assert opened.notice and "moved to" in opened.notice
    (aside,) = tmp_path.glob("cache.sqlite3.unusable-*")
    assert aside.read_bytes().startswith(b"this is not a database")
    assert migrations.current_version(opened.db) == migrations.LATEST
    opened.close()


def test_a_cache_from_a_newer_version_is_moved_aside(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    open_cache(path).close()
    with sqlite3.connect(path) as raw:
        raw.execute("INSERT INTO schema_migration (version, applied_at) VALUES (99, 0)")
    raw.close()

    opened = open_cache(path)

    assert opened.notice and "newer version" in opened.notice
    assert len(list(tmp_path.glob("cache.sqlite3.unusable-*"))) == 1
    opened.close()


@pytest.mark.sqlite_only
def test_the_cli_says_so_when_it_rebuilt_the_cache(home: Path, cli: Any) -> None:
    cache = home / "profiles" / "default" / "cache.sqlite3"
    cache.parent.mkdir(parents=True)
    cache.write_text("garbage", encoding="utf-8")

    ran = cli("customers")

    assert ran.code == 0
    assert ran.err.startswith("note: The cache could not be used")


def test_the_audit_log_is_append_only(tmp_path: Path) -> None:
    opened = open_cache(tmp_path / "cache.sqlite3")
    with database.atomic():
        audit("default", Action.DETACH, "pm_123", "ok", customer="cus_1", detail="Visa •••• 4242")

    with pytest.raises(IntegrityError, match="append-only"):
        AuditEntry.update(outcome="refused").execute()
    with pytest.raises(IntegrityError, match="append-only"):
        AuditEntry.delete().execute()
    assert [e.outcome for e in AuditEntry.select()] == ["ok"]
    assert AuditEntry.get().at <= now()
    opened.close()


@pytest.mark.sqlite_only
def test_an_unusable_data_folder_is_one_sentence(home: Path, cli: Any) -> None:
    # A file where the folder should be: unwritable even for root, unlike chmod.
    home.parent.mkdir(parents=True, exist_ok=True)
    home.write_text("not a folder", encoding="utf-8")

    ran = cli("customers")

    assert ran.code == 1
    assert ran.err.startswith("error: Cannot create the data folder") and ran.err.count("\n") == 1
    assert home.read_text(encoding="utf-8") == "not a folder"


@pytest.mark.emulator
def test_the_audit_log_refuses_changes_on_every_backend(ctx: Any, backend: str) -> None:
    with database.atomic():
        audit("default", Action.PORTAL, "cus_1", "ok", customer="cus_1")

    for change in (AuditEntry.update(outcome="refused"), AuditEntry.delete()):
        with pytest.raises(IntegrityError, match="append-only"), database.atomic():
            change.execute()
    assert [e.outcome for e in AuditEntry.select()] == ["ok"]


def test_processes_opening_a_new_cache_at_once_all_succeed(tmp_path: Path) -> None:
    import subprocess
    import sys

    path = tmp_path / "cache.sqlite3"
    code = (
        "import sys; from pathlib import Path; from app.cache.db import open_cache; "
        "open_cache(Path(sys.argv[1])).close()"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", code, str(path)], stderr=subprocess.PIPE, text=True)
        for _ in range(8)
    ]
    errors = [p.communicate(timeout=60)[1] for p in procs]

    assert [p.returncode for p in procs] == [0] * 8, errors
    assert not list(tmp_path.glob("*.unusable-*"))  # nobody took the new cache for a bad file


def damage_pages(path: Path) -> None:
    """Overwrite every page after the first: the header and the schema still read well."""
    size = path.stat().st_size
    with path.open("r+b") as raw:
        raw.seek(4096)
        raw.write(bytes(range(256)) * ((size - 4096) // 256))


def rename_a_column(path: Path) -> None:
    with contextlib.closing(sqlite3.connect(path)) as raw:
        raw.execute("ALTER TABLE customer RENAME COLUMN email TO mail")
        raw.commit()


@pytest.fixture(scope="module")
def sixty_customers() -> Iterator[Emulator]:
    """An emulator of the module's own with 60 customers, seeded once (7 s) for the four
    cases below, which only read it."""
    with running_emulator() as emulator:
        account = Account(emulator)
        for n in range(60):
            account.customer(f"Customer {n}", cards=[("4242424242424242", 1, 2030)])
        yield emulator


@pytest.mark.emulator
@pytest.mark.sqlite_only
@pytest.mark.parametrize("harm", [damage_pages, rename_a_column])
@pytest.mark.parametrize("command", [("customers",), ("sync", "--full")])
def test_a_cache_damaged_inside_is_moved_aside_and_rebuilt(
    sixty_customers: Emulator,
    home: Path,
    cli: Any,
    monkeypatch: pytest.MonkeyPatch,
    harm: Callable[[Path], None],
    command: tuple[str, ...],
) -> None:
    monkeypatch.setenv("STRIPE_API_BASE", sixty_customers.api_base)
    monkeypatch.setenv("STRIPE_API_KEY", sixty_customers.key)
    assert cli("config", "set", "rate_limit", "100").code == 0  # the emulator's, not Stripe's
    assert cli("sync").code == 0
    cache = Profile().cache_file
    harm(cache)

    damaged = cli(*command)

    # Found when the cache opens (a page it reads first) or when a query meets the harm.
    assert "a bug" not in damaged.err and "Traceback" not in damaged.err
    (said,) = [line for line in damaged.err.splitlines() if line.startswith(("error:", "note:"))]
    assert "moved to cache.sqlite3.unusable-" in said
    assert "its audit log stays in that file" in said
    assert len(list(cache.parent.glob("cache.sqlite3.unusable-*"))) == 1
    assert cli("sync").code == 0  # a new cache, filled from Stripe
    assert len(json.loads(cli("customers", "--json").out)["customers"]) == 60

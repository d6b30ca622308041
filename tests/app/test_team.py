"""A team's shared cache on PostgreSQL: one sync at a time, a scheduled job and desktops on
one database, and a password that never lands in the settings."""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from app.cache import migrations
from app.cache.locks import SYNC_LOCK
from tests.support.account import Account
from tests.support.platforms import installed_script

pytestmark = pytest.mark.postgresql_only


@pytest.mark.emulator
def test_a_second_sync_says_another_is_running_and_changes_nothing(
    account: Account, cli: Any
) -> None:
    account.customer("Ada", cards=[("4242424242424242", 1, 2030)])
    with psycopg.connect(os.environ["BILLING_ADMIN_DATABASE_URL"], autocommit=True) as other:
        other.execute("SELECT pg_advisory_lock(%s)", (SYNC_LOCK,))  # a sync elsewhere
        skipped = cli("sync")
        other.execute("SELECT pg_advisory_unlock(%s)", (SYNC_LOCK,))
    ran = cli("sync")

    assert skipped.code == 0 and skipped.out.startswith("sync skipped: another sync")
    assert ran.code == 0 and ran.out.startswith("full sync: 1 customers")


@pytest.mark.emulator
def test_desktops_and_a_scheduled_sync_share_one_cache_and_one_audit_log(
    account: Account, cli: Any, home: Path
) -> None:
    ada, (first, second) = account.customer(
        "Ada", cards=[("4242424242424242", 1, 2030), ("5555555555554444", 2, 2031)], default=0
    )
    exe = str(installed_script("billing-admin"))

    def app(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [exe, *args], capture_output=True, text=True, timeout=120, env={**os.environ, **env}
        )

    scheduled = app("sync")  # the scheduled job, in its own process with its own key
    desk_a = app("set-default", ada, second, BILLING_ADMIN_HOME=str(home / "desk-a"))
    desk_b = app("detach", first, "--yes", BILLING_ADMIN_HOME=str(home / "desk-b"))

    assert scheduled.returncode == 0, scheduled.stderr
    assert desk_a.returncode == 0 and desk_b.returncode == 0, desk_a.stderr + desk_b.stderr
    # A third desktop reads what the others did, with no sync of its own.
    cards = json.loads(cli("cards", ada, "--all", "--json").out)["payment_methods"]
    assert {c["id"]: (c["is_default"], c["is_active"]) for c in cards} == {
        second: (True, True),
        first: (False, False),
    }
    audit = json.loads(cli("audit", "--json").out)["entries"]
    assert [(e["action"], e["outcome"]) for e in audit] == [("detach", "ok"), ("set-default", "ok")]


def test_a_database_password_in_the_url_is_refused_in_the_settings(home: Path, cli: Any) -> None:
    ran = cli("config", "set", "database_url", "postgresql://team:s3cret@db.example/billing")

    assert ran.code == 2 and "password" in ran.err
    settings = home / "profiles" / "default" / "settings.json"
    assert not settings.exists() or "s3cret" not in settings.read_text(encoding="utf-8")


@pytest.mark.keyring
def test_the_database_password_comes_from_the_keyring(
    home: Path, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from urllib.parse import urlsplit, urlunsplit

    from tests.support.services import require_secret_service

    require_secret_service()
    with_password = os.environ["BILLING_ADMIN_DATABASE_URL"]
    parts = urlsplit(with_password)
    assert parts.password is not None  # the test server's URL carries one
    bare = urlunsplit(parts._replace(netloc=f"{parts.username}@{parts.hostname}:{parts.port}"))
    monkeypatch.delenv("BILLING_ADMIN_DATABASE_URL")
    monkeypatch.delenv("PGPASSWORD", raising=False)
    assert cli("config", "set", "database_url", bare).code == 0

    refused = cli("customers")
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO(f"{parts.password}\n"))
    stored = cli("database-password", "set")
    answered = cli("customers")
    cli("database-password", "delete")

    assert (
        refused.code == 1
        and "no password supplied" in refused.err
        and parts.password not in refused.err
    )
    assert stored.code == 0 and answered.code == 0, answered.err
    assert parts.password not in (home / "profiles" / "default" / "settings.json").read_text(
        encoding="utf-8"
    )


@pytest.mark.emulator
def test_the_desktops_role_can_add_to_the_audit_log_but_not_undo_it(
    account: Account, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """README's two roles: the owner migrates; the desktops' role may only add entries."""
    ada, (_, second) = account.customer(
        "Ada", cards=[("4242424242424242", 1, 2030), ("5555555555554444", 2, 2031)], default=0
    )
    owner_url = os.environ["BILLING_ADMIN_DATABASE_URL"]
    assert cli("migrate").code == 0
    desk = f"desk_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(owner_url, autocommit=True) as owner:
        owner.execute(f"CREATE ROLE {desk} LOGIN PASSWORD 'desk-pw'")
        for grant in GRANTS:  # as README's "For teams" gives them
            owner.execute(grant.format(role=desk))
    parts = urlsplit(owner_url)
    desk_url = urlunsplit(parts._replace(netloc=f"{desk}:desk-pw@{parts.hostname}:{parts.port}"))
    try:
        monkeypatch.setenv("BILLING_ADMIN_DATABASE_URL", desk_url)
        assert cli("sync").code == 0
        assert cli("set-default", ada, second, "--yes").code == 0
        refused = cli("migrate")
        with psycopg.connect(desk_url, autocommit=True) as desktop:
            role = desktop.execute(
                "SELECT db_role FROM audit_entry WHERE outcome = 'ok' ORDER BY id DESC LIMIT 1"
            ).fetchone()
            undoings = []
            for attempt in (
                "DROP TRIGGER audit_entry_no_update ON audit_entry",
                "ALTER TABLE audit_entry DISABLE TRIGGER audit_entry_no_delete",
                "UPDATE audit_entry SET detail = 'nothing to see'",
                "DELETE FROM audit_entry",
            ):
                with pytest.raises(psycopg.Error) as caught:
                    desktop.execute(attempt)
                undoings.append(str(caught.value).splitlines()[0])
        verified = cli("audit", "--verify")
    finally:
        with psycopg.connect(owner_url, autocommit=True) as owner:
            owner.execute(f"DROP OWNED BY {desk}")
            owner.execute(f"DROP ROLE {desk}")

    assert role == (desk,)
    assert refused.code == 1 and "Only the owner of the tables" in refused.err
    assert all("must be owner" in u or "permission denied" in u for u in undoings), undoings
    assert verified.code == 0 and "intact" in verified.out


#: README's grants for the desktops' role.
GRANTS = (
    "GRANT USAGE ON SCHEMA public TO {role}",
    "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
    "REVOKE UPDATE, DELETE, TRUNCATE ON audit_entry, schema_migration FROM {role}",
    "GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {role}",
)


@pytest.mark.emulator
def test_after_an_upgrade_the_owner_migrates_and_the_desktops_wait(
    account: Account, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every desktop shares one schema: an upgrade that brings a migration is applied once,
    by the owner's `migrate`; until then each says in one sentence who must act."""
    owner_url = os.environ["BILLING_ADMIN_DATABASE_URL"]
    assert cli("migrate").code == 0
    desk = f"desk_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(owner_url, autocommit=True) as owner:
        owner.execute(f"CREATE ROLE {desk} LOGIN PASSWORD 'desk-pw'")
        for grant in GRANTS:
            owner.execute(grant.format(role=desk))
        # As a cache made by the version before this one: its newest step not yet applied.
        owner.execute("DELETE FROM schema_migration WHERE version = %s", (migrations.LATEST,))
    parts = urlsplit(owner_url)
    desk_url = urlunsplit(parts._replace(netloc=f"{desk}:desk-pw@{parts.hostname}:{parts.port}"))
    try:
        by_owner = cli("customers")
        monkeypatch.setenv("BILLING_ADMIN_DATABASE_URL", desk_url)
        by_desktop = cli("customers")
        monkeypatch.setenv("BILLING_ADMIN_DATABASE_URL", owner_url)
        migrated = cli("migrate")
        monkeypatch.setenv("BILLING_ADMIN_DATABASE_URL", desk_url)
        after = cli("customers")
    finally:
        with psycopg.connect(owner_url, autocommit=True) as owner:
            owner.execute(f"DROP OWNED BY {desk}")
            owner.execute(f"DROP ROLE {desk}")

    assert by_owner.code == 1 and "needs 'billing-admin migrate' after the upgrade" in by_owner.err
    assert by_desktop.code == 1 and "waiting for the owner to migrate it" in by_desktop.err
    assert by_owner.err.count("\n") == by_desktop.err.count("\n") == 1
    assert migrated.code == 0 and after.code == 0

"""`billing-admin doctor` on the emulator: what it can say (a test key accepted, the clock from
its Date header, the keyring, the cache, the publishable key's mode) and what stops the rest
(no network, a damaged or newer cache, no keyring). What only Stripe says (a restricted key's
missing permissions, a portal never configured) is in test_doctor_recorded.py."""

from __future__ import annotations

import json
import socket
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import keyring
import keyring.backend
import keyring.backends.fail
import pytest
from peewee import SqliteDatabase

from app.cache import migrations
from app.gateway import probe
from tests.support.account import Account
from tests.support.doctor import run_doctor
from tests.support.services import require_secret_service


def doctor(cli: Any, *args: str) -> tuple[int, dict[str, dict[str, str]]]:
    code, checks, _ = run_doctor(cli, *args)
    return code, checks


@pytest.mark.emulator
def test_a_synced_test_profile_on_the_emulator_is_ready(account: Account, cli: Any) -> None:
    assert cli("sync").code == 0

    code, checks = doctor(cli)

    assert code == 0
    assert checks["secret key"]["status"] == "ok"
    assert "Secret key sk_test_…0000, test mode" in checks["secret key"]["detail"]
    assert checks["stripe"]["status"] == "ok"
    assert checks["key accepted"]["status"] == "ok"
    assert checks["clock"]["status"] == "ok"
    assert checks["permissions"]["status"] == "ok"  # a secret key may do everything
    assert checks["publishable key"]["status"] == "ok"  # the emulator's own pairs with its key
    assert checks["cache"]["status"] == "ok" and "schema" in checks["cache"]["detail"]
    # The emulator has no billing portal: a warning, with the login-link fallback offered.
    assert checks["billing portal"]["status"] == "warning"
    assert "portal_login_link" in checks["billing portal"]["fix"]


@pytest.mark.emulator
def test_the_text_report_has_one_aligned_line_a_check_and_never_the_key(
    account: Account, cli: Any
) -> None:
    ran = cli("doctor")

    _, checks = doctor(cli)
    lines = ran.out.splitlines()
    width = max(len(name) for name in checks)
    detail = 2 + 7 + 2 + width + 2  # where every line's detail (and fix) begins
    rows = [line for line in lines[1:-1] if not line.startswith(" " * detail + "fix: ")]
    assert ran.code == 0 and len(rows) == len(checks) == 11
    for row, check in zip(rows, checks.values(), strict=True):
        assert row[2:9].rstrip().lower() == check["status"]
        assert row[11:detail].rstrip() == check["name"]
        if check["name"] != "clock":  # its seconds may differ between the two runs
            assert row[detail:] == check["detail"]
    fixes = [line[detail + 5 :] for line in lines if line.startswith(" " * detail + "fix: ")]
    assert fixes == [c["fix"] for c in checks.values() if c["fix"]]
    assert account.emulator.key not in ran.out + ran.err
    assert lines[-1].endswith(" warnings: see the fixes above.")


@pytest.mark.emulator
def test_a_publishable_key_of_the_other_mode_fails_and_exits_7(account: Account, cli: Any) -> None:
    assert cli("config", "set", "publishable_key", "pk_live_51OtherModeKey1234").code == 0

    code, checks = doctor(cli)

    assert code == 7
    check = checks["publishable key"]
    assert check["status"] == "failed"
    assert "live key but the secret key is a test key" in check["detail"]
    assert "config set publishable_key pk_test_" in check["fix"]


@pytest.mark.emulator
def test_a_missing_publishable_key_is_a_warning(
    account: Account, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STRIPE_API_KEY", "sk_test_NotTheEmulatorsOwn123")

    code, checks = doctor(cli)

    assert checks["publishable key"]["status"] == "warning"
    assert "needs the account's publishable key" in checks["publishable key"]["detail"]
    assert checks["key accepted"]["status"] == "ok"  # the emulator takes any sk_ key
    assert code == 0


@pytest.mark.emulator
def test_a_clock_minutes_off_fails_with_how_to_fix_it(
    account: Account, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Our clock, not the emulator's, is moved: the Date header stays the server's.
    real = time.time
    monkeypatch.setattr(
        probe, "time", type("Clock", (), {"time": staticmethod(lambda: real() + 300)})
    )

    code, checks = doctor(cli)

    assert code == 7
    assert checks["clock"]["status"] == "failed"
    assert "5 minutes ahead of Stripe's" in checks["clock"]["detail"]
    assert "NTP" in checks["clock"]["fix"]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.emulator
def test_without_stripe_one_line_fails_and_the_rest_say_not_checked(
    account: Account, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STRIPE_API_BASE", f"http://127.0.0.1:{_closed_port()}")

    code, checks = doctor(cli)

    assert code == 7
    assert checks["stripe"]["status"] == "failed"
    assert "could not be reached" in checks["stripe"]["detail"]
    assert "network" in checks["stripe"]["fix"]
    for name in ("clock", "key accepted", "permissions", "billing portal"):
        assert checks[name] == {
            "name": name,
            "status": "warning",
            "detail": "Not checked: Stripe could not be reached.",
            "fix": "",
        }
    assert checks["cache"]["status"] in ("ok", "warning")  # local checks still ran


@pytest.mark.emulator
def test_a_live_key_pointed_away_from_stripe_is_refused_before_any_request(
    account: Account, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STRIPE_API_KEY", "sk_live_51MadeUpForTheEmulator0001")

    code, checks = doctor(cli)

    assert code == 7 and checks["stripe"]["status"] == "failed"
    assert "only ever sent to Stripe's own API" in checks["stripe"]["detail"]
    assert "sk_live_51MadeUpForTheEmulator0001" not in json.dumps(checks)


@pytest.fixture
def backend_of_keyring() -> Iterator[Callable[[keyring.backend.KeyringBackend], None]]:
    """Sets keyring's backend for the test; the one before is put back after it."""
    previous = keyring.get_keyring()
    yield keyring.set_keyring
    keyring.set_keyring(previous)


def test_no_key_fails_once_and_skips_what_needs_it(
    home: Path, cli: Any, backend_of_keyring: Any
) -> None:
    backend_of_keyring(keyring.backends.fail.Keyring())

    code, checks = doctor(cli)

    assert code == 7
    assert checks["keyring"]["status"] == "failed"
    assert "No usable keyring" in checks["keyring"]["detail"]
    assert checks["secret key"]["status"] == "failed"
    assert "key set" in checks["secret key"]["fix"]
    assert checks["stripe"]["detail"] == "Not checked: there is no secret key to ask Stripe with."


@pytest.mark.keyring
def test_the_real_secret_service_is_a_real_keyring(home: Path, cli: Any) -> None:
    require_secret_service()

    _, checks = doctor(cli)

    assert checks["keyring"]["status"] == "ok"
    assert "keyring.backends.SecretService" in checks["keyring"]["detail"]


class PlaintextKeyring(keyring.backend.KeyringBackend):
    """Shaped as keyrings.alt's PlaintextKeyring (not installed here): secrets in a file."""

    priority = 1

    def get_password(self, service: str, username: str) -> str | None:
        return None

    def set_password(self, service: str, username: str, password: str) -> None:
        raise NotImplementedError

    def delete_password(self, service: str, username: str) -> None:
        raise NotImplementedError


# keyring's metaclass registers every backend class: out of its list, so that keyring never
# chooses this one (nor chains it) by itself; only the test below sets it.
keyring.backend.KeyringBackend._classes.discard(PlaintextKeyring)


@pytest.mark.emulator
def test_a_plaintext_keyring_fails(account: Account, cli: Any, backend_of_keyring: Any) -> None:
    backend_of_keyring(PlaintextKeyring())

    code, checks = doctor(cli)

    assert code == 7 and checks["keyring"]["status"] == "failed"
    assert "in clear" in checks["keyring"]["detail"]


@pytest.mark.emulator
@pytest.mark.sqlite_only
def test_a_cache_file_that_is_not_a_database_fails(account: Account, cli: Any, home: Path) -> None:
    cache = home / "profiles" / "default" / "cache.sqlite3"
    cache.parent.mkdir(parents=True)
    cache.write_bytes(b"this is not SQLite" * 100)

    code, checks = doctor(cli)

    assert code == 7 and checks["cache"]["status"] == "failed"
    assert "cannot be read" in checks["cache"]["detail"]
    assert cache.read_bytes().startswith(b"this is not SQLite")  # left as it was


@pytest.mark.emulator
@pytest.mark.sqlite_only
def test_a_cache_from_a_newer_version_fails(account: Account, cli: Any, home: Path) -> None:
    assert cli("sync").code == 0
    cache = home / "profiles" / "default" / "cache.sqlite3"
    with sqlite3.connect(cache) as raw:
        raw.execute(
            "INSERT INTO schema_migration (version, applied_at) VALUES (?, '2026-11-26')",
            (migrations.LATEST + 1,),
        )

    code, checks = doctor(cli)

    assert code == 7 and checks["cache"]["status"] == "failed"
    assert f"schema {migrations.LATEST + 1}" in checks["cache"]["detail"]
    assert "Update billing-admin" in checks["cache"]["fix"]


@pytest.mark.emulator
def test_a_cache_without_its_audit_protection_fails(account: Account, cli: Any, ctx: Any) -> None:
    opened = ctx.cache()
    table = migrations.AUDIT_TABLE
    on_table = "" if isinstance(opened.db, SqliteDatabase) else f" ON {table}"
    opened.db.execute_sql(f"DROP TRIGGER {table}_no_delete{on_table}")
    ctx.close()

    code, checks = doctor(cli)

    assert code == 7 and checks["cache"]["status"] == "failed"
    assert f"{migrations.AUDIT_TABLE}_no_delete" in checks["cache"]["detail"]
    assert "billing-admin migrate" in checks["cache"]["fix"]


@pytest.mark.emulator
def test_a_shared_cache_that_cannot_be_reached_fails(
    account: Account, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(
        "BILLING_ADMIN_DATABASE_URL", f"postgresql://nobody@127.0.0.1:{_closed_port()}/billing"
    )

    code, checks = doctor(cli)

    assert code == 7 and checks["cache"]["status"] == "failed"
    assert "cannot be reached" in checks["cache"]["detail"]
    assert "database-password set" in checks["cache"]["fix"]

"""The secret key: validation, the real keyring round trip, and a missing keyring."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring
import keyring.backends.fail
import pytest

from app import platform
from app.errors import UsageError
from app.settings import credentials
from tests.support.platforms import installed_script, keyring_backend
from tests.support.services import require_secret_service


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("pk_test_51HxYzAbCdEf1234567890", "publishable key"),
        ("pk_live_51HxYzAbCdEf1234567890", "publishable key"),
        ("sk_test_", "does not look like"),
        ("sk_prod_51HxYzAbCdEf1234567890", "does not look like"),
        ("sk_test_abc def 123456789", "does not look like"),
        ("whsec_1234567890abcdef", "does not look like"),
        ("", "No key"),
    ],
)
def test_bad_keys_are_refused_with_a_reason(value: str, reason: str) -> None:
    with pytest.raises(UsageError, match=reason):
        credentials.validate_key(value)


def test_a_key_too_short_is_refused_with_the_real_rule() -> None:
    with pytest.raises(UsageError, match="followed by at least 8 letters and digits"):
        credentials.validate_key("sk_test_123")
    assert credentials.validate_key("sk_test_12345678") == "sk_test_12345678"


@pytest.mark.parametrize(
    ("value", "mode", "restricted"),
    [
        ("sk_test_51HxYzAbCdEf1234567890", "test", False),
        ("sk_live_51HxYzAbCdEf1234567890", "live", False),
        ("rk_test_51HxYzAbCdEf1234567890", "test", True),
        ("rk_live_51HxYzAbCdEf1234567890", "live", True),
    ],
)
def test_secret_and_restricted_keys_are_accepted(value: str, mode: str, restricted: bool) -> None:
    key = credentials.SecretKey(credentials.validate_key(f"  {value}\n"), "keyring")
    assert (key.value, key.mode.value, key.restricted) == (value, mode, restricted)
    assert value not in repr(key) and value not in str(key)


@pytest.fixture
def profile() -> Iterator[str]:
    require_secret_service()
    name = f"test-{uuid.uuid4().hex[:8]}"
    yield name
    credentials.delete_key(name)


@pytest.mark.keyring
def test_key_round_trip_through_the_real_keyring(
    home: Path, profile: str, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert type(keyring.get_keyring()).__module__ == keyring_backend()
    secret = "sk_test_51RoundTrip" + uuid.uuid4().hex
    monkeypatch.setattr("sys.stdin", io.StringIO(secret + "\n"))

    stored = cli("--profile", profile, "key", "set")
    status = cli("--profile", profile, "key", "status")

    assert stored.code == 0 and secret not in stored.out
    assert keyring.get_password("billing-admin", profile) == secret
    assert status.code == 0 and "TEST mode" in status.out and "keyring" in status.out
    assert secret not in status.out

    deleted = cli("--profile", profile, "key", "delete")
    after = cli("--profile", profile, "key", "status")

    assert deleted.code == 0 and keyring.get_password("billing-admin", profile) is None
    assert after.code == 5 and "key set" in after.err


@pytest.mark.keyring
def test_key_set_refuses_a_publishable_key_and_stores_nothing(
    home: Path, profile: str, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("pk_test_51HxYzAbCdEf1234567890\n"))

    ran = cli("--profile", profile, "key", "set")

    assert ran.code == 2 and "publishable key" in ran.err and ran.err.count("\n") == 1
    assert keyring.get_password("billing-admin", profile) is None


def test_environment_key_overrides_the_keyring(
    home: Path, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STRIPE_API_KEY", "rk_live_51EnvironmentKey123")

    ran = cli("key", "status")

    assert ran.code == 0 and "LIVE mode" in ran.out and "environment" in ran.out


def test_no_usable_keyring_is_one_sentence_naming_the_fix(home: Path, cli: Any) -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    try:
        ran = cli("key", "status")
        sync = cli("sync")
    finally:
        keyring.set_keyring(previous)

    for result in (ran, sync):
        assert result.code == 5
        assert result.err.count("\n") == 1 and "Traceback" not in result.err
        assert platform.keyring_store() in result.err and "STRIPE_API_KEY" in result.err


@pytest.mark.skipif(sys.platform != "linux", reason="locks a Secret Service collection")
@pytest.mark.keyring
def test_a_locked_keyring_is_one_sentence(tmp_path: Path) -> None:
    """In a Secret Service session of its own (locking the shared one would lock it for
    every later test): store a key, lock the collection, ask for the key."""
    require_secret_service()
    script = tmp_path / "locked.py"
    script.write_text(
        "import subprocess, sys, keyring, secretstorage\n"
        "keyring.set_password('billing-admin', 'locked', 'sk_test_51LockedKeyring0001')\n"
        "secretstorage.get_default_collection(secretstorage.dbus_init()).lock()\n"
        "exe = sys.argv[1]\n"
        "ran = subprocess.run([exe, '--profile', 'locked', 'key', 'status'],\n"
        "                     capture_output=True, text=True, timeout=60)\n"
        "print(ran.returncode)\n"
        "print(ran.stderr, end='')\n",
        encoding="utf-8",
    )
    root = Path(__file__).resolve().parents[2]
    exe = installed_script("billing-admin")
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "STRIPE_API_KEY")}
    env["BILLING_ADMIN_IN_SERVICES"] = "0"  # a fresh D-Bus session and keyring
    env["BILLING_ADMIN_NO_POSTGRES"] = "1"
    ran = subprocess.run(
        [str(root / "scripts" / "with-test-services"), sys.executable, str(script), str(exe)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )

    lines = ran.stdout.splitlines()
    assert lines[0] == "5", ran.stdout + ran.stderr
    assert lines[1].startswith("error: No usable keyring (it is locked)") and len(lines) == 2
    assert "STRIPE_API_KEY" in lines[1]

"""The command as a process: private files, a closed pipe, arguments that are not text."""

from __future__ import annotations

import os
import stat
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from app.cache import store
from app.cache.models import database
from app.records import Action, CardData, CustomerData
from app.settings import Profile
from tests.support.account import Account
from tests.support.platforms import installed_script

EXE = installed_script("billing-admin")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.posix_only("file modes (on Windows the profile folder's access list does it)")
@pytest.mark.emulator
def test_everything_written_is_the_users_alone(account: Account, cli: Any, home: Path) -> None:
    home.mkdir(parents=True, exist_ok=True)
    home.chmod(0o755)
    old = home / "profiles" / "default" / "settings.json"
    old.parent.mkdir(parents=True)
    old.write_text("{}", encoding="utf-8")
    old.chmod(0o644)  # as an earlier version left it
    account.customer("Ada", cards=[("4242424242424242", 1, 2030)])

    assert cli("config", "set", "rate_limit", "10").code == 0
    assert cli("sync").code == 0
    assert cli("expiring", "--within-days", "36500", "--csv", str(home / "export.csv")).code == 0

    assert mode(home) == 0o700
    files = [p for p in home.rglob("*") if p.is_file()]
    assert {p.name for p in files} >= {"settings.json", "billing-admin.log", "export.csv"}
    assert {str(p.relative_to(home)): mode(p) for p in files} == {
        str(p.relative_to(home)): 0o600 for p in files
    }
    assert all(mode(p) == 0o700 for p in home.rglob("*") if p.is_dir())


@pytest.mark.sqlite_only
@pytest.mark.parametrize("command", ["customers", "expiring", "audit"])
def test_a_reader_that_goes_away_is_not_an_error(home: Path, command: str) -> None:
    Profile().folder.mkdir(parents=True)
    from app.cache.db import open_cache

    opened = open_cache(Profile().cache_file)
    now = datetime.now(UTC)
    count = 5000 if command != "audit" else 1500  # more than a pipe holds
    with database.atomic():
        ids = store.upsert_customers(
            [
                CustomerData(f"cus_{i:06d}", f"Customer {i}", f"c{i}@example.com", None)
                for i in range(count)
            ],
            now,
        )
        if command == "expiring":  # each with a card that expires at the end of this month
            cards = {
                f"cus_{i:06d}": [
                    CardData(
                        f"pm_{i:06d}",
                        f"cus_{i:06d}",
                        "visa",
                        "4242",
                        now.month,
                        now.year,
                        "US",
                        "credit",
                        None,
                    )
                ]
                for i in range(count)
            }
            store.upsert_cards(cards, ids, now, complete=True)
        if command == "audit":
            for i in range(count):
                store.audit("default", Action.PORTAL, f"cus_{i:06d}", "ok", customer=f"cus_{i:06d}")
    opened.close()

    with subprocess.Popen(
        [str(EXE), command], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=os.environ
    ) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        first = proc.stdout.readline()
        proc.stdout.close()  # as `| head -1` does
        err = proc.stderr.read().decode()
        code = proc.wait(timeout=60)

    assert first.strip()
    assert code == 0 and err == ""


def test_an_argument_that_is_not_text_is_one_sentence(home: Path) -> None:
    ran = subprocess.run(
        [os.fsencode(EXE), b"customers", b"--search", b"\xff"],
        capture_output=True,
        env=os.environ,
        timeout=60,
    )

    assert ran.returncode == 2
    assert ran.stderr.decode().startswith("error: ") and ran.stderr.count(b"\n") == 1

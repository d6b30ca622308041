"""Issue 25, target 3: a command that neither talks to Stripe nor opens a window imports
neither (stripe, aiohttp, Qt), nor, reading a SQLite cache, the keyring or PostgreSQL's
driver. Each runs in a fresh process, as `billing-admin` does, and lists what it loaded."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NEVER = ("stripe", "aiohttp", "PySide6", "shiboken6", "app.gateway", "ui")
NOT_ON_SQLITE = ("keyring", "psycopg")

_RUN = """
import json, sys
from billing_admin import main
try:
    status = main({argv!r})
except SystemExit as exc:
    status = exc.code
print(json.dumps([status, sorted(sys.modules)]), file=sys.__stderr__)
"""


def loaded(*argv: str) -> tuple[int, set[str]]:
    """Run `billing-admin ARGV` in a fresh process: its exit status and loaded modules."""
    done = subprocess.run(
        [sys.executable, "-c", _RUN.format(argv=list(argv))],
        cwd=ROOT,
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    status, modules = json.loads(done.stderr.strip().splitlines()[-1])
    return status, set(modules)


def heavy(modules: set[str], names: tuple[str, ...]) -> set[str]:
    return {m for m in modules if m.split(".")[0] in names or m.startswith(names)}


@pytest.mark.sqlite_only
def test_version_loads_no_cache_gateway_or_window(home: Path) -> None:
    status, modules = loaded("--version")
    assert status == 0
    assert heavy(modules, (*NEVER, *NOT_ON_SQLITE, "peewee", "app.cache")) == set()


def test_reading_commands_load_no_gateway_or_window(home: Path, backend: str) -> None:
    never = NEVER if backend == "postgresql" else (*NEVER, *NOT_ON_SQLITE)
    for argv in (
        ["customers", "--json"],
        ["customers", "--search", "a", "--json"],
        ["cards", "cus_missing"],
        ["attention", "--json"],
        ["audit", "--json"],
    ):
        status, modules = loaded(*argv)
        assert status in (0, 3), argv  # 3: the customer is not in the cache
        assert heavy(modules, never) == set(), argv
        assert "peewee" in modules


@pytest.mark.postgresql_only
def test_peewee_is_given_psycopg_when_a_shared_cache_opens(home: Path) -> None:
    """Peewee was imported without its driver (`app.cache.postgresql_driver`): opening the
    shared cache gives it psycopg, and the cache works (written, read, in a transaction)."""
    code = """
import os, sys
import app.cache.db
assert "psycopg" not in sys.modules
import peewee
assert peewee.psycopg is None
from app.cache import queries
from app.cache.db import open_shared_cache
opened = open_shared_cache(os.environ["BILLING_ADMIN_DATABASE_URL"])
with opened.db.atomic():
    assert queries.count(queries.customers_query()) == 0
assert peewee.psycopg is not None
opened.close()
print("ok")
"""
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.stdout.strip() == "ok", done.stderr

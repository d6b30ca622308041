"""app/ and ui/ with the POSIX-only parts of Python taken away, as on Windows.

No Windows machine runs the suite; this is what can be proven on Linux. A child Python has
no `pwd`, `grp` or `fcntl` modules and no `os.getuid`, `os.geteuid` or `os.umask` (Windows'
Python has none of the three modules, and its umask only touches the read-only flag), then
imports every module of app/ and ui/ and runs the command line's main commands against the
emulator. What differs by OS lives in app/platform.py; `make lint` type-checks the rest for
win32 and darwin.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.account import Account

ROOT = Path(__file__).resolve().parents[2]

#: Runs first in the child: the POSIX-only parts gone before anything of ours is imported.
PRELUDE = """
import os, sys
# Third-party packages that pick their POSIX or Windows half by sys.platform, which is still
# "linux" here: loaded before the POSIX parts go (on Windows they load their Windows half).
import platformdirs
for name in ("pwd", "grp", "fcntl"):
    sys.modules[name] = None  # `import pwd` now raises ImportError
for name in ("getuid", "geteuid", "umask"):
    if hasattr(os, name):
        delattr(os, name)
"""

IMPORT_ALL = """
import importlib, json, pkgutil
failed = {}
names = []
for package in ("app", "ui"):
    for info in pkgutil.walk_packages([package], prefix=package + "."):
        names.append(info.name)
for name in ["app", "ui", *names]:
    if name.endswith(".__main__"):
        continue  # runs the command line when imported
    try:
        importlib.import_module(name)
    except BaseException as exc:
        failed[name] = f"{type(exc).__name__}: {exc}"
print(json.dumps({"imported": len(names), "failed": failed}))
"""

#: Each command run in-process by app.cli.main, its output captured; JSON on stdout.
RUN_COMMANDS = """
import contextlib, io, json
from app.cli import main
ran = []
for argv in json.loads(sys.argv[1]):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    ran.append({"argv": argv, "code": code, "out": out.getvalue(), "err": err.getvalue()})
print(json.dumps(ran))
"""


def as_on_windows(script: str, *args: str, env: dict[str, str] | None = None) -> object:
    done = subprocess.run(
        [sys.executable, "-c", PRELUDE + script, *args],
        cwd=ROOT,
        capture_output=True,
        encoding="utf-8",
        env=env,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def test_the_prelude_takes_the_posix_parts_away() -> None:
    probe = """
import importlib, json
gone = []
for name in ("pwd", "grp", "fcntl"):
    try:
        importlib.import_module(name)
    except ImportError:
        gone.append(name)
gone += [name for name in ("getuid", "geteuid", "umask") if not hasattr(os, name)]
print(json.dumps(gone))
"""
    assert as_on_windows(probe) == ["pwd", "grp", "fcntl", "getuid", "geteuid", "umask"]


def test_every_module_of_app_and_ui_imports() -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = as_on_windows(IMPORT_ALL, env=env)

    assert isinstance(result, dict)
    assert result["failed"] == {}
    assert result["imported"] > 100  # app/ and ui/, not an empty walk


@pytest.mark.emulator
def test_the_main_commands_run(account: Account, home: Path) -> None:
    cus, (card, _other) = account.customer(
        "李小龙", "li@example.com", [("4242424242424242", 12, 2030), ("5555555555554444", 1, 2031)]
    )
    csv_file = home.parent / "expiring.csv"
    commands = [
        ["sync"],
        ["cards", cus, "--json"],
        ["set-default", cus, card, "--yes"],
        ["customers", "--json"],
        ["expiring", "--within-days", "36500", "--csv", str(csv_file)],
        ["audit", "--json"],
        ["audit", "--verify"],
        ["doctor", "--json"],
        ["sync", "--full"],
    ]
    # As on Windows: the account's name is in USERNAME (LOGNAME and USER are POSIX's).
    env = {k: v for k, v in os.environ.items() if k not in ("LOGNAME", "USER", "LNAME")}
    env["USERNAME"] = "ada"

    ran = as_on_windows(RUN_COMMANDS, json.dumps(commands), env=env)

    assert isinstance(ran, list)
    by_name = {" ".join(r["argv"][:2]): r for r in ran}
    for r in ran:
        if r["argv"][0] != "doctor":
            assert r["code"] == 0, r
        assert "unexpected" not in r["err"], r
    (row,) = json.loads(by_name["customers --json"]["out"])["customers"]
    assert (row["id"], row["name"], row["default_payment_method"]) == (cus, "李小龙", card)
    cards = json.loads(by_name[f"cards {cus}"]["out"])["payment_methods"]
    assert len(cards) == 2
    assert "李小龙" in csv_file.read_text(encoding="utf-8")
    entries = json.loads(by_name["audit --json"]["out"])["entries"]
    assert [e["operator"] for e in entries] == ["ada"]
    checks = {c["name"]: c for c in json.loads(by_name["doctor --json"]["out"])["checks"]}
    assert {checks[name]["status"] for name in ("secret key", "stripe", "cache")} == {"ok"}

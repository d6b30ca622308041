"""The demo end to end, and what it leaves on disk."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from app.demo.demo import demo_context
from app.demo.emulator import EMULATOR_KEY, Emulator, seed_demo
from app.settings import Profile
from tests.support.account import Account
from tests.support.platforms import installed_script
from tests.support.scan import findings, luhn_ok


def test_luhn_check_spots_card_numbers() -> None:
    assert luhn_ok(b"4242424242424242") and luhn_ok(b"5555555555554444")
    assert not luhn_ok(b"4242424242424241") and not luhn_ok(b"1786000000123")


def test_the_scan_finds_a_card_number_but_not_inside_an_audit_digest(tmp_path: Path) -> None:
    digest = "ab" + "4242424242424242" + "c0" * 23  # a SHA-256's 64 hex characters
    (tmp_path / "chain").write_text(f"prev={digest};")
    (tmp_path / "leak").write_text("card 4242424242424242 exp 12/30")
    assert findings(tmp_path, []) == [f"{tmp_path / 'leak'}: card-like number 4242…"]


@pytest.mark.emulator
@pytest.mark.sqlite_only  # the demo keeps its own SQLite cache whatever is configured
def test_demo_seeds_syncs_and_serves_until_interrupted(home: Path, cli: Any) -> None:
    exe = installed_script("billing-admin")
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [str(exe), "demo", "--no-window"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        # As a shell starts `billing-admin demo &`: SIGINT ignored, Ctrl-C must still end it.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
    )
    assert proc.stdout is not None and proc.stderr is not None
    try:
        summary = proc.stdout.readline()
        assert summary.startswith("full sync: 40 customers"), summary
        for line in proc.stderr:  # progress lines, then where the emulator serves
            if line.startswith("Serving the demo emulator at"):
                assert "http://127.0.0.1:" in line
                break
        else:
            raise AssertionError("the demo never said where it serves")
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err

    customers = json.loads(cli("--profile", "demo", "customers", "--json").out)["customers"]
    names = {c["name"] for c in customers}
    assert len(customers) == 40 and {"李小龙", "Zoë Ångström", "محمد العلي"} <= names
    assert findings(home, [EMULATOR_KEY]) == []


def test_demo_refuses_a_live_key(home: Path, cli: Any, monkeypatch: Any) -> None:
    monkeypatch.setenv("STRIPE_API_KEY", "sk_live_51RealMoneyHere0001")

    ran = cli("demo", "--no-window")

    assert ran.code == 2 and "live key" in ran.err


@pytest.mark.emulator
def test_no_secret_or_card_number_on_disk_after_sync_and_operations(
    account: Account, cli: Any, home: Path
) -> None:
    seed_demo(account.emulator.api_base, count=12)
    assert cli("sync").code == 0
    rows = json.loads(cli("customers", "--json").out)["customers"]
    with_cards = [r for r in rows if r["card_count"] >= 2]
    cus = with_cards[0]["id"]
    cards = json.loads(cli("cards", cus, "--json").out)["payment_methods"]
    assert cli("set-default", cus, cards[1]["id"]).code == 0
    assert cli("detach", cards[0]["id"], "--yes").code == 0
    assert cli("audit", "--csv", str(home / "audit.csv")).code == 0
    assert cli("sync").code == 0

    assert findings(home, [EMULATOR_KEY]) == []


@pytest.mark.emulator
@pytest.mark.sqlite_only
def test_the_demo_never_touches_a_profile_it_did_not_make(
    home: Path, cli: Any, emulator: Emulator
) -> None:
    assert cli("--profile", "demo", "config", "set", "rate_limit", "5").code == 0
    real = Profile("demo").cache_file
    real.write_bytes(b"someone's real cache, audit log included")

    first = demo_context(emulator)
    again = demo_context(emulator)

    assert first.profile.name == again.profile.name == "demo-2"
    assert real.read_bytes() == b"someone's real cache, audit log included"
    assert Profile("demo").load_settings().rate_limit == 5


@pytest.mark.emulator
@pytest.mark.ui
@pytest.mark.sqlite_only  # the demo's profile is always a SQLite cache
@pytest.mark.skipif(sys.platform != "linux", reason="reads the processes' tree in /proc (Linux)")
@pytest.mark.parametrize("window", [True, False], ids=["window", "no-window"])
def test_a_demo_ended_by_kill_takes_its_emulator_with_it(home: Path, window: bool) -> None:
    """A logout or `kill` sends SIGTERM: the demo ends as Ctrl-C or Quit end it, and the
    emulator it started does not outlive it."""
    exe = installed_script("billing-admin")
    args = [str(exe), "demo", *([] if window else ["--no-window"])]
    proc = subprocess.Popen(
        args,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert proc.stdout is not None
    try:
        assert proc.stdout.readline().startswith("full sync: 40 customers")
        children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
        assert len(children) == 1, children  # the emulator
        emulator = int(children[0])
        if window:  # give the window time to open and enter its event loop
            _wait_for_thread_count(proc.pid)
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)

    assert proc.returncode == 0, err
    assert "Traceback" not in err
    assert not Path(f"/proc/{emulator}").exists() or _is_zombie(emulator)


def _wait_for_thread_count(pid: int, at_least: int = 3, timeout: float = 20.0) -> None:
    """Qt's window starts helper threads once it is up; wait for them rather than a sleep."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(list(Path(f"/proc/{pid}/task").iterdir())) >= at_least:
            time.sleep(1.0)  # then let the first paint happen
            return
        time.sleep(0.1)


def _is_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1].startswith("Z")
    except FileNotFoundError:
        return True

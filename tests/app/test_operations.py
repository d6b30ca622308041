"""Operations through the command line: each reflected on the emulator and in the cache,
each audited; refusals change nothing."""

from __future__ import annotations

import json
import os
from datetime import date
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from app.cache import queries
from app.context import Context
from app.errors import UsageError
from app.settings import Profile
from tests.support.account import Account


def synced_customer(account: Account, cli: Any, default: int | None = 0) -> tuple[str, list[str]]:
    cus, cards = account.customer(
        "Ada Lovelace",
        cards=[("4242424242424242", 1, 2030), ("5555555555554444", 2, 2031)],
        default=default,
    )
    assert cli("sync").code == 0
    return cus, cards


def audit(cli: Any) -> list[dict[str, Any]]:
    ran = cli("audit", "--json")
    assert ran.code == 0
    return json.loads(ran.out)["entries"]  # type: ignore[no-any-return]


@pytest.mark.emulator
def test_set_default_changes_stripe_the_cache_and_the_audit_log(account: Account, cli: Any) -> None:
    cus, (first, second) = synced_customer(account, cli)

    ran = cli("set-default", cus, second)

    assert ran.code == 0, ran.err
    assert account.default_of(cus) == second
    cards = {c["id"]: c for c in json.loads(cli("cards", cus, "--json").out)["payment_methods"]}
    assert cards[second]["is_default"] and not cards[first]["is_default"]
    entry = audit(cli)[0]
    assert (entry["action"], entry["target"], entry["outcome"], entry["customer"]) == (
        "set-default",
        second,
        "ok",
        cus,
    )
    assert entry["operator"]


@pytest.mark.emulator
def test_set_default_with_another_customers_card_is_refused(account: Account, cli: Any) -> None:
    cus, (first, _) = synced_customer(account, cli)
    _, (foreign,) = account.customer("Eve", cards=[("4000056655665556", 4, 2032)])

    ran = cli("set-default", cus, foreign)

    assert ran.code == 6
    assert (
        ran.err.startswith("error: ") and "does not belong" in ran.err and ran.err.count("\n") == 1
    )
    assert account.default_of(cus) == first
    assert audit(cli)[0]["outcome"] == "refused"


@pytest.mark.emulator
def test_detach_with_yes_removes_the_card_everywhere(account: Account, cli: Any) -> None:
    cus, (first, second) = synced_customer(account, cli)

    ran = cli("detach", second, "--yes")

    assert ran.code == 0, ran.err
    assert account.owner_of(second) is None
    assert [c["id"] for c in json.loads(cli("cards", cus, "--json").out)["payment_methods"]] == [
        first
    ]
    every = json.loads(cli("cards", cus, "--all", "--json").out)["payment_methods"]
    assert {c["id"]: c["is_active"] for c in every} == {first: True, second: False}


@pytest.mark.emulator
def test_detaching_the_default_leaves_no_default(account: Account, cli: Any) -> None:
    cus, (first, _) = synced_customer(account, cli, default=0)

    assert cli("detach", first, "--yes").code == 0

    row = json.loads(cli("customers", "--json").out)["customers"][0]
    assert row["default_payment_method"] is None
    assert not any(
        c["is_default"] for c in json.loads(cli("cards", cus, "--json").out)["payment_methods"]
    )


@pytest.mark.emulator
def test_detach_without_confirmation_in_a_script_changes_nothing(
    account: Account, cli: Any
) -> None:
    cus, (_, second) = synced_customer(account, cli)

    ran = cli("detach", second)

    assert ran.code == 2 and "--yes" in ran.err
    assert account.owner_of(second) == cus


@pytest.mark.emulator
def test_unknown_and_malformed_ids_get_one_sentence(account: Account, cli: Any) -> None:
    synced_customer(account, cli)

    unknown = cli("detach", "pm_doesnotexist", "--yes")
    malformed = cli("detach", "../x", "--yes")
    unknown_customer = cli("set-default", "cus_nobody", "pm_x")

    assert unknown.code == 3 and unknown.err.startswith("error: ")
    assert malformed.code == 2 and "is not a Stripe card id" in malformed.err
    assert unknown_customer.code == 3
    assert all("Traceback" not in r.err for r in (unknown, malformed, unknown_customer))


# The emulator has no billing portal: these tests are served a recorded Stripe-shaped
# response (Stripe's API reference example) by a small local HTTP server.
PORTAL_SESSION = {
    "id": "bps_1MrSjzLkdIwHu7ixex0IvU9b",
    "object": "billing_portal.session",
    "configuration": "bpc_1MAhNDLkdIwHu7ixckACO1Jq",
    "created": 1680210639,
    "customer": "cus_NciAYcXfLnqBoz",
    "flow": None,
    "livemode": False,
    "locale": None,
    "on_behalf_of": None,
    "return_url": "https://example.com/account",
    "url": "https://billing.stripe.com/p/session/test_YWNjdF8xTTJKVGtMa2RJd0h1N2l4LF9OY2lBYjJXcHY4a2NPck96UjBEbFVYRnVFOFdHY2hY0100x3X6SJ5r",
}


def test_portal_link_is_made_when_asked(
    home: Any, httpserver: HTTPServer, cli: Any, monkeypatch: Any
) -> None:
    monkeypatch.setenv("STRIPE_API_BASE", httpserver.url_for("").rstrip("/"))
    monkeypatch.setenv("STRIPE_API_KEY", "sk_test_recordedportal123")
    httpserver.expect_oneshot_request(
        "/v1/billing_portal/sessions", method="POST"
    ).respond_with_json(PORTAL_SESSION)

    ran = cli("portal", "cus_NciAYcXfLnqBoz")

    assert ran.code == 0, ran.err
    assert ran.out.strip() == PORTAL_SESSION["url"]
    assert "expires" in ran.err
    request, _ = httpserver.log[0]
    assert request.form["customer"] == "cus_NciAYcXfLnqBoz"
    assert request.form["return_url"] == "https://dashboard.stripe.com/"
    assert request.headers["Authorization"] == "Bearer sk_test_recordedportal123"


def test_portal_offers_the_login_link_when_no_session_can_be_made(
    home: Any, httpserver: HTTPServer, cli: Any, monkeypatch: Any
) -> None:
    monkeypatch.setenv("STRIPE_API_BASE", httpserver.url_for("").rstrip("/"))
    monkeypatch.setenv("STRIPE_API_KEY", "sk_test_recordedportal123")
    assert (
        cli(
            "config", "set", "portal_login_link", "https://billing.stripe.com/p/login/test_abc"
        ).code
        == 0
    )
    refusal = {
        "error": {
            "message": "You can't create a portal session in test mode until you save "
            "your customer portal settings.",
            "type": "invalid_request_error",
        }
    }
    httpserver.expect_request("/v1/billing_portal/sessions", method="POST").respond_with_json(
        refusal, status=400
    )

    ran = cli("portal", "cus_NciAYcXfLnqBoz")

    assert ran.code == 0, ran.err
    assert ran.out.strip() == "https://billing.stripe.com/p/login/test_abc"
    assert "login link" in ran.err


def test_portal_refusal_without_login_link_exits_6(
    home: Any, httpserver: HTTPServer, cli: Any, monkeypatch: Any
) -> None:
    monkeypatch.setenv("STRIPE_API_BASE", httpserver.url_for("").rstrip("/"))
    monkeypatch.setenv("STRIPE_API_KEY", "sk_test_recordedportal123")
    refusal = {"error": {"message": "No configuration provided.", "type": "invalid_request_error"}}
    httpserver.expect_request("/v1/billing_portal/sessions", method="POST").respond_with_json(
        refusal, status=400
    )

    ran = cli("portal", "cus_NciAYcXfLnqBoz")

    assert ran.code == 6 and "No configuration provided" in ran.err


@pytest.mark.emulator
def test_operations_keep_the_cache_in_step_without_a_sync(account: Account, cli: Any) -> None:
    cus, (first, second) = synced_customer(account, cli)
    cli("set-default", cus, second)
    cli("detach", first, "--yes")

    # The cache alone answers, with no sync in between.
    row = json.loads(cli("customers", "--json").out)["customers"][0]

    assert (row["card_count"], row["default_payment_method"]) == (1, second)
    assert [c.id for c in queries.cards_of(cus)] == [second]


@pytest.mark.emulator
def test_an_api_base_without_billing_portal_offers_the_login_link(
    account: Account, cli: Any
) -> None:
    cus, _ = synced_customer(account, cli)  # the test emulator has no billing portal

    refused = cli("portal", cus)
    assert (
        cli("config", "set", "portal_login_link", "https://billing.stripe.com/p/login/test_x").code
        == 0
    )
    offered = cli("portal", cus)

    assert refused.code == 6 and "offers no billing portal" in refused.err
    assert offered.code == 0 and offered.out.strip() == "https://billing.stripe.com/p/login/test_x"


@pytest.mark.emulator
def test_the_demo_emulator_serves_a_stand_in_portal(home: Any, cli: Any, monkeypatch: Any) -> None:
    import urllib.request

    from app.demo.emulator import running_emulator

    with running_emulator(with_portal=True) as demo:
        cus, _ = Account(demo).customer("Zoë Ångström")
        monkeypatch.setenv("STRIPE_API_BASE", demo.api_base)
        monkeypatch.setenv("STRIPE_API_KEY", demo.key)

        ran = cli("portal", cus)
        with urllib.request.urlopen(ran.out.strip(), timeout=10) as page:
            body = page.read().decode()

    assert ran.code == 0 and ran.out.startswith(demo.api_base)
    assert "Billing portal of Zoë Ångström" in body


@pytest.mark.posix_only("the account's name from the user id (pwd)")
@pytest.mark.emulator
def test_the_operator_is_the_account_not_the_environment(
    account: Account, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, (card,) = account.customer("Ada", cards=[("4242424242424242", 1, 2030)])
    assert cli("sync").code == 0
    for name in ("LOGNAME", "USER", "LNAME", "USERNAME"):
        monkeypatch.setenv(name, "ceo\n2026-01-01T00:00:00  ceo  detach  pm_forged  ok")

    assert cli("detach", card, "--yes").code == 0

    (entry,) = json.loads(cli("audit", "--json").out)["entries"]
    import pwd  # POSIX only

    assert entry["operator"] == pwd.getpwuid(os.getuid()).pw_name
    assert len(cli("audit").out.splitlines()) == 2  # the header and one entry


@pytest.mark.emulator
def test_an_expired_card_is_never_made_the_default(account: Account, cli: Any) -> None:
    cus, (first, expired) = account.customer(
        cards=[("4242424242424242", 12, 2030), ("5555555555554444", 5, 2024)], default=0
    )
    assert cli("sync").code == 0

    ran = cli("set-default", cus, expired, "--yes")

    assert ran.code == 2
    assert ran.err == (
        "error: Mastercard •••• 4444 expired at the end of 05/2024: an expired card cannot be "
        "the default.\n"
    )
    assert account.default_of(cus) == first
    assert audit(cli)[0]["outcome"] == "refused"
    # Operations judge again on what Stripe says, whatever the cache or the caller believed.
    ctx = Context(Profile())
    try:
        with pytest.raises(UsageError, match="expired at the end of 12/2030"):
            ctx.operations().set_default(cus, first, today=date(2031, 1, 1))
    finally:
        ctx.close()


@pytest.mark.emulator
def test_a_card_expiring_soon_becomes_the_default_only_when_confirmed(
    account: Account, cli: Any
) -> None:
    today = date.today()  # a card valid through the end of this month
    cus, (first, soon) = account.customer(
        cards=[("4242424242424242", 12, 2030), ("5555555555554444", today.month, today.year)],
        default=0,
    )
    assert cli("sync").code == 0

    asked = cli("set-default", cus, soon)  # no terminal to ask on
    assert asked.code == 2 and "expires on" in asked.err and "pass --yes" in asked.err
    assert account.default_of(cus) == first

    assert cli("set-default", cus, soon, "--yes").code == 0
    assert account.default_of(cus) == soon

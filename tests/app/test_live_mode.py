"""Live-mode safety on the command line. The emulator accepts any `sk_` key, so a made-up
live key drives the app's live-mode paths against it; nothing reaches Stripe."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from tests.support.account import Account

pytestmark = pytest.mark.emulator

LIVE_KEY = "sk_live_51MadeUpForTheEmulator0001"


class Terminal(io.StringIO):
    """Standard input as an operator at a terminal would type it."""

    def isatty(self) -> bool:
        return True


@pytest.fixture
def live(account: Account, cli: Any, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str, str]:
    cus, (first, second) = account.customer(
        "Ada", cards=[("4242424242424242", 1, 2030), ("5555555555554444", 2, 2031)], default=0
    )
    assert cli("sync").code == 0
    # A live key may reach the loopback emulator only through this test-only switch.
    monkeypatch.setenv("BILLING_ADMIN_TEST_LIVE_ON_LOOPBACK", "1")
    monkeypatch.setenv("STRIPE_API_KEY", LIVE_KEY)
    return cus, first, second


def outcomes(cli: Any) -> list[tuple[str, str, str]]:
    entries = json.loads(cli("audit", "--json").out)["entries"]
    return [(e["action"], e["outcome"], e["detail"]) for e in entries]


def test_a_script_cannot_change_a_live_default_without_yes(
    live: Any, account: Account, cli: Any
) -> None:
    cus, first, second = live

    ran = cli("set-default", cus, second)

    assert ran.code == 2 and "--yes" in ran.err
    assert account.default_of(cus) == first
    assert outcomes(cli)[0][:2] == ("set-default", "refused")


def test_live_detach_needs_the_last_four_digits(
    live: Any, account: Account, cli: Any, monkeypatch: Any
) -> None:
    cus, _, second = live
    monkeypatch.setattr("sys.stdin", Terminal("yes\n"))

    wrong = cli("detach", second)

    assert wrong.code == 2 and "Not confirmed" in wrong.err
    assert "LIVE mode" in wrong.out and "last four digits" in wrong.out
    assert account.owner_of(second) == cus

    monkeypatch.setattr("sys.stdin", Terminal("4444\n"))
    right = cli("detach", second)

    assert right.code == 0, right.err
    assert account.owner_of(second) is None
    assert [o[:2] for o in outcomes(cli)[:2]] == [("detach", "ok"), ("detach", "refused")]


def test_live_set_default_with_yes_goes_through(live: Any, account: Account, cli: Any) -> None:
    cus, _, second = live

    assert cli("set-default", cus, second, "--yes").code == 0
    assert account.default_of(cus) == second


def test_test_mode_detach_asks_yes_or_no(account: Account, cli: Any, monkeypatch: Any) -> None:
    cus, (card,) = account.customer("Bob", cards=[("4242424242424242", 1, 2030)])
    cli("sync")
    monkeypatch.setattr("sys.stdin", Terminal("n\n"))

    declined = cli("detach", card)

    assert declined.code == 2 and "[y/N]" in declined.out and "Visa •••• 4242" in declined.out
    assert account.owner_of(card) == cus


def test_key_status_says_live(live: Any, cli: Any) -> None:
    ran = cli("key", "status")
    assert "LIVE mode" in ran.out and LIVE_KEY not in ran.out


def test_ctrl_d_at_the_live_question_is_a_refusal_on_the_record(
    live: Any, account: Account, cli: Any, monkeypatch: Any
) -> None:
    cus, _, second = live
    monkeypatch.setattr("sys.stdin", Terminal(""))  # end of input at once, as Ctrl-D gives

    ran = cli("detach", second)

    assert ran.code == 2 and "Not confirmed" in ran.err and "Traceback" not in ran.err
    assert account.owner_of(second) == cus
    assert outcomes(cli)[0][:2] == ("detach", "refused")

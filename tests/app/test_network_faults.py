"""Network faults between the app and Stripe, through a real TCP proxy in front of the
emulator: a connection cut in the middle of a full sync, a response lost after Stripe
applied a change."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from app.cache import queries
from tests.support.account import Account
from tests.support.proxy import Proxy

pytestmark = pytest.mark.emulator


@pytest.fixture
def proxy(account: Account, monkeypatch: pytest.MonkeyPatch) -> Iterator[Proxy]:
    with Proxy.to(account.emulator.api_base) as running:
        monkeypatch.setenv("STRIPE_API_BASE", running.url)
        yield running


def test_a_full_sync_cut_in_the_middle_leaves_a_consistent_cache(
    account: Account, proxy: Proxy, cli: Any
) -> None:
    before = {
        account.customer(f"Early {i}", cards=[("4242424242424242", 1, 2030)])[0] for i in range(5)
    }
    assert cli("sync").code == 0
    gone = sorted(before)[0]
    account.client.v1.customers.delete(gone)  # a complete sync would mark it deleted
    later = {}
    for i in range(40):
        cus, cards = account.customer(
            f"Later {i}", cards=[("4242424242424242", 1, 2030), ("5555555555554444", 2, 2031)]
        )
        later[cus] = set(cards)

    proxy.cut_after_requests(15)
    cut = cli("sync", "--full")

    assert cut.code == 4
    errors = [line for line in cut.err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "could not be reached" in errors[0] and "Traceback" not in cut.err
    cached = {r.id: r for r in queries.customer_rows(queries.customers_query())}
    assert gone in cached  # nothing marked deleted by a sync that did not finish
    assert later.keys() <= cached.keys()  # the first pass wrote every customer
    for cus in later:  # each with all its cards, or saying that they are still to come
        written = {c.id for c in queries.cards_of(cus)}
        if cached[cus].cards_pending:
            assert not written  # they have no default card: nothing was written yet
        else:
            assert written == later[cus] and cached[cus].card_count == 2
    assert any(cached[cus].cards_pending for cus in later)  # the cut did stop it part-way

    proxy.restore()
    again = cli("sync", "--full")

    assert again.code == 0, again.err
    ids = {c["id"] for c in json.loads(cli("customers", "--json").out)["customers"]}
    assert ids == (before - {gone}) | later.keys()


def test_a_lost_response_is_retried_with_the_same_idempotency_key(
    account: Account, proxy: Proxy, cli: Any
) -> None:
    cus, (first, second) = account.customer(
        cards=[("4242424242424242", 1, 2030), ("5555555555554444", 2, 2031)], default=0
    )
    assert cli("sync").code == 0
    proxy.reset()
    proxy.drop_next_response("POST")  # Stripe applies the change; its answer never arrives

    ran = cli("set-default", cus, second)

    assert ran.code == 0, ran.err
    posts = [r for r in proxy.requests if r.method == "POST"]
    assert len(posts) == 2  # the lost one and its retry
    keys = {r.header("Idempotency-Key") for r in posts}
    assert len(keys) == 1 and None not in keys
    assert account.default_of(cus) == second
    cards = {
        c["id"]: c["is_default"]
        for c in json.loads(cli("cards", cus, "--json").out)["payment_methods"]
    }
    assert cards == {first: False, second: True}
    entries = json.loads(cli("audit", "--json").out)["entries"]
    assert [(e["action"], e["outcome"]) for e in entries] == [("set-default", "ok")]  # once


def test_a_lost_detach_response_is_retried_and_applied_once(
    account: Account, proxy: Proxy, cli: Any
) -> None:
    cus, (first, second) = account.customer(
        cards=[("4242424242424242", 1, 2030), ("5555555555554444", 2, 2031)], default=0
    )
    assert cli("sync").code == 0
    proxy.drop_next_response("POST")

    ran = cli("detach", second, "--yes")

    assert ran.code == 0, ran.err
    assert account.owner_of(second) is None
    assert [c["id"] for c in json.loads(cli("cards", cus, "--json").out)["payment_methods"]] == [
        first
    ]

"""Faults from Stripe's side: 429 bursts, 5xx answers, and two processes on one cache."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.gateway import ratelimit
from tests.support.account import Account
from tests.support.faults import FaultyStripe, VirtualTime, faulty_stripe
from tests.support.platforms import installed_script
from tests.support.proxy import max_in_any_window

pytestmark = pytest.mark.emulator


@pytest.fixture
def faulty(account: Account, monkeypatch: pytest.MonkeyPatch) -> Iterator[FaultyStripe]:
    with faulty_stripe(account.emulator.api_base) as server:
        monkeypatch.setenv("STRIPE_API_BASE", server.url)
        yield server


def many_customers(account: Account, count: int) -> set[str]:
    return {
        account.customer(f"Customer {i}", cards=[("4242424242424242", 1 + i % 12, 2030)])[0]
        for i in range(count)
    }


def cached_ids(cli: Any) -> set[str]:
    return {c["id"] for c in json.loads(cli("customers", "--json").out)["customers"]}


def test_bursts_of_429_are_backed_off_and_the_sync_finishes_within_the_limit(
    account: Account, faulty: FaultyStripe, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On the rate limiter's own clock, made virtual: its back-offs (up to 8 s each) and its
    spacing are kept, not waited for. `slots` are the times it let each request go."""
    clock = VirtualTime()
    monkeypatch.setattr(ratelimit, "time", clock)
    slots: list[float] = []
    acquire = ratelimit.RateLimiter.acquire

    def recorded(limiter: ratelimit.RateLimiter) -> None:
        acquire(limiter)
        slots.append(clock.woke())

    monkeypatch.setattr(ratelimit.RateLimiter, "acquire", recorded)
    made = many_customers(account, 40)
    assert cli("config", "set", "rate_limit", "10").code == 0
    faulty.answer_next(429, 429, 429)  # the first requests are refused ...
    first = cli("sync", "--full")
    during_first, first_slots, started = list(faulty.seen), list(slots), clock.now
    faulty.answer_next(*[429] * 5)  # ... and a burst at the start of the next sync
    second = cli("sync", "--full")
    during_second = faulty.seen[len(during_first) :]

    assert first.code == 0 and second.code == 0, first.err + second.err
    assert cached_ids(cli) == made
    assert sum(s.status == 429 for s in faulty.seen) == 8
    assert len(slots) == len(faulty.seen)
    assert max_in_any_window(first_slots) <= 10
    assert max_in_any_window(slots[len(first_slots) :]) <= 10
    # Each 429 held every later request back by at least 0.375 s (0.5 s less the jitter).
    requests = len(during_second)
    assert clock.now - started >= (requests - 1) * 1.1 / 10 + 5 * 0.375 - 1e-9


def test_a_5xx_is_retried_a_bounded_number_of_times_then_one_sentence(
    account: Account, faulty: FaultyStripe, cli: Any
) -> None:
    cus, (first, second) = account.customer(
        cards=[("4242424242424242", 1, 2030), ("5555555555554444", 2, 2031)], default=0
    )
    assert cli("sync").code == 0
    faulty.seen.clear()
    faulty.answer_next(*[500] * 20)

    ran = cli("set-default", cus, second)

    assert ran.code == 4 and "server error (500)" in ran.err and ran.err.count("\n") == 1
    assert len(faulty.seen) == 3  # one try and two retries
    cards = {
        c["id"]: c["is_default"]
        for c in json.loads(cli("cards", cus, "--json").out)["payment_methods"]
    }
    assert cards == {first: True, second: False}
    assert account.default_of(cus) == first


def test_a_passing_5xx_is_retried_with_the_same_idempotency_key(
    account: Account, faulty: FaultyStripe, cli: Any
) -> None:
    cus, (_, second) = account.customer(
        cards=[("4242424242424242", 1, 2030), ("5555555555554444", 2, 2031)], default=0
    )
    assert cli("sync").code == 0
    faulty.seen.clear()
    faulty.answer_next(503, method="POST")

    ran = cli("set-default", cus, second)

    assert ran.code == 0, ran.err
    posts = [s for s in faulty.seen if s.method == "POST"]
    assert [p.status for p in posts] == [503, 200]
    assert posts[0].idempotency_key and posts[0].idempotency_key == posts[1].idempotency_key
    assert account.default_of(cus) == second


@pytest.mark.sqlite_only
def test_two_processes_syncing_one_cache_both_finish(account: Account, home: Path) -> None:
    made = many_customers(account, 60)
    exe = installed_script("billing-admin")
    env = {**os.environ}
    procs = [
        subprocess.Popen(
            [str(exe), "sync", "--full"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(2)
    ]
    results = [p.communicate(timeout=120) for p in procs]

    for proc, (out, err) in zip(procs, results, strict=True):
        assert proc.returncode == 0, err
        assert "locked" not in err.lower() and out.startswith("full sync: 60 customers")
    cache = home / "profiles" / "default" / "cache.sqlite3"
    with sqlite3.connect(cache) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        ids = {row[0] for row in db.execute("SELECT stripe_id FROM customer WHERE NOT deleted")}
        assert db.execute("SELECT count(*) FROM card WHERE is_active").fetchone() == (60,)
    db.close()
    assert ids == made

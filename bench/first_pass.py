"""`make bench`, useful in seconds on a new account (issue 15, section 1): when does a full sync
on an empty cache hold every customer with their default card, and after how many requests?

`FirstPassWatch` follows the first full sync of `bench/run.py` through its progress: when the
first pass is written, whole, it notes the time since the sync started and the
requests the proxy and the gateway saw, and checks the cache against what the naive script
pulled (every customer, each with its default card). `model` puts the figures on the live
account's scale: 100,000 customers at the live rate limit.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

from app.cache import queries
from app.gateway import Gateway
from app.sync.engine import SyncProgress
from tests.support.proxy import Proxy

#: The live account of the model, and Stripe's live rate limit as the app spends it.
MODEL_CUSTOMERS = 100_000
LIVE_RATE = 80.0
#: Seconds between two requests at that limit, as `app/gateway/ratelimit.py` spaces them
#: (10% margin).
SPACING = 1.10 / LIVE_RATE


class FirstPassWatch:
    """The moment a full sync's first pass ends: seconds, requests, and whether the cache
    then held every customer with their default card."""

    def __init__(self, proxy: Proxy, gateway: Gateway, pulled: dict[str, dict[str, Any]]) -> None:
        self.proxy, self.gateway, self.pulled = proxy, gateway, pulled
        self.started = 0.0
        self.sent_before = 0
        self.figures: dict[str, Any] = {}

    def progress(self) -> SyncProgress:
        """The progress to give the sync; call just before it starts."""
        self.started, self.sent_before = time.monotonic(), self.gateway.requests_sent
        return SyncProgress(on_written=self._on_written)

    def _on_written(self, whole: bool) -> None:
        if whole and not self.figures:  # the first pass is written, whole
            seconds = time.monotonic() - self.started
            self.figures = {
                "seconds": seconds,
                "proxy_requests": self.proxy.count,
                "gateway_requests": self.gateway.requests_sent - self.sent_before,
                "customers_with_default_card": _whole(self.pulled),
            }


def _whole(pulled: dict[str, dict[str, Any]]) -> bool:
    """Every customer the naive script pulled is cached, each with its default card (the card
    row behind the label, marked default)."""
    rows = {r.id: r for r in queries.customer_rows(queries.customers_query())}
    if rows.keys() != pulled.keys():
        return False
    return all(
        rows[cus].default_payment_method == data["default"]
        and bool(rows[cus].default_card_label) == (data["default"] in data["cards"])
        for cus, data in pulled.items()
    )


def model(net: dict[str, Any], first: dict[str, Any]) -> dict[str, Any]:
    """The first pass and the whole full sync for MODEL_CUSTOMERS at LIVE_RATE, with the
    account's proportions (subscriptions and invoices per customer) and the time each listed
    page took here. A list's pages follow one another, so the first pass costs its pages times
    the slower of their round trip and the rate limit's spacing (`SPACING`); then the card
    lists and the billing history's pages share the rate limit, the history's round trips
    hidden beside the card lists as long as they take less time than those."""
    n = MODEL_CUSTOMERS
    page_s = first["seconds"] / max(first["proxy_requests"], 1)
    per_page = max(page_s, SPACING)
    pages = math.ceil(n / 100) + 1  # and the server time
    history = sum(
        math.ceil(n * net[kind] / net["customers"] / 100) for kind in ("subscriptions", "invoices")
    )
    first_s = pages * per_page
    rest = n + 1 + history  # the card lists, one probe, the history's pages
    whole_s = first_s + max(rest * SPACING, history * (per_page + SPACING))
    return {
        "customers": n,
        "rate_limit": LIVE_RATE,
        "page_seconds": page_s,
        "first_pass_requests": pages,
        "first_pass_seconds": first_s,
        "whole_requests": pages + rest,
        "whole_seconds": whole_s,
        "rate_floor_seconds": (pages + rest) / LIVE_RATE,
    }


def first_pass_checks(net: dict[str, Any], add: Callable[[str, str, str, str, bool], None]) -> None:
    first = net.get("first_pass")
    if not first:
        return
    n = net["customers"]
    bound = math.ceil(n / 100) + 2
    for label in ("proxy", "gateway"):
        key = f"{label}_requests"
        add(
            "6",
            f"every customer and their default card cached, requests, N={n} ({label})",
            str(first[key]) + ("" if first["customers_with_default_card"] else " (incomplete)"),
            f"<= {bound}",
            first[key] <= bound and first["customers_with_default_card"],
        )
    whole = net["app_full"]["seconds"]
    add(
        "6",
        f"every customer and their default card cached, from the sync's start (N={n})",
        f"{first['seconds']:.2f} s (whole sync {whole:.1f} s)",
        "< 2 s",
        first["seconds"] < 2 and first["customers_with_default_card"],
    )
    m = first["model"]
    add(
        "6",
        f"model, N={m['customers']:,} at {m['rate_limit']:g} requests/s (live), "
        f"{m['page_seconds'] * 1000:.0f} ms a listed page: first pass vs whole sync",
        f"{m['first_pass_requests']:,} requests, {m['first_pass_seconds'] / 60:.1f} min vs "
        f"{m['whole_requests']:,} requests, {m['whole_seconds'] / 60:.1f} min "
        f"(floor {m['rate_floor_seconds'] / 60:.1f} min)",
        "(printed)",
        True,
    )

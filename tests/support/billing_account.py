"""Billing on the emulator for tests: plans, subscriptions, paying an invoice; and the
example objects Stripe publishes for the current API (`stripe_shapes.json`)."""

from __future__ import annotations

import copy
import json
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from tests.support.account import Account

GOOD = "4242424242424242"
#: localstripe attaches this card and declines every charge on it.
DECLINED = "4000000000000341"


@cache
def _shapes() -> dict[str, Any]:
    path = Path(__file__).with_name("stripe_shapes.json")
    return json.loads(path.read_text(encoding="utf-8"))["resources"]  # type: ignore[no-any-return]


def shape(name: str, **changes: Any) -> dict[str, Any]:
    """A copy of Stripe's example `name` object, with top-level `changes`."""
    obj = copy.deepcopy(_shapes()[name])
    obj.update(changes)
    return obj  # type: ignore[no-any-return]


def this_month() -> tuple[int, int]:
    today = date.today()
    return today.month, today.year


def plan(
    account: Account,
    amount: int = 4900,
    currency: str = "eur",
    nickname: str = "Pro",
    interval: str = "month",
) -> str:
    created = account.client.v1.plans.create(
        params={
            "amount": amount,
            "currency": currency,
            "interval": interval,
            "nickname": nickname,
            "product": {"name": f"{nickname} product"},
        }
    )
    return str(created.id)


def subscribe(account: Account, customer: str, plan_id: str) -> str:
    created = account.client.v1.subscriptions.create(
        params={"customer": customer, "items": [{"plan": plan_id}]}
    )
    return str(created.id)


def pay(account: Account, invoice: str) -> None:
    account.client.v1.invoices.pay(invoice)

"""Applying events: the emulator emits no payment_method.* events, so these tests feed
Stripe-shaped event payloads (the shape of Stripe's API reference) to the code that applies
events, while the cards themselves live on the emulator, which the applier re-reads."""

from __future__ import annotations

import random
from typing import Any

import pytest

from app.cache import queries
from app.context import Context
from app.gateway.convert import event_from
from app.sync.engine import SyncProgress
from tests.support.account import Account

pytestmark = pytest.mark.emulator

CREATED = 1_786_000_000


def pm_event(
    kind: str, pm: str, customer: str | None, *, previous: str | None = None, at: int = CREATED
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "object": {
            "id": pm,
            "object": "payment_method",
            "billing_details": {
                "address": {"city": None, "country": None},
                "email": None,
                "name": None,
            },
            "card": {
                "brand": "visa",
                "country": "US",
                "exp_month": 8,
                "exp_year": 2031,
                "funding": "credit",
                "last4": "4242",
            },
            "created": at,
            "customer": customer,
            "livemode": False,
            "metadata": {},
            "type": "card",
        }
    }
    if previous:
        data["previous_attributes"] = {"customer": previous}
    return {
        "id": f"evt_{random.randrange(16**12):012x}",
        "object": "event",
        "api_version": "2024-06-20",
        "created": at,
        "data": data,
        "livemode": False,
        "pending_webhooks": 0,
        "request": {"id": None, "idempotency_key": None},
        "type": kind,
    }


def customer_event(
    kind: str, customer: str, name: str, default: str | None, at: int = CREATED
) -> dict[str, Any]:
    return {
        "id": f"evt_{random.randrange(16**12):012x}",
        "object": "event",
        "created": at,
        "type": kind,
        "data": {
            "object": {
                "id": customer,
                "object": "customer",
                "name": name,
                "email": "ada@example.com",
                "invoice_settings": {"default_payment_method": default},
                "default_source": None,
                "created": CREATED - 100,
            }
        },
    }


def apply(ctx: Context, *payloads: dict[str, Any]) -> set[str]:
    return ctx.sync_engine().apply_events([event_from(p) for p in payloads], SyncProgress())


def active_ids(customer: str) -> set[str]:
    return {c.id for c in queries.cards_of(customer)}


def test_attached_event_brings_the_new_card_in_and_is_idempotent(
    account: Account, ctx: Any
) -> None:
    cus, (old,) = account.customer(cards=[("4242424242424242", 1, 2030)])
    ctx.sync_engine().run(full=True)
    new = account.add_card(cus, "5555555555554444", 5, 2032)
    event = pm_event("payment_method.attached", new, cus)

    assert apply(ctx, event) == {cus}
    assert active_ids(cus) == {old, new}
    apply(ctx, event)  # delivered twice: same result
    assert active_ids(cus) == {old, new}
    assert queries.customer_rows(queries.customers_query())[0].card_count == 2


def test_detached_event_names_the_customer_it_left(account: Account, ctx: Any) -> None:
    cus, (keep, drop) = account.customer(
        cards=[("4242424242424242", 1, 2030), ("5555555555554444", 2, 2031)], default=1
    )
    ctx.sync_engine().run(full=True)
    account.client.v1.payment_methods.detach(drop)

    apply(ctx, pm_event("payment_method.detached", drop, None, previous=cus))

    assert active_ids(cus) == {keep}
    row = queries.customer_rows(queries.customers_query())[0]
    assert row.default_card_label == ""  # the detached default is no longer shown


def test_detached_event_without_previous_attributes_finds_the_customer_in_the_cache(
    account: Account, ctx: Any
) -> None:
    cus, (keep, drop) = account.customer(
        cards=[("4242424242424242", 1, 2030), ("5555555555554444", 2, 2031)]
    )
    ctx.sync_engine().run(full=True)
    account.client.v1.payment_methods.detach(drop)

    apply(ctx, pm_event("payment_method.detached", drop, None))

    assert active_ids(cus) == {keep}


def test_updated_and_automatically_updated_events_refresh_the_customer_once(
    account: Account, ctx: Any
) -> None:
    cus, (a, b) = account.customer(
        cards=[("4242424242424242", 1, 2030), ("5555555555554444", 2, 2031)]
    )
    account.customer("Other")  # untouched: must not be re-fetched
    ctx.sync_engine().run(full=True)

    engine = ctx.sync_engine()
    sent_before = engine.gateway.requests_sent
    refreshed = engine.apply_events(
        [
            event_from(pm_event("payment_method.updated", a, cus)),
            event_from(pm_event("payment_method.automatically_updated", b, cus)),
            event_from(pm_event("payment_method.updated", b, cus)),
        ],
        SyncProgress(),
    )

    assert refreshed == {cus}  # three events, one customer, one card list
    assert engine.gateway.requests_sent - sent_before == 1
    assert active_ids(cus) == {a, b}


def test_events_in_any_order_give_the_same_cache(account: Account, ctx: Any) -> None:
    cus, (first,) = account.customer(cards=[("4242424242424242", 1, 2030)])
    ctx.sync_engine().run(full=True)
    second = account.add_card(cus, "5555555555554444", 3, 2031)
    account.client.v1.payment_methods.detach(first)
    events = [
        pm_event("payment_method.attached", second, cus, at=CREATED + 1),
        pm_event("payment_method.detached", first, None, previous=cus, at=CREATED + 2),
    ]

    apply(ctx, *reversed(events))
    assert active_ids(cus) == {second}
    apply(ctx, *events)
    assert active_ids(cus) == {second}


def test_the_newest_customer_snapshot_wins_whatever_the_order(account: Account, ctx: Any) -> None:
    cus, (card,) = account.customer("Ada", cards=[("4242424242424242", 1, 2030)])
    ctx.sync_engine().run(full=True)
    newer = customer_event("customer.updated", cus, "Ada King", card, at=CREATED + 10)
    older = customer_event("customer.updated", cus, "Ada Byron", None, at=CREATED + 5)

    apply(ctx, newer, older)

    row = queries.customer_rows(queries.customers_query())[0]
    assert (row.name, row.default_payment_method) == ("Ada King", card)
    assert queries.cards_of(cus)[0].is_default


def test_customer_deleted_event_marks_the_customer_and_its_cards(
    account: Account, ctx: Any
) -> None:
    cus, (card,) = account.customer("Leaving", cards=[("4242424242424242", 1, 2030)])
    ctx.sync_engine().run(full=True)

    apply(
        ctx,
        customer_event("customer.deleted", cus, "Leaving", None),
        pm_event("payment_method.updated", card, cus),
    )

    assert queries.customer_rows(queries.customers_query()) == []
    assert [c.is_active for c in queries.cards_of(cus, include_inactive=True)] == [False]

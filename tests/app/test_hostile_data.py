"""Data from Stripe never stops a sync (issue 23, section 2).

Objects that are not in Stripe's shape (a name that is a number, `exp_month: "abc"`, amounts
past 2**63 or with decimals, an event without `data` or with `created: "soon"`, a NUL in a
name, a currency of ten letters, an id of 300 characters, an event from the far future) are
skipped with their id and the reason, counted, listed by `doctor` and read again at the next
full sync; the rest goes on and nothing cached is lost. The emulator cannot make most of them,
so a small local HTTP server (pytest-httpserver) stands in for Stripe, in Stripe's published
shapes (tests/support/stripe_shapes.json); its Date header is its own clock.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from app.cache import attention_queries, billing_queries, queries, search_pages, store
from app.context import Context
from app.doctor import Status, local
from app.gateway.convert import (
    Unconvertible,
    card_from,
    customer_from,
    event_from,
    invoice_from,
    subscription_from,
)
from app.settings import Profile
from tests.support.billing_account import shape

LONG_ID = "cus_" + "x" * 296


def customer(cid: str, name: Any, email: str = "", default: str | None = None) -> dict[str, Any]:
    settings = {**shape("customer")["invoice_settings"], "default_payment_method": default}
    fields = {"id": cid, "name": name, "email": email, "invoice_settings": settings}
    return {**shape("customer"), **fields}


def card(pm: str, cid: str, **card_fields: Any) -> dict[str, Any]:
    base = shape("payment_method")
    return {**base, "id": pm, "customer": cid, "card": {**base["card"], **card_fields}}


def invoice(iid: str, cid: str, **changes: Any) -> dict[str, Any]:
    fields = {"status": "open", "attempt_count": 1, "created": int(time.time()) - 60}
    return shape("invoice", id=iid, customer=cid, **{**fields, **changes})


def event(eid: str, kind: str, obj: Any, created: Any = None, **changes: Any) -> dict[str, Any]:
    when = int(time.time()) if created is None else created
    return shape("event", id=eid, type=kind, created=when, data={"object": obj}, **changes)


# -- conversion: each hostile object is refused with its id and the reason -------------------

REFUSED: list[tuple[Callable[[Any], Any], dict[str, Any], str]] = [
    (customer_from, customer("cus_num", 123), "name is a int, not text"),
    (card_from, card("pm_abc", "cus_1", exp_month="abc"), "exp_month is 'abc'"),
    (card_from, card("pm_13", "cus_1", exp_month=13), "exp_month 13 is out of range"),
    (invoice_from, invoice("in_big", "cus_1", amount_due=2**63), "amount_due 9223372036854775808"),
    (invoice_from, invoice("in_float", "cus_1", amount_remaining=4999.99), "4999.99, not a whole"),
    (invoice_from, invoice("in_cur", "cus_1", currency="abcdefghij"), "is not a three-letter"),
    (customer_from, customer(LONG_ID, "Long"), "an id of 300 characters"),
    (invoice_from, invoice("in_late", "cus_1", created=2**62), "created 4611686018427387904"),
    (event_from, {**shape("event"), "data": None}, "no data object"),
    (event_from, shape("event", created="soon"), "created is 'soon'"),
    (
        subscription_from,
        {
            **shape("subscription"),
            "items": {
                "data": [{**shape("subscription")["items"]["data"][0], "quantity": 2**62}] * 2
            },
        },
        "past what the cache stores",
    ),
    (
        event_from,
        event("evt_inv", "invoice.updated", {"id": "in_1", "object": "invoice", "status": "paid"}),
        "carries only id, object, status",
    ),
]


@pytest.mark.parametrize(("convert", "obj", "reason"), REFUSED)
def test_an_object_not_in_stripe_s_shape_is_refused_with_its_id_and_why(
    convert: Callable[[Any], Any], obj: dict[str, Any], reason: str
) -> None:
    with pytest.raises(Unconvertible) as refused:
        convert(obj)
    assert reason in refused.value.reason
    assert refused.value.object_id == (obj["id"] if len(obj["id"]) < 255 else LONG_ID[:40] + "…")


def test_text_is_normalised_the_same_for_both_caches() -> None:
    read = customer_from(customer("cus_nul", "Ac\x00me " + "y" * 400, email="a\x00@b.example"))
    assert read.name == ("Acme " + "y" * 400)[:256] and read.email == "a@b.example"
    paid = invoice_from(invoice("in_1", "cus_1", currency="EUR", amount_due=2**62))
    assert (paid.currency, paid.amount_due) == ("eur", 2**62)


def test_an_update_carrying_only_some_fields_is_read_again_not_written() -> None:
    partial = event_from(event("evt_p", "customer.updated", {"id": "cus_1", "name": "New"}))
    assert partial.partial and partial.customer == "cus_1" and partial.customer_data is None
    whole = event_from(event("evt_w", "customer.updated", customer("cus_1", "New")))
    assert not whole.partial and whole.customer_data is not None


# -- a sync over an account seeded with each hostile object ---------------------------------


class StandIn:
    """Stripe's list and read routes over objects the test changes between syncs."""

    def __init__(self, httpserver: HTTPServer) -> None:
        self.customers: dict[str, dict[str, Any]] = {}
        self.cards: dict[str, list[dict[str, Any]]] = {}
        self.invoices: list[dict[str, Any]] = []
        self.events: list[dict[str, Any]] = []
        httpserver.expect_request(re.compile("/v1/.*"), method="GET").respond_with_handler(
            self.answer
        )

    def answer(self, request: Request) -> Response:
        path = request.path
        found: Any
        if path == "/v1/customers":
            found = self.listed(list(self.customers.values()))
        elif path.endswith("/payment_methods"):
            found = self.listed(self.cards.get(path.split("/")[3], []))
        elif path.startswith("/v1/customers/"):
            found = self.customers[path.split("/")[3]]
        elif path == "/v1/invoices":
            found = self.listed(self.invoices)
        elif path == "/v1/events":
            found = self.listed(self.events)
        elif path == "/v1/subscriptions":
            found = self.listed([])
        else:
            return Response("{}", status=404, content_type="application/json")
        return Response(json.dumps(found), content_type="application/json")

    @staticmethod
    def listed(data: list[dict[str, Any]]) -> dict[str, Any]:
        return {"object": "list", "url": "/v1/x", "has_more": False, "data": data}


@pytest.fixture
def stand_in(home: Any, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> StandIn:
    monkeypatch.setenv("STRIPE_API_BASE", httpserver.url_for("").rstrip("/"))
    monkeypatch.setenv("STRIPE_API_KEY", "sk_test_" + "0" * 24)
    return StandIn(httpserver)


def test_a_sync_over_hostile_objects_finishes_reports_them_and_applies_a_later_clean_one(
    stand_in: StandIn, caplog: pytest.LogCaptureFixture
) -> None:
    stripe = stand_in
    stripe.customers = {
        "cus_good": customer("cus_good", "Good Co", "pay@good.example", default="pm_good"),
        "cus_num": customer("cus_num", "Numbers Ltd", "n@numbers.example"),
    }
    stripe.cards = {
        "cus_good": [card("pm_good", "cus_good")],
        "cus_num": [card("pm_num", "cus_num")],
    }
    stripe.invoices = [invoice("in_num", "cus_num", amount_due=700, amount_remaining=700)]
    ctx = Context(Profile())
    ctx.cache()
    engine = ctx.sync_engine()
    try:
        assert engine.run(full=True).skipped == 0  # everything cached, clean

        # Now each hostile object, beside what was cached.
        stripe.customers["cus_num"] = customer("cus_num", 123)
        stripe.customers["cus_nul"] = customer("cus_nul", "Ac\x00me Widgets")
        stripe.customers[LONG_ID] = customer(LONG_ID, "Long")
        stripe.cards["cus_good"].append(card("pm_abc", "cus_good", exp_month="abc"))
        stripe.invoices = [
            invoice("in_big", "cus_good", amount_due=2**63),
            invoice("in_float", "cus_good", amount_remaining=4999.99),
            invoice("in_cur", "cus_good", currency="abcdefghij"),
            invoice("in_huge_1", "cus_good", amount_due=2**62, amount_remaining=2**62),
            invoice("in_huge_2", "cus_good", amount_due=2**62, amount_remaining=2**62),
            stripe.invoices[0],
        ]
        full = engine.run(full=True)

        assert full.kind == "full" and not full.cancelled
        assert full.skipped == 6
        assert "6 objects skipped: see the log" in full.summary()
        for skipped_id in ("cus_num", "pm_abc", "in_big", "in_float", "in_cur", LONG_ID[:40]):
            assert any(skipped_id in r.getMessage() for r in caplog.records), skipped_id
        # Nothing cached is lost: the customer that no longer converts keeps its name,
        # its card and its invoice; the rest of the sync went on.
        kept = queries.customer("cus_num")
        assert kept is not None and kept.name == "Numbers Ltd" and not kept.deleted
        assert [c.id for c in queries.cards_of("cus_num")] == ["pm_num"]
        assert billing_queries.invoice_states(["in_num"]) == {"in_num": ("open", 1)}
        assert [c.id for c in queries.cards_of("cus_good")] == ["pm_good"]
        # A NUL in a name: stored without it, on both caches, and found by search.
        assert [r.id for r in search_pages.customers_in_pages("acme")] == ["cus_nul"]
        # Two open invoices of 2**62: "Needs attention" adds them up without overflowing.
        assert "cus_good" in [e.id for e in billing_queries.needs_attention()]
        assert attention_queries._amounts_due({"cus_good"}, None)["cus_good"]["usd"] == 2**63
        # `doctor` lists them.
        check = local.skipped_check(ctx, ctx.settings)
        assert check.status is Status.WARNING and check.detail.startswith("6 objects")
        assert "customer cus_num: name is a int, not text" in check.detail

        # An incremental sync over hostile events, then a clean one.
        now = int(time.time())
        stripe.customers["cus_good"] = customer("cus_good", "Good Company", "pay@good.example")
        stripe.customers["cus_later"] = customer("cus_later", "Later Ltd")
        stripe.cards["cus_later"] = []
        stripe.events = [
            {**event("evt_no_data", "customer.updated", {}), "data": None},
            event("evt_soon", "customer.updated", customer("cus_good", "Soon"), created="soon"),
            event("evt_future", "customer.updated", customer("cus_good", "Future"), 2**62),
            event("evt_tomorrow", "customer.updated", customer("cus_good", "Later"), now + 86400),
            event("evt_partial", "customer.updated", {"id": "cus_good", "name": "Good Company"}),
            event("evt_clean", "customer.created", stripe.customers["cus_later"], now + 1),
        ]
        incremental = engine.run()

        # Four events, and the card pm_abc again (cus_good's cards were read again).
        assert incremental.kind == "incremental" and incremental.skipped == 5
        assert "5 objects skipped: see the log" in incremental.summary()
        assert any(
            "evt_tomorrow" in r.getMessage() and "server's clock" in r.getMessage()
            for r in caplog.records
        )
        later = queries.customer("cus_later")
        assert later is not None and later.name == "Later Ltd"  # the clean event applied
        good = queries.customer("cus_good")
        # The partial update blanked nothing: the customer was read again.
        assert good is not None and (good.name, good.email) == ("Good Company", "pay@good.example")
        state = store.ensure_sync_state()
        assert state.event_cursor_created is not None
        assert state.event_cursor_created <= time.time() + 300  # never the far-future event

        # Corrected on Stripe, the next full sync reads them again and `doctor` is clear.
        stripe.events = []
        stripe.customers["cus_num"] = customer("cus_num", "Numbers Ltd")
        stripe.customers.pop(LONG_ID)
        stripe.cards["cus_good"].pop()
        stripe.invoices = [i for i in stripe.invoices if i["id"] not in ("in_big", "in_float")]
        stripe.invoices = [i for i in stripe.invoices if i["id"] != "in_cur"]
        assert engine.run(full=True).skipped == 0
        assert local.skipped_check(ctx, ctx.settings).status is Status.OK
    finally:
        ctx.close()


def test_a_cursor_from_the_far_future_makes_the_next_sync_a_full_one(stand_in: StandIn) -> None:
    """A cache whose cursor a far-future event became (`created: 2**62` on SQLite, before
    such events were skipped) read nothing for ever: the next sync starts afresh."""
    stand_in.customers = {"cus_good": customer("cus_good", "Good Co")}
    ctx = Context(Profile())
    ctx.cache()
    engine = ctx.sync_engine()
    try:
        engine.run(full=True)
        with ctx.cache().db.atomic():
            store.events_applied("evt_future", 2**31 - 1, {"evt_future"})  # year 2038
        again = engine.run()
        assert (again.kind, again.reason) == ("full", "the events cursor was in the future")
        assert (store.ensure_sync_state().event_cursor_created or 0) <= time.time() + 300
    finally:
        ctx.close()


# -- section 3: figures the program formatted are not card numbers; `--csv ''` ---------------


def test_an_amount_of_13_digits_is_shown_and_a_card_number_in_a_name_is_not(
    stand_in: StandIn, cli: Any
) -> None:
    stand_in.customers = {"cus_vnd": customer("cus_vnd", "Paid 4242 4242 4242 4242 Ltd")}
    stand_in.invoices = [
        invoice(
            "in_vnd",
            "cus_vnd",
            currency="vnd",
            amount_due=25 * 10**11,
            amount_remaining=25 * 10**11,
        ),
    ]
    assert cli("sync").code == 0

    shown = cli("attention")

    # The DUE column (the reason's detail, a sentence that names Stripe's invoice number,
    # is still redacted as free text).
    assert shown.code == 0 and shown.out.splitlines()[1].endswith("  2500000000000 VND")
    assert "4242 4242" not in shown.out and "[redacted]" in shown.out


def test_attention_csv_without_a_file_name_is_refused_like_the_others(
    stand_in: StandIn, cli: Any
) -> None:
    ran = cli("attention", "--csv", "")
    assert ran.code == 2 and "--csv needs a file name" in ran.err and ran.out == ""

"""A hostile or broken network between the app and Stripe: a captive portal's page where
Stripe's answer should be, a server that answers a byte at a time, list pages that never
advance. Each ends in one sentence and exit 4 (Stripe unreachable), in bounded time, with
nothing changed. The answers are served by a local HTTP server (pytest-httpserver) or a raw
loopback server that trickles bytes (tests/support/faults.py)."""

from __future__ import annotations

import functools
import json
import re
import time
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from app import gateway
from app.gateway import Gateway
from tests.support.account import Account
from tests.support.faults import Trickle

KEY = "sk_test_51HostileNetwork0000"
CUSTOMER = "cus_Someone1"
#: What a hotel's or a train's network answers until one signs in: ~5 KB of HTML.
PORTAL_PAGE = (
    "<!DOCTYPE html><html><head><title>Welcome to Hotel Wi-Fi</title></head><body>"
    + "<p>Please accept the terms of use to continue.</p>" * 100
    + "</body></html>"
).encode()
#: (name, status, body, content type, extra headers): answers no Stripe API ever gives.
NOT_STRIPES = [
    ("captive portal page", 200, PORTAL_PAGE, "text/html; charset=utf-8", {}),
    ("plain text", 200, b"OK", "text/plain", {}),
    ("not UTF-8", 200, "<html>Réseau</html>".encode("utf-16"), "text/html", {}),
    ("JSON that is not an object", 200, b"[]", "application/json", {}),
    ("network sign-in required (511)", 511, PORTAL_PAGE, "text/html", {}),
    ("redirect to a sign-in page", 302, PORTAL_PAGE, "text/html", {"Location": "/login"}),
]


@pytest.fixture
def stranger(home: Any, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> HTTPServer:
    """A test key, and the API base pointed at a local HTTP server."""
    monkeypatch.setenv("STRIPE_API_BASE", httpserver.url_for("").rstrip("/"))
    monkeypatch.setenv("STRIPE_API_KEY", KEY)
    return httpserver


def one_error_line(err: str) -> str:
    """The one error line of stderr (where `sync` also reports its progress)."""
    assert "Traceback" not in err
    (line,) = [line for line in err.splitlines() if line.startswith("error")]
    assert line.startswith("error: ")
    return line


@pytest.mark.parametrize("command", [("portal", CUSTOMER), ("sync", "--full")], ids=" ".join)
@pytest.mark.parametrize(
    ("status", "body", "content_type", "headers"),
    [case[1:] for case in NOT_STRIPES],
    ids=[case[0] for case in NOT_STRIPES],
)
def test_an_answer_that_is_not_stripes_is_one_line_and_exit_4(
    command: tuple[str, ...],
    status: int,
    body: bytes,
    content_type: str,
    headers: dict[str, str],
    stranger: HTTPServer,
    cli: Any,
) -> None:
    stranger.expect_request(re.compile(r"/v1/.*")).respond_with_response(
        Response(body, status=status, content_type=content_type, headers=headers)
    )

    ran = cli(*command)

    assert ran.code == 4, ran.err
    line = one_error_line(ran.err)
    assert "was not Stripe's (a captive portal or a proxy?)" in line
    assert not any(word in line for word in ("<", "Hotel", "terms", "Réseau")), line
    assert [r.path for r, _ in stranger.log if not r.path.startswith("/v1/")] == []  # no redirect
    assert len(stranger.log) == 1  # no retry either: it would get the same page
    entries = json.loads(cli("audit", "--json").out)["entries"]
    assert not any("Hotel" in json.dumps(entry) for entry in entries)


TRICKLED_BODY = json.dumps(
    {"id": "bps_1", "object": "billing_portal.session", "url": "https://billing.stripe.com/p/x"}
).encode()
TRICKLED = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
    + f"Content-Length: {len(TRICKLED_BODY)}\r\n\r\n".encode()
    + TRICKLED_BODY
)


@pytest.mark.parametrize("head_at_once", [False, True], ids=["headers trickle", "body trickles"])
def test_a_server_answering_a_byte_at_a_time_is_cut_off_at_the_deadline(
    head_at_once: bool, home: Any, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each byte comes well within the read timeout (30 s), so only an overall deadline
    (here 2 s, given to the Gateway's constructor) ends the request."""
    # The context imports the gateway when it first makes one: the name to replace is there.
    monkeypatch.setattr(gateway, "Gateway", functools.partial(Gateway, deadline=2.0))
    monkeypatch.setenv("STRIPE_API_KEY", KEY)
    with Trickle(TRICKLED, head_at_once=head_at_once, interval=0.3) as server:
        monkeypatch.setenv("STRIPE_API_BASE", server.url)
        started = time.monotonic()
        ran = cli("portal", CUSTOMER)
        took = time.monotonic() - started

    assert ran.code == 4, ran.err
    assert "did not answer within 2 s" in one_error_line(ran.err)
    assert 1.9 <= took < 5, took
    assert server.connections == 1  # the deadline covers stripe-python's retries too


# -- list pages that never advance ------------------------------------------------------------

STUCK_CUSTOMER = {
    "id": "cus_Stuck1",
    "object": "customer",
    "name": "Stuck",
    "email": None,
    "created": 1700000000,
    "invoice_settings": {"default_payment_method": None},
    "default_source": None,
}
STUCK_CARD = {
    "id": "pm_Stuck1",
    "object": "payment_method",
    "type": "card",
    "customer": "cus_Stuck1",
    "created": 1700000000,
    "card": {"brand": "visa", "last4": "4242", "exp_month": 1, "exp_year": 2030},
}
STUCK_EVENT = {
    "id": "evt_Stuck1",
    "object": "event",
    "type": "customer.updated",
    "created": 1700000000,
    "data": {"object": STUCK_CUSTOMER},
}
#: The lists that `sync` follows: which request lists them, and one item of each.
LISTS: dict[str, tuple[re.Pattern[str], dict[str, Any]]] = {
    "customers": (re.compile(r"^/v1/customers$"), STUCK_CUSTOMER),
    "cards": (re.compile(r"^/v1/(customers/cus_Stuck1/)?payment_methods$"), STUCK_CARD),
    "events": (re.compile(r"^/v1/events$"), STUCK_EVENT),
}
#: A server that loops gives up after this many requests (with a 400), so that a test of
#: code without the guard fails instead of hanging.
PATIENCE = 50


def stuck(stuck_list: str, how: str) -> Any:
    """A handler answering the list `stuck_list` with pages that never advance (`how`), the
    others with one page holding one item."""
    count = 0

    def handle(request: Request) -> Response:
        nonlocal count
        count += 1
        if count > PATIENCE:
            body: dict[str, Any] = {"error": {"type": "invalid_request_error", "message": "enough"}}
            return Response(json.dumps(body), status=400, content_type="application/json")
        name, item = next((n, i) for n, (path, i) in LISTS.items() if path.match(request.path))
        page = {"object": "list", "url": request.path, "has_more": False, "data": [item]}
        if name == stuck_list and not (name == "events" and request.args.get("limit") == "1"):
            after = request.args.get("starting_after")
            if how == "same page again":
                page["has_more"] = True
            elif how == "empty page with more to come":
                page.update(has_more=True, data=[] if after else [item])
            elif how == "two pages in a circle":
                other = {**item, "id": item["id"] + "b"}
                page.update(has_more=True, data=[other if after == item["id"] else item])
            elif how == "no list in the page":
                del page["data"]
        return Response(json.dumps(page), content_type="application/json")

    return handle


HOW = ["same page again", "empty page with more to come", "two pages in a circle"]


@pytest.mark.emulator
@pytest.mark.parametrize("how", [*HOW, "no list in the page"])
@pytest.mark.parametrize("stuck_list", list(LISTS))
def test_list_pages_that_never_advance_stop_the_sync_with_nothing_marked_deleted(
    stuck_list: str,
    how: str,
    account: Account,
    httpserver: HTTPServer,
    cli: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cus, (card,) = account.customer("Ada", cards=[("4242424242424242", 1, 2030)])
    assert cli("sync").code == 0  # from the emulator: the cache holds Ada, and a cursor
    monkeypatch.setenv("STRIPE_API_BASE", httpserver.url_for("").rstrip("/"))
    httpserver.expect_request(re.compile(r"/v1/.*")).respond_with_handler(stuck(stuck_list, how))

    # Events are read by an incremental sync; customers and cards by a full one.
    ran = cli("sync") if stuck_list == "events" else cli("sync", "--full")

    assert ran.code == 4, ran.err
    line = one_error_line(ran.err)
    assert "was not Stripe's" in line and "the listing stopped" in line, line
    assert len(httpserver.log) < 10
    customers = json.loads(cli("customers", "--json").out)["customers"]
    assert cus in {c["id"] for c in customers}  # nothing marked deleted
    cards = json.loads(cli("cards", cus, "--json").out)["payment_methods"]
    assert [(c["id"], c["is_active"]) for c in cards] == [(card, True)]

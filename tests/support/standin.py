"""A stand-in for Stripe's API in today's shapes, over HTTP or HTTPS, and a CONNECT proxy.

The emulator (localstripe) speaks plain http and answers in older shapes; the desktop bundle
must be proven over TLS, through a company proxy, against the objects Stripe publishes
(`stripe_shapes.json`, from Stripe's openapi fixtures). This stand-in serves a small account
made from those shapes: customers with a default card expanded, each customer's cards, and
empty event, invoice and subscription lists; with `billing`, a failed and a paid invoice,
their InvoicePayments and PaymentIntents (`add_billing`). Every answer carries `Request-Id`
and `Date`. Routes it lacks answer 404, and expansions Stripe does not offer there (or
deeper than four levels) 400, with Stripe's error body, as Stripe does; `answered` keeps
each request's status.
Invoices are also read and paid (`POST /v1/invoices/{id}/pay`: a card in `declines`
answers 402 `card_error`, as Stripe declines; any other pays the invoice), a customer's
default card changed (`POST /v1/customers/{id}`) and a card detached
(`POST /v1/payment_methods/{id}/detach`); `posts` keeps each POST's path, headers and form
body. Each POST that changes something appends its events to `account["events"]` (newest
first), with `request: {id, idempotency_key}` as Stripe's carry them (`event`: one made
elsewhere, a test's Dashboard); a POST whose Idempotency-Key was seen before gets the first
answer again and changes nothing, as Stripe does.

Standard library only, so that `scripts/check-bundle` can run it beside the bundle:

    python -m tests.support.standin serve --customers 3 [--cert C --key K] --port-file F
    python -m tests.support.standin proxy --port-file F --log F [--refuse]
    python -m tests.support.standin ca --folder DIR      # a throwaway CA (trustme)
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import itertools
import json
import re
import select
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

SHAPES = Path(__file__).with_name("stripe_shapes.json")
#: A well-formed test key the stand-in accepts (one ending in "Revoked" it answers 401).
KEY = "sk_test_" + "T" * 24
LOOPBACK = ("127.0.0.1", "localhost", "::1")
_request_ids = itertools.count(1)


def shape(kind: str, **changes: Any) -> dict[str, Any]:
    """A copy of Stripe's published example `kind` of object, with top-level `changes`."""
    resources = json.loads(SHAPES.read_text(encoding="utf-8"))["resources"]
    obj = copy.deepcopy(resources[kind])
    obj.update(changes)
    return obj  # type: ignore[no-any-return]


def account(customers: int) -> dict[str, Any]:
    """`customers` customers named "Stand-in customer N", each with one card, the default."""
    people: list[dict[str, Any]] = []
    cards: dict[str, list[dict[str, Any]]] = {}
    for n in range(1, customers + 1):
        cus_id, pm_id = f"cus_StandIn{n:04d}", f"pm_StandIn{n:04d}"
        card = shape("payment_method", id=pm_id, customer=cus_id, created=1_700_000_000 + n)
        card["card"]["last4"] = f"{4240 + n % 10:04d}"
        customer = shape(
            "customer",
            id=cus_id,
            name=f"Stand-in customer {n}",
            email=f"customer{n}@standin.example",
            created=1_700_000_000 + n,
        )
        customer["invoice_settings"]["default_payment_method"] = pm_id
        people.append(customer)
        cards[cus_id] = [card]
    return {
        "customers": people,
        "cards": cards,
        "events": [],
        "invoices": [],
        "invoice_payments": [],
        "payment_intents": {},
    }


#: The time the stand-in's invoices were made and their first payment failed.
BILLED_AT = int(time.time()) - 3 * 86400
INSUFFICIENT_FUNDS = "Your card has insufficient funds."


def add_billing(account: dict[str, Any]) -> None:
    """Customer 1's invoice open after a decline on its card (insufficient funds); customer
    2's paid by its card: each with its InvoicePayment and PaymentIntent, as today's API
    links them (the invoice itself names neither)."""
    for n, paid in ((1, False), (2, True)):
        cus_id, pm_id = f"cus_StandIn{n:04d}", f"pm_StandIn{n:04d}"
        in_id, pi_id = f"in_StandIn{n:04d}", f"pi_StandIn{n:04d}"
        invoice = shape(
            "invoice",
            id=in_id,
            customer=cus_id,
            number=f"STAND-{n:04d}",
            status="paid" if paid else "open",
            amount_due=4900,
            amount_paid=4900 if paid else 0,
            amount_remaining=0 if paid else 4900,
            currency="eur",
            attempt_count=1,
            attempted=True,
            created=BILLED_AT,
            due_date=None,
            next_payment_attempt=None if paid else BILLED_AT + 3 * 86400,
            status_transitions={"paid_at": BILLED_AT + 60 if paid else None},
        )
        intent = shape(
            "payment_intent",
            id=pi_id,
            amount=4900,
            currency="eur",
            customer=cus_id,
            created=BILLED_AT,
            status="succeeded" if paid else "requires_payment_method",
            payment_method=pm_id if paid else None,
            last_payment_error=None
            if paid
            else {
                "type": "card_error",
                "code": "card_declined",
                "decline_code": "insufficient_funds",
                "message": INSUFFICIENT_FUNDS,
                "payment_method": pm_id,  # an object in Stripe's answer: expanded below
            },
        )
        payment = shape(
            "invoice_payment",
            id=f"inpay_StandIn{n:04d}",
            invoice=in_id,
            amount_paid=4900 if paid else None,
            amount_requested=4900,
            currency="eur",
            created=BILLED_AT,
            status="paid" if paid else "open",
            livemode=False,
            payment={"type": "payment_intent", "payment_intent": pi_id},
            status_transitions={"canceled_at": None, "paid_at": BILLED_AT + 60 if paid else None},
        )
        account["invoices"].insert(0, invoice)  # newest first, as Stripe lists
        account["invoice_payments"].insert(0, payment)
        account["payment_intents"][pi_id] = intent


#: The expansions Stripe offers on each list the app reads (and four levels at most).
EXPANSIONS = {
    "/v1/customers": {"data.invoice_settings.default_payment_method", "data.default_source"},
    "/v1/invoice_payments": {
        "data.invoice",
        "data.payment.charge",
        "data.payment.payment_intent",
        "data.payment.payment_intent.payment_method",
    },
    "/v1/payment_intents/*": {"payment_method", "latest_charge", "customer"},
}


class Handler(BaseHTTPRequestHandler):
    """Answers as Stripe does, for the account of its server."""

    server: StandIn
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        self.server.seen.append(self.requestline)

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = parse_qs(self.rfile.read(length).decode())
        self.server.posts.append((urlsplit(self.path).path, dict(self.headers.items()), body))
        key = self.headers.get("Idempotency-Key")
        replay = self.server.replies.get(key) if key else None
        if replay is not None:
            self._send(*replay)
            return
        self.request_id: str | None = f"req_StandIn{next(_request_ids):06d}"
        self.server.requesting.request = {"id": self.request_id, "idempotency_key": key}
        try:
            self._answer(body)
        finally:
            self.server.requesting.request = None

    def _answer(self, body: dict[str, list[str]] | None = None) -> None:
        key = self.headers.get("Authorization", "")
        if not re.fullmatch(r"Bearer sk_(test|live)_\w+", key) or key.endswith("Revoked"):
            self._send(401, _error("invalid_request_error", "Invalid API Key provided."))
            return
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        route = self.server.route(self.command, parts.path)
        query["expand[]"] = _expansions(query)
        refused = _refused_expansion(parts.path, query["expand[]"])
        if route is not None and refused:
            self._send(
                400,
                _error(
                    "invalid_request_error",
                    f"This property cannot be expanded ({refused}).",
                ),
            )
            return
        if route is None:
            self._send(
                404,
                _error(
                    "invalid_request_error",
                    f"Unrecognized request URL ({self.command} {parts.path}).",
                ),
            )
            return
        answer = route(parts.path, {**query, **(body or {})})
        if self.command == "POST" and self.server.garble and isinstance(answer, dict):
            answer = _garbled(answer)
        if isinstance(answer, tuple):
            self._send(*answer)
        else:
            self._send(200, answer)

    def _send(self, status: int, body: dict[str, Any]) -> None:
        self.server.answered.append((self.command, self.path, status))
        key = self.headers.get("Idempotency-Key")
        if self.command == "POST" and key and key not in self.server.replies:
            self.server.replies[key] = (status, body)
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        request_id = getattr(self, "request_id", None) or f"req_StandIn{next(_request_ids):06d}"
        self.request_id = None
        self.send_header("Request-Id", request_id)
        self.send_header("Date", formatdate(time.time(), usegmt=True))
        self.end_headers()
        self.wfile.write(data)


def _garbled(obj: dict[str, Any]) -> dict[str, Any]:
    """What a broken proxy or server might send after Stripe acted: a card's `exp_month`
    that is a word, a customer without its `id`."""
    obj = copy.deepcopy(obj)
    if obj.get("object") == "payment_method":
        obj["card"]["exp_month"] = "twelve"
    else:
        obj.pop("id", None)
    return obj


def _error(kind: str, message: str) -> dict[str, Any]:
    return {"error": {"type": kind, "message": message}}


def _expansions(query: dict[str, list[str]]) -> list[str]:
    """`expand[]=` and `expand[0]=` (as stripe-python sends them) alike, in order."""
    keys = sorted(
        (k for k in query if re.fullmatch(r"expand\[\d*\]", k)),
        key=lambda k: int(k[7:-1] or -1),
    )
    return [value for k in keys for value in query[k]]


def _refused_expansion(path: str, expand: list[str]) -> str | None:
    """The first of `expand` Stripe would refuse on `path`, if any."""
    key = re.sub(r"^/v1/payment_intents/[^/]+$", "/v1/payment_intents/*", path)
    offered = EXPANSIONS.get(key, set())
    for field in expand:
        if field not in offered or field.count(".") >= 4:
            return field
    return None


def _page(url: str, items: list[dict[str, Any]], query: dict[str, list[str]]) -> dict[str, Any]:
    """One page of a list, after `starting_after`, `limit` long, as Stripe pages."""
    limit = int(query.get("limit", ["10"])[0])
    after = query.get("starting_after", [None])[0]
    start = next((i + 1 for i, item in enumerate(items) if item["id"] == after), 0)
    data = items[start : start + limit]
    return {"object": "list", "url": url, "has_more": start + limit < len(items), "data": data}


def _since(items: list[dict[str, Any]], query: dict[str, list[str]]) -> list[dict[str, Any]]:
    """`items` created at or after `created[gte]`, when given."""
    gte = query.get("created[gte]")
    return [i for i in items if int(i["created"]) >= int(gte[0])] if gte else items


class StandIn(ThreadingHTTPServer):
    """The stand-in on 127.0.0.1 (port 0: a free one), TLS when given a certificate."""

    daemon_threads = True

    def __init__(
        self,
        customers: int,
        cert: str | None = None,
        key: str | None = None,
        *,
        billing: bool = False,
    ) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.account = account(customers)
        if billing:
            add_billing(self.account)
        self.seen: list[str] = []
        #: (method, path and query, status) of every request answered.
        self.answered: list[tuple[str, str, int]] = []
        self.posts: list[tuple[str, dict[str, str], dict[str, list[str]]]] = []
        #: Cards whose charges are declined ("Your card has insufficient funds.").
        self.declines: set[str] = set()
        #: Answer every POST that succeeds with an object not in Stripe's shape (after acting).
        self.garble = False
        #: The first answer to each Idempotency-Key: (status, body).
        self.replies: dict[str, tuple[int, dict[str, Any]]] = {}
        #: The request being answered on this thread (its events carry it).
        self.requesting = threading.local()
        self._events = itertools.count(1)
        if cert:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(cert, key)
            self.socket = context.wrap_socket(self.socket, server_side=True)
        self.scheme = "https" if cert else "http"

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.server_address[1]}"

    def route(self, method: str, path: str) -> Callable[[str, dict[str, list[str]]], Any] | None:
        invoices = self.account["invoices"]
        match = re.fullmatch(r"/v1/invoices/(in_\w+)(/pay)?", path)
        found_invoice = [i for i in invoices if match and i["id"] == match[1]]
        if method == "POST":
            if match and match[2] and found_invoice:
                return lambda url, q: self._pay(found_invoice[0], q)
            customer = re.fullmatch(r"/v1/customers/(cus_\w+)", path)
            found = [c for c in self.account["customers"] if customer and c["id"] == customer[1]]
            if found:
                return lambda url, q: self._update_customer(found[0], q)
            detach = re.fullmatch(r"/v1/payment_methods/(pm_\w+)/detach", path)
            if detach and isinstance(self._card(detach[1]), dict):
                return lambda url, q: self._detach(detach[1])
            return None
        if method != "GET":
            return None
        if match and not match[2]:
            return (lambda url, q: found_invoice[0]) if found_invoice else None
        if path == "/v1/invoices":
            return lambda url, q: _page(url, invoices, q)
        customers, cards = self.account["customers"], self.account["cards"]
        if path == "/v1/customers":
            return lambda url, q: self._customers(url, q)
        match = re.fullmatch(r"/v1/customers/(cus_\w+)/payment_methods", path)
        if match and match[1] in cards:
            listed = cards[match[1]]
            return lambda url, q: _page(url, listed, q)
        match = re.fullmatch(r"/v1/payment_methods/(pm_\w+)", path)
        if match:
            card = [c for listed in cards.values() for c in listed if c["id"] == match[1]]
            return (lambda url, q: card[0]) if card else None
        match = re.fullmatch(r"/v1/customers/(cus_\w+)", path)
        if match:
            found = [c for c in customers if c["id"] == match[1]]
            return (lambda url, q: found[0]) if found else None
        if path == "/v1/events":
            return lambda url, q: _page(url, _since(self.account["events"], q), q)
        if path == "/v1/invoice_payments":
            return lambda url, q: self._invoice_payments(url, q)
        match = re.fullmatch(r"/v1/payment_intents/(pi_\w+)", path)
        if match and match[1] in self.account["payment_intents"]:
            return lambda url, q: self._intent(match[1], "payment_method" in q.get("expand[]", []))
        if path == "/v1/subscriptions":
            return lambda url, q: _page(url, [], q)
        return None

    def _intent(self, pi_id: str, with_card: bool) -> dict[str, Any]:
        """A PaymentIntent; its last error's card is always an object, as Stripe sends it."""
        intent = copy.deepcopy(self.account["payment_intents"][pi_id])
        error = intent.get("last_payment_error")
        if error and isinstance(error.get("payment_method"), str):
            error["payment_method"] = self._card(error["payment_method"])
        if with_card and intent.get("payment_method"):
            intent["payment_method"] = self._card(intent["payment_method"])
        return intent  # type: ignore[no-any-return]

    def _card(self, pm_id: str) -> dict[str, Any] | str:
        for listed in self.account["cards"].values():
            for card in listed:
                if card["id"] == pm_id:
                    return copy.deepcopy(card)  # type: ignore[no-any-return]
        return pm_id

    def _invoice_payments(self, url: str, query: dict[str, list[str]]) -> dict[str, Any]:
        """Filtered by `invoice`, `status` and `created[gte]`; each payment's PaymentIntent
        (and its card) embedded when expanded."""
        items = _since(self.account["invoice_payments"], query)
        for name in ("invoice", "status"):
            if name in query:
                items = [i for i in items if i[name] == query[name][0]]
        page = copy.deepcopy(_page(url, items, query))
        expand = query.get("expand[]", [])
        if {"data.payment.payment_intent", "data.payment.payment_intent.payment_method"} & set(
            expand
        ):
            with_card = "data.payment.payment_intent.payment_method" in expand
            for item in page["data"]:
                pi_id = item["payment"].get("payment_intent")
                if pi_id:
                    item["payment"]["payment_intent"] = self._intent(pi_id, with_card)
        return page

    def _pay(self, invoice: dict[str, Any], form: dict[str, list[str]]) -> Any:
        """Charge the invoice as Stripe does: the chosen card, else the customer's default."""
        if invoice["status"] != "open":
            return 400, _error("invalid_request_error", "Invoice is already paid.")
        customer = next(c for c in self.account["customers"] if c["id"] == invoice["customer"])
        card = form.get("payment_method", [None])[0]
        card = card or customer["invoice_settings"]["default_payment_method"]
        invoice["attempt_count"] += 1
        invoice["attempted"] = True
        if card in self.declines:
            self.event("invoice.updated", invoice, {"attempt_count": invoice["attempt_count"] - 1})
            self.event("invoice.payment_failed", invoice)
            body = _error("card_error", "Your card has insufficient funds.")
            body["error"].update(code="card_declined", decline_code="insufficient_funds")
            return 402, body
        invoice.update(
            status="paid", amount_paid=invoice["amount_due"], amount_remaining=0, paid=True
        )
        invoice["status_transitions"]["paid_at"] = int(time.time())
        self.event("invoice.updated", invoice, {"status": "open"})
        self.event("invoice.paid", invoice)
        self.event("invoice.payment_succeeded", invoice)
        return invoice

    def event(
        self,
        kind: str,
        obj: dict[str, Any],
        previous: dict[str, Any] | None = None,
        *,
        request: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Append the event `kind` about `obj` (copied as it is now), newest first; it carries
        `request`, else the request being answered, else none (Stripe's own doing)."""
        request = request or getattr(self.requesting, "request", None)
        event = shape(
            "event",
            id=f"evt_StandIn{next(self._events):06d}",
            type=kind,
            created=int(time.time()),
            api_version="2025-08-27.basil",
            data={"object": copy.deepcopy(obj)},
            request=request or {"id": None, "idempotency_key": None},
        )
        if previous is not None:
            event["data"]["previous_attributes"] = previous
        self.account["events"].insert(0, event)
        return event

    def _update_customer(self, customer: dict[str, Any], form: dict[str, list[str]]) -> Any:
        """A new default card (the one field the app changes)."""
        field = "invoice_settings[default_payment_method]"
        if field not in form:
            return customer
        card = form[field][0] or None
        if card and card not in [c["id"] for c in self.account["cards"][customer["id"]]]:
            return 400, _error("invalid_request_error", f"No such PaymentMethod: '{card}'")
        before = customer["invoice_settings"]["default_payment_method"]
        customer["invoice_settings"]["default_payment_method"] = card
        if before != card:
            self.event(
                "customer.updated",
                customer,
                {"invoice_settings": {"default_payment_method": before}},
            )
        return customer

    def _detach(self, pm_id: str) -> Any:
        """The card leaves its customer (and stops being the default, as Stripe does)."""
        for cus_id, listed in self.account["cards"].items():
            card = next((c for c in listed if c["id"] == pm_id), None)
            if card is None:
                continue
            listed.remove(card)
            card["customer"] = None
            self.event("payment_method.detached", card, {"customer": cus_id})
            customer = next(c for c in self.account["customers"] if c["id"] == cus_id)
            if customer["invoice_settings"]["default_payment_method"] == pm_id:
                customer["invoice_settings"]["default_payment_method"] = None
                self.event(
                    "customer.updated",
                    customer,
                    {"invoice_settings": {"default_payment_method": pm_id}},
                )
            return card
        return 400, _error("invalid_request_error", "The payment method is not attached.")

    def _customers(self, url: str, query: dict[str, list[str]]) -> dict[str, Any]:
        page = _page(url, self.account["customers"], query)
        expand = query.get("expand[]", [])
        if "data.invoice_settings.default_payment_method" in expand:
            page = copy.deepcopy(page)
            for customer in page["data"]:
                pm = customer["invoice_settings"]["default_payment_method"]
                card = self.account["cards"][customer["id"]][0]
                customer["invoice_settings"]["default_payment_method"] = card if pm else None
        return page


def open_invoice(server: StandIn, url: str | None = None) -> dict[str, Any]:
    """An open €49.00 invoice (number 4F2A-0007) of the first customer, its first attempt
    failed, in today's shape, added to the stand-in's account; `url` its hosted page."""
    invoice = shape(
        "invoice",
        id="in_StandInOpen0001",
        number="4F2A-0007",
        customer="cus_StandIn0001",
        status="open",
        amount_due=4900,
        amount_paid=0,
        amount_remaining=4900,
        attempt_count=1,
        currency="eur",
        created=1_765_000_000,
        parent=None,
        last_finalization_error=None,
        hosted_invoice_url=url,
    )
    server.account["invoices"].append(invoice)
    return invoice


@contextlib.contextmanager
def serving(server: StandIn) -> Iterator[StandIn]:
    """The stand-in answering from a thread of this process until the block ends."""
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


class ConnectProxy(threading.Thread):
    """An HTTP proxy that only tunnels (CONNECT) to loopback, as a company proxy does for
    HTTPS; `refuse` answers every CONNECT with 403. Each CONNECT line is in `seen`."""

    def __init__(self, *, refuse: bool = False) -> None:
        super().__init__(daemon=True)
        self.refuse = refuse
        self.seen: list[str] = []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self.listener.getsockname()[1]

    def run(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._tunnel, args=(client,), daemon=True).start()

    def _tunnel(self, client: socket.socket) -> None:
        with client:
            head = b""
            while b"\r\n\r\n" not in head and len(head) < 65536:
                chunk = client.recv(4096)
                if not chunk:
                    return
                head += chunk
            line = head.split(b"\r\n", 1)[0].decode("latin-1")
            self.seen.append(line)
            method, target, _ = [*line.split(" "), "", ""][:3]
            host, _, port = target.rpartition(":")
            if self.refuse or method != "CONNECT" or host.strip("[]") not in LOOPBACK:
                client.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
                return
            with socket.create_connection((host.strip("[]"), int(port)), timeout=10) as upstream:
                client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                _pipe(client, upstream)


def _pipe(a: socket.socket, b: socket.socket) -> None:
    sockets = [a, b]
    while True:
        ready, _, _ = select.select(sockets, [], [], 30)
        if not ready:
            return
        for sock in ready:
            data = sock.recv(65536)
            if not data:
                return
            (b if sock is a else a).sendall(data)


def make_ca(folder: Path) -> None:
    """A throwaway CA (ca.pem) and a certificate for 127.0.0.1 (server.pem, server.key)."""
    import trustme

    folder.mkdir(parents=True, exist_ok=True)
    ca = trustme.CA()
    ca.cert_pem.write_to_path(str(folder / "ca.pem"))
    server = ca.issue_cert("127.0.0.1", "localhost")
    server.private_key_pem.write_to_path(str(folder / "server.key"))
    server.cert_chain_pems[0].write_to_path(str(folder / "server.pem"))
    for extra in server.cert_chain_pems[1:]:
        with open(folder / "server.pem", "ab") as out:
            out.write(extra.bytes())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.support.standin")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve")
    serve.add_argument("--customers", type=int, default=3)
    serve.add_argument("--cert")
    serve.add_argument("--key")
    serve.add_argument("--port-file", type=Path, required=True)
    proxy = sub.add_parser("proxy")
    proxy.add_argument("--port-file", type=Path, required=True)
    proxy.add_argument("--log", type=Path, required=True)
    proxy.add_argument("--refuse", action="store_true")
    ca = sub.add_parser("ca")
    ca.add_argument("--folder", type=Path, required=True)
    args = parser.parse_args(argv)
    if args.command == "ca":
        make_ca(args.folder)
        return
    if args.command == "serve":
        server = StandIn(args.customers, args.cert, args.key)
        args.port_file.write_text(str(server.server_address[1]))
        server.serve_forever()
        return
    tunnel = ConnectProxy(refuse=args.refuse)
    tunnel.start()
    args.port_file.write_text(str(tunnel.port))
    while True:  # the log of CONNECT lines, for the check to read
        args.log.write_text("".join(f"{line}\n" for line in tunnel.seen))
        time.sleep(0.2)


if __name__ == "__main__":
    main()

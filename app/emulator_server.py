"""Run localstripe on a free loopback port, keeping its state in memory only.

Started as a child process by `app.emulator`. localstripe would pickle its whole store
(card numbers included) to /tmp after every write; here nothing it holds touches a disk.
Prints `LISTENING <port>` on stdout once it accepts connections.

Two changes make it closer to Stripe: a card's brand, country and funding follow its number
(localstripe calls every card a French Visa), and, for the demo only (`--with-portal`), a
stand-in billing portal answers `POST /v1/billing_portal/sessions` with a local page.
"""

from __future__ import annotations

import argparse
import asyncio
import html
import logging
import secrets
import socket
import sys
from typing import Any

#: Test card prefixes and what Stripe says of them: brand, country, funding.
_CARDS = [
    (("4000056655665556",), ("visa", "US", "debit")),
    (("4",), ("visa", "US", "credit")),
    (("5200828282828210",), ("mastercard", "US", "debit")),
    (("51", "52", "53", "54", "55", "2"), ("mastercard", "US", "credit")),
    (("34", "37"), ("amex", "US", "credit")),
    (("6011", "644", "645", "646", "647", "648", "649", "65"), ("discover", "US", "credit")),
    (("35",), ("jcb", "JP", "credit")),
    (("36", "300", "301", "302", "303", "304", "305", "38"), ("diners", "US", "credit")),
    (("62",), ("unionpay", "CN", "credit")),
]


def card_facts(number: str) -> tuple[str, str, str]:
    """(brand, country, funding) that Stripe reports for a test card number."""
    for prefixes, facts in _CARDS:
        if number.startswith(prefixes):
            return facts
    return ("unknown", "US", "credit")


def _patch_card_facts(resources: Any) -> None:
    original = resources.PaymentMethod.__init__

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        if getattr(self, "type", None) == "card":
            brand, country, funding = card_facts(self._card_number)
            self.card.update(brand=brand, country=country, funding=funding)

    resources.PaymentMethod.__init__ = init


def _add_portal(server: Any) -> None:
    """A stand-in billing portal for the demo; localstripe has none."""
    web = server.web
    sessions: dict[str, str] = {}

    async def create(request: Any) -> Any:
        data = await server.get_post_data(request) or {}
        customer = server.Customer._api_retrieve(str(data.get("customer", "")))
        session = "bps_demo" + secrets.token_hex(8)
        sessions[session] = customer.name or customer.id
        base = f"{request.scheme}://{request.host}"
        return server.json_response(
            {
                "id": session,
                "object": "billing_portal.session",
                "customer": customer.id,
                "livemode": False,
                "return_url": data.get("return_url"),
                "url": f"{base}/_config/demo_portal/{session}",
            }
        )

    async def page(request: Any) -> Any:
        name = sessions.get(request.match_info["id"])
        if name is None:
            return web.Response(status=404, text="This demo portal link has expired.")
        return web.Response(
            content_type="text/html",
            text=(
                "<!doctype html><meta charset=utf-8><title>Demo billing portal</title>"
                f"<h1>Billing portal of {html.escape(name)}</h1>"
                "<p>This page stands in for Stripe's customer portal in the demo.</p>"
            ),
        )

    server.app.router.add_post("/v1/billing_portal/sessions", create)
    # Under /_config/, the one path localstripe serves without an API key.
    server.app.router.add_get("/_config/demo_portal/{id}", page)


def main() -> None:
    parser = argparse.ArgumentParser(prog="billing-admin-emulator")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--with-portal", action="store_true")
    args = parser.parse_args()

    from localstripe import resources, server

    resources.Store.dump_to_disk = lambda self: None
    resources.Store.try_load_from_disk = lambda self: None
    _patch_card_facts(resources)
    if args.with_portal:
        _add_portal(server)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", args.port))
    port = sock.getsockname()[1]

    async def announce(_app: object) -> None:
        print(f"LISTENING {port}", flush=True)

    server.app.on_startup.append(announce)
    asyncio.set_event_loop(asyncio.new_event_loop())
    server.web.run_app(server.app, sock=sock, print=None, access_log=None)


if __name__ == "__main__":
    main()

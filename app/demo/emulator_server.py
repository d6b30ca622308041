"""Run localstripe on a free loopback port, keeping its state in memory only.

Started as a child process by `app.demo.emulator`. localstripe would pickle its whole store
(card numbers included) to /tmp after every write; here nothing it holds touches a disk.
Prints `LISTENING <port>` on stdout once it accepts connections.

Changes make it closer to Stripe: a card's brand, country and funding follow its number
(localstripe calls every card a French Visa); SetupIntents behave as Stripe's do (see
`_patch_setup_intents`); its Stripe.js stand-in takes the card as the demo's hint prints it
(`_fix_stripe_js`); and, for the demo only (`--with-portal`), a stand-in billing portal
answers `POST /v1/billing_portal/sessions` with a local page.
"""

from __future__ import annotations

import argparse
import asyncio
import html
import logging
import secrets
import socket
import sys
from pathlib import Path
from typing import Any

from app import platform
from app.bundle import resource

#: Served after localstripe's Stripe.js stand-in: its card inputs accept "4242 4242 4242
#: 4242" and MM/YY or MM/YYYY, and empty or malformed input gets a sentence.
STRIPE_JS_FIXES = resource("emulator", "stripe-js-fixes.js")
STRIPE_JS_PATH = "/js.stripe.com/v3/"

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


def _patch_setup_intents(resources: Any) -> None:
    """Make confirming and cancelling a SetupIntent behave as on Stripe.

    - On success (at once, or after 3-D Secure) Stripe attaches the payment method to the
      SetupIntent's customer; localstripe leaves it unattached.
    - A decline leaves the SetupIntent `requires_payment_method` (another card may be tried);
      localstripe cancels it.
    - Its Stripe.js stand-in "fails" 3-D Secure by calling /cancel with the client secret;
      on Stripe a failed authentication also leaves `requires_payment_method`. Only a cancel
      with the secret key (no client secret) cancels.
    - A confirm without a payment method succeeds only after 3-D Secure (`requires_action`);
      localstripe would also "succeed" a cancelled or declined one.

    Must run before `localstripe.server` is imported: its routes bind these functions then.
    """
    setup_intent = resources.SetupIntent
    payment_method = resources.PaymentMethod
    user_error = resources.UserError
    original_confirm = setup_intent._api_confirm
    original_cancel = setup_intent._api_cancel

    def confirm(id: Any = None, **kwargs: Any) -> Any:
        given = (
            kwargs.get("payment_method") is not None
            or kwargs.get("payment_method_data") is not None
        )
        if not given and isinstance(id, str):
            current = setup_intent._api_retrieve(id)
            if current.payment_method is not None and current.status != "requires_action":
                raise user_error(
                    400,
                    "You cannot confirm this SetupIntent because it has a status of "
                    f"{current.status}.",
                )
        try:
            obj = original_confirm(id, **kwargs)
        except user_error as exc:
            if isinstance(id, str) and getattr(exc, "code", None) == 402:
                failed = setup_intent._api_retrieve(id)
                failed.status = "requires_payment_method"
                failed.payment_method = None
                failed.next_action = None
            raise
        if obj.status == "succeeded" and obj.customer and obj.payment_method:
            payment_method._api_retrieve(obj.payment_method).customer = obj.customer
        return obj

    def cancel(id: Any = None, client_secret: Any = None, **kwargs: Any) -> Any:
        if client_secret is None:
            return original_cancel(id, **kwargs)
        obj = original_cancel(id, client_secret=client_secret, **kwargs)  # checks the secret
        obj.status = "requires_payment_method"
        obj.payment_method = None
        return obj

    setup_intent._api_confirm = confirm
    setup_intent._api_cancel = cancel
    resources.extra_apis[:] = [
        (method, url, {original_confirm: confirm, original_cancel: cancel}.get(fn, fn))
        for method, url, fn in resources.extra_apis
    ]


def _fix_stripe_js(server: Any) -> None:
    """Serve localstripe's Stripe.js stand-in with our fixes after it (same script, so the
    fixes see its `Element` class and `Stripe` function)."""
    web = server.web
    standin = Path(server.__file__).with_name("localstripe-v3.js")

    async def fixed(request: Any, handler: Any) -> Any:
        if request.path != STRIPE_JS_PATH:
            return await handler(request)
        text = standin.read_text(encoding="utf-8") + "\n" + STRIPE_JS_FIXES.read_text("utf-8")
        return web.Response(text=text, content_type="application/javascript")

    server.app.middlewares.insert(0, web.middleware(fixed))


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
    platform.utf8_stdio()  # the parent reads our pipes as UTF-8 (app.demo.emulator)
    parser = argparse.ArgumentParser(prog="billing-admin-emulator")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--with-portal", action="store_true")
    args = parser.parse_args()

    from localstripe import resources

    resources.Store.dump_to_disk = lambda self: None
    resources.Store.try_load_from_disk = lambda self: None
    _patch_card_facts(resources)
    _patch_setup_intents(resources)
    from localstripe import server  # binds its routes: after the patches

    _fix_stripe_js(server)

    if args.with_portal:
        _add_portal(server)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", args.port))
    port = sock.getsockname()[1]
    # Listen now: aiohttp's on_startup (where we announce) runs before its own listen(), and
    # a connection made in between would be refused instead of waiting in the backlog.
    sock.listen(128)

    async def announce(_app: object) -> None:
        print(f"LISTENING {port}", flush=True)

    server.app.on_startup.append(announce)
    asyncio.set_event_loop(asyncio.new_event_loop())
    server.web.run_app(server.app, sock=sock, print=None, access_log=None)


if __name__ == "__main__":
    main()

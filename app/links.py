"""Links from Stripe that billing-admin opens, copies or prints: only Stripe's own pages.

A billing portal session's or an invoice page's address comes in Stripe's answer; a hostile
or broken server (a proxy, a look-alike API base) could put anything there: a `file://` or
`javascript:` URL, another host, terminal escapes. A link is used only when it is an https://
address on a Stripe host (`*.stripe.com`), or, where the profile talks to an emulator, on the
emulator's own origin (the demo's portal page).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from app.errors import StripeRefusedError

#: Hosts whose pages Stripe sends customers and operators to (billing.stripe.com,
#: invoice.stripe.com, pay.stripe.com, ...).
STRIPE_DOMAIN = "stripe.com"
_UNSAFE = re.compile(r"[\x00-\x20\x7f-\x9f\\\"<>`{}|^]")


def is_stripe_page(url: str, api_base: str, *, emulator: bool) -> bool:
    """Whether `url` is a page of Stripe's (or, for an emulator profile, of the emulator)."""
    if not isinstance(url, str) or _UNSAFE.search(url) or len(url) > 2048:
        return False
    try:
        parts = urlsplit(url)
        host, port = (parts.hostname or "").lower(), parts.port
    except ValueError:
        return False
    if parts.username or parts.password:
        return False
    if parts.scheme == "https" and (host == STRIPE_DOMAIN or host.endswith("." + STRIPE_DOMAIN)):
        return port in (None, 443)
    if not emulator:
        return False
    base = urlsplit(api_base)
    return (parts.scheme, host, port) == (base.scheme, (base.hostname or "").lower(), base.port)


def checked(url: str, api_base: str, *, emulator: bool, what: str) -> str:
    """`url` if `is_stripe_page`; else StripeRefusedError naming `what` (nothing is opened)."""
    if is_stripe_page(url, api_base, emulator=emulator):
        return url
    raise StripeRefusedError(
        f"The {what} in Stripe's answer is not an https:// address on Stripe's own site, so "
        "billing-admin neither shows nor opens it: check the api_base setting and any proxy."
    )

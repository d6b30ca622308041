"""Links from Stripe that billing-admin opens, copies, prints or mails: only Stripe's own pages.

A billing portal session's or an invoice page's address comes in Stripe's answer (or from
the cache, written from one); a hostile or broken server could put anything there: a
`file://` or `javascript:` URL, another host, terminal escapes. A link is used only when
`app.untrusted.stripe_page` accepts it: https:// on the Stripe host that serves that kind of
page, or, where the profile talks to an emulator, under the emulator's own origin.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from app import untrusted
from app.errors import StripeRefusedError
from app.settings import Settings

#: Where Stripe serves billing portal sessions.
PORTAL_HOSTS = ("billing.stripe.com",)


def page_origins(settings: Settings) -> tuple[str, ...]:
    """Where, besides Stripe's own hosts, a page may be: the emulator's origin."""
    if not settings.uses_emulator:
        return ()
    parts = urlsplit(settings.api_base)
    return (f"{parts.scheme}://{parts.netloc}",)


def checked(url: str, settings: Settings, *, what: str, hosts: tuple[str, ...]) -> str:
    """`url` if it is such a page; else StripeRefusedError naming `what` (nothing opened)."""
    if untrusted.stripe_page(url, page_origins(settings), hosts) is not None:
        return url
    raise StripeRefusedError(
        f"The {what} in Stripe's answer is not an https:// address on Stripe's own site, so "
        "billing-admin neither shows nor opens it: check the api_base setting and any proxy."
    )

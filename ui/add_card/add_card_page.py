"""The add-card page without the browser: what it may load, its HTML, and what it may say.

Plain Python (no QtWebEngine), so the rules are easy to read and to test:

- `decide` judges every request the page makes, from what the request is (`PageRequest`:
  its URL, the origin of the frame that made it, what it loads): Stripe's hosts, the
  emulator's origin when the profile talks to one, and a card issuer's 3-D Secure page that
  Stripe's own frame opens, for that frame only. Everything else is blocked.
  `RequestPolicy` keeps the one piece of state, the issuers' origins opened so far.
- `build_page` fills resources/add_card/add_card.html: a Content-Security-Policy written
  from the same table of hosts (`STRIPE_SOURCES`), the publishable key and the SetupIntent's
  client secret (and nothing else), the stylesheet and scripts inline under a fresh nonce.
- `parse_message` accepts only the two messages the page may send over the bridge.
"""

from __future__ import annotations

import html
import json
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from types import MappingProxyType
from urllib.parse import urlsplit

from app import untrusted
from app.bundle import resource
from app.ids import SETUP_INTENT_RE
from app.operations import CardSetup
from ui.common import palette

#: The page's own address. `.invalid` never resolves: nothing can be fetched from it, and the
#: page still gets a secure (https) origin, which Stripe.js requires in live mode.
PAGE_URL = "https://add-card.billing-admin.invalid/"
#: The one table of what the page may load: for each Content-Security-Policy directive, the
#: Stripe hosts that Stripe.js, Elements and 3-D Secure use there (https only; "*." also
#: allows the subdomains, as in a CSP). The CSP is written from it and the request policy
#: allows exactly its hosts, so the two agree by construction. When the profile talks to the
#: emulator, its origin stands in for Stripe in every directive listed here.
STRIPE_SOURCES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "script-src": ("js.stripe.com", "*.js.stripe.com"),
        "connect-src": ("api.stripe.com", "m.stripe.network", "m.stripe.com"),
        "frame-src": ("js.stripe.com", "*.js.stripe.com", "hooks.stripe.com", "m.stripe.network"),
        # Images: the Stripe hosts above that `https://*.stripe.com` used to name here, and
        # Stripe's image CDN.
        "img-src": (
            "js.stripe.com",
            "*.js.stripe.com",
            "api.stripe.com",
            "m.stripe.com",
            "hooks.stripe.com",
            "b.stripecdn.com",
        ),
    }
)
#: Every host of the table: the hosts `RequestPolicy` lets through.
STRIPE_HOSTS = tuple(dict.fromkeys(host for hosts in STRIPE_SOURCES.values() for host in hosts))
#: The whole CSP, in order: each directive's own sources ("{nonce}" is the page's nonce),
#: then, for the directives of `STRIPE_SOURCES`, Stripe's hosts and the emulator.
_CSP = (
    ("default-src", ("'none'",)),
    ("script-src", ("'nonce-{nonce}'",)),
    ("style-src", ("'nonce-{nonce}'",)),
    ("connect-src", ()),
    ("frame-src", ()),
    ("img-src", ("data:",)),
    ("font-src", ("'none'",)),
    ("object-src", ("'none'",)),
    ("base-uri", ("'none'",)),
    ("form-action", ("'none'",)),
)
#: Stripe's frames that may open a card issuer's 3-D Secure page inside themselves.
THREE_DS_OPENERS = ("hooks.stripe.com", "js.stripe.com")
MAX_MESSAGE = 4000


def origin_of(url: str) -> str:
    """scheme://host[:port] of `url`, lower-cased, without user info; "" when it has none."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return ""
    host = parts.hostname
    if not parts.scheme or not host:
        return ""
    host = f"[{host}]" if ":" in host else host
    return f"{parts.scheme.lower()}://{host}" + (f":{port}" if port is not None else "")


def shown(url: str) -> str:
    """A URL for the log: no query or fragment (they could carry a client secret)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "(unparseable URL)"
    if parts.scheme in ("data", "blob"):
        return f"{parts.scheme}:…"
    return f"{parts.scheme}://{parts.netloc}{parts.path}"[:200]


def host_matches(host: str, pattern: str) -> bool:
    """`host` is `pattern`, or a subdomain of it when `pattern` starts with "*." (as in a CSP
    host source, "*.js.stripe.com" does not match "js.stripe.com" itself)."""
    if pattern.startswith("*."):
        return host.endswith(pattern[1:])
    return host == pattern


def _stripe_host(host: str) -> bool:
    return any(host_matches(host, pattern) for pattern in STRIPE_HOSTS)


class Kind(Enum):
    """What a request loads, as far as the policy cares (Qt's resource types, grouped)."""

    #: The page's own top frame.
    PAGE = "page"
    #: A frame inside the page, or a frame navigating.
    FRAME = "frame"
    #: What a frame shows: a script, style sheet, image, font or media.
    PASSIVE = "passive"
    #: Anything else: fetch and XHR, beacons and pings, workers, web sockets, ...
    OTHER = "other"


@dataclass(frozen=True)
class PageRequest:
    """One request of the page, as the interceptor sees it."""

    url: str
    #: The origin of the frame that made the request ("" when the browser itself did).
    initiator: str = ""
    kind: Kind = Kind.OTHER


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    reason: str
    #: The origin of an issuer's 3-D Secure frame this request opens, to remember.
    opens: str | None = None


def decide(request: PageRequest, emulator_origin: str | None, issuers: frozenset[str]) -> Verdict:
    """Whether the page may make `request`, given the issuers' origins opened so far.

    A card issuer's page cannot be listed ahead (every issuer has its own), so it is
    allowed when Stripe's 3-D Secure frame opens it as a frame. From then on a request
    belongs to the issuer's frame when that frame made it (its initiator is an issuer's
    origin): such a request may reach the issuer's origins, load what the page shows from
    elsewhere, and move the frame on. No other frame may reach the issuer, and the issuer's
    frame may send nothing (fetch, beacons, ...) to a host other than its own or Stripe's.
    """
    try:
        parts = urlsplit(request.url)
        port = parts.port
    except ValueError:
        return Verdict(False, "not a URL")
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if scheme in ("data", "blob", "about"):
        return Verdict(True, "in-page content")
    origin = origin_of(request.url)
    if emulator_origin and origin == emulator_origin:
        return Verdict(True, "the emulator")
    if scheme == "https" and port in (None, 443) and _stripe_host(host):
        return Verdict(True, "Stripe")  # on https's own port only, as the CSP says
    if scheme != "https":
        return Verdict(False, f"{scheme or 'no'} scheme is not allowed")
    frame = origin_of(request.initiator)
    if request.kind is Kind.FRAME and frame in [f"https://{h}" for h in THREE_DS_OPENERS]:
        return Verdict(True, "the card issuer's 3-D Secure page, opened by Stripe", origin)
    if frame not in issuers:
        why = "the card issuer's page, asked for by another frame" if origin in issuers else ""
        return Verdict(False, why or f"{host or 'that host'} is not one of Stripe's")
    if request.kind is Kind.FRAME:
        return Verdict(True, "the issuer's frame moving on", origin)
    if origin in issuers:
        return Verdict(True, "the card issuer's page, for its own frame")
    if request.kind is Kind.PASSIVE:
        return Verdict(True, "shown by the card issuer's page, in its own frame")
    return Verdict(False, f"the card issuer's page may not send to {host}")


@dataclass
class RequestPolicy:
    """Which requests the add-card page may make: `decide`, and what it opened so far."""

    emulator_origin: str | None = None
    #: Origins of issuers' 3-D Secure frames opened (by Stripe's frame) during this page's
    #: life. Kept for the dialog's life: only requests made by such a frame use them, and
    #: only Stripe's frame can open one.
    issuer_origins: set[str] = field(default_factory=set)

    def decide(self, url: str, *, initiator: str = "", kind: Kind = Kind.OTHER) -> Verdict:
        verdict = decide(
            PageRequest(url, initiator, kind), self.emulator_origin, frozenset(self.issuer_origins)
        )
        if verdict.allowed and verdict.opens:
            self.issuer_origins.add(verdict.opens)
        return verdict


def content_security_policy(nonce: str, emulator_origin: str | None) -> str:
    """The page's CSP, written from `STRIPE_SOURCES` (the hosts `RequestPolicy` allows);
    inline code only with the nonce."""
    directives = []
    for directive, own in _CSP:
        sources = [source.format(nonce=nonce) for source in own]
        if directive in STRIPE_SOURCES:
            sources += [f"https://{host}" for host in STRIPE_SOURCES[directive]]
            sources += [emulator_origin] if emulator_origin else []
        directives.append(" ".join([directive, *sources]))
    return "; ".join(directives)


def _read(name: str) -> str:
    return resource("add_card", name).read_text(encoding="utf-8")


def _script_text(text: str) -> str:
    """Text safe inside <script> or <style>: it can never close the element early."""
    return text.replace("</", "<\\/")


def build_page(setup: CardSetup, qwebchannel_js: str, *, nonce: str | None = None) -> str:
    """The page's HTML for `setup`. It holds the publishable key and the client secret,
    never the secret key; it is handed to the view directly (setHtml), never by URL."""
    nonce = nonce or secrets.token_urlsafe(18)
    config = json.dumps(
        {"publishableKey": setup.publishable_key, "clientSecret": setup.client_secret}
    ).replace("<", "\\u003c")
    values = {
        "csp": html.escape(content_security_policy(nonce, setup.emulator_origin)),
        "nonce": nonce,
        "stripe_js": html.escape(setup.stripe_js),
        "config": config,
        "style": _script_text(palette.fill(_read("add_card.css"))),
        "qwebchannel_js": _script_text(qwebchannel_js),
        "script": _script_text(palette.fill(_read("add_card.js"))),
    }
    return re.sub(r"\{\{(\w+)\}\}", lambda m: values[m.group(1)], _read("add_card.html"))


@dataclass(frozen=True)
class PageMessage:
    """What the page said: a SetupIntent id it believes succeeded, or an error to log."""

    setup_intent: str | None = None
    error: str | None = None


def parse_message(text: object) -> PageMessage:
    """Accept exactly {"setup_intent": "seti_..."} or {"error": "..."}; ValueError otherwise."""
    if not isinstance(text, str) or len(text) > MAX_MESSAGE:
        raise ValueError("not a short string")
    try:
        data = json.loads(text)
    except ValueError:
        raise ValueError("not JSON") from None
    if not isinstance(data, dict) or len(data) != 1:
        raise ValueError("not an object with one member")
    ((key, value),) = data.items()
    if key == "setup_intent" and isinstance(value, str) and SETUP_INTENT_RE.fullmatch(value):
        return PageMessage(setup_intent=value)
    if key == "error" and isinstance(value, str):
        # Stripe's (or a forger's) text, shown in the dialog: neutralised as everywhere else.
        return PageMessage(error=untrusted.message(value) or "(empty)")
    raise ValueError(f"unexpected member {key[:40]!r}")

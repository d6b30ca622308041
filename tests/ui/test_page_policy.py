"""The add-card page's two gates agree: its Content-Security-Policy and the request policy
behind the interceptor are both written from `STRIPE_SOURCES`, so whatever one lets the page
load, the other does too. And a card issuer's 3-D Secure page, once Stripe's frame opens it,
is allowed for its own frame only. Plain Python: no display, no browser.

The CSP side is read back from the CSP text with a small matcher of CSP host sources written
here, not with the code under test."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from ui.add_card.add_card_page import (
    PAGE_URL,
    STRIPE_HOSTS,
    STRIPE_SOURCES,
    Kind,
    PageRequest,
    RequestPolicy,
    content_security_policy,
    decide,
)

EMULATOR = "http://127.0.0.1:4242"
#: Hosts that are in no directive of the table, some of them close to Stripe's.
OUTSIDE = (
    "evil.example",
    "stripe.com",
    "q.stripe.com",  # the old img-src https://*.stripe.com let this one through
    "files.stripe.com",
    "js.stripe.com.evil.example",
    "evilstripe.com",
    "stripecdn.com",
    "x.b.stripecdn.com",
    "x.api.stripe.com",
    "stripe.network",
    "add-card.billing-admin.invalid",
    "127.0.0.1",
)


def directives(csp: str) -> dict[str, list[str]]:
    parsed: dict[str, list[str]] = {}
    for part in csp.split(";"):
        name, *sources = part.split()
        assert name not in parsed, f"{name} twice"
        parsed[name] = sources
    return parsed


def _source_matches(source: str, url: str) -> bool:
    """CSP Level 3 source matching, reduced to what this CSP uses."""
    parts = urlsplit(url)
    if source.startswith("'"):
        return False  # 'none', 'nonce-...': never a URL
    if source.endswith(":"):
        return parts.scheme == source[:-1]
    allowed = urlsplit(source)
    if allowed.scheme != parts.scheme or allowed.hostname is None or parts.hostname is None:
        return False
    pattern, host = allowed.hostname, parts.hostname
    if pattern.startswith("*."):
        if not host.endswith(pattern[1:]):
            return False
    elif host != pattern:
        return False
    default = {"http": 80, "https": 443}[parts.scheme]
    return (allowed.port or default) == (parts.port or default)


def csp_allows(csp: str, directive: str, url: str) -> bool:
    parsed = directives(csp)
    sources = parsed.get(directive, parsed["default-src"])
    return any(_source_matches(source, url) for source in sources)


def example_of(host: str) -> str:
    """A concrete host that the table's `host` names ("*.x" -> "sub.x")."""
    return "sub" + host[1:] if host.startswith("*.") else host


@pytest.mark.parametrize("emulator_origin", [None, EMULATOR])
def test_every_host_of_each_directive_is_allowed_by_the_csp_and_the_interceptor(
    emulator_origin: str | None,
) -> None:
    csp = content_security_policy("NONCE", emulator_origin)
    policy = RequestPolicy(emulator_origin=emulator_origin)
    assert set(STRIPE_SOURCES) <= set(directives(csp))
    for directive, hosts in STRIPE_SOURCES.items():
        for host in hosts:
            url = f"https://{example_of(host)}/x"
            assert csp_allows(csp, directive, url), (directive, url)
            assert policy.decide(url).allowed, url
            plain = f"http://{example_of(host)}/x"
            assert not csp_allows(csp, directive, plain), (directive, plain)
            assert not policy.decide(plain).allowed, plain


@pytest.mark.parametrize("emulator_origin", [None, EMULATOR])
def test_the_interceptor_allows_exactly_what_some_directive_of_the_csp_allows(
    emulator_origin: str | None,
) -> None:
    csp = content_security_policy("NONCE", emulator_origin)
    policy = RequestPolicy(emulator_origin=emulator_origin)
    probes = [f"https://{example_of(host)}/x" for host in STRIPE_HOSTS]
    probes += [f"https://{host}/x" for host in OUTSIDE]
    probes += [f"https://{example_of(host)}:8443/x" for host in STRIPE_HOSTS]
    probes += [f"https://{example_of(host)}:443/x" for host in STRIPE_HOSTS]
    probes += ["http://127.0.0.1:4242/x", "http://127.0.0.1:4243/x", "https://127.0.0.1:4242/x"]
    for url in probes:
        by_csp = any(csp_allows(csp, directive, url) for directive in directives(csp))
        assert by_csp == policy.decide(url).allowed, url


@pytest.mark.parametrize("emulator_origin", [None, EMULATOR])
def test_a_host_outside_the_table_is_refused_by_both(emulator_origin: str | None) -> None:
    csp = content_security_policy("NONCE", emulator_origin)
    policy = RequestPolicy(emulator_origin=emulator_origin)
    for host in OUTSIDE:
        url = f"https://{host}/x"
        assert not policy.decide(url).allowed, url
        for directive in directives(csp):
            assert not csp_allows(csp, directive, url), (directive, url)


def test_the_emulator_stands_in_for_stripe_only_when_configured() -> None:
    without = content_security_policy("NONCE", None)
    with_emulator = content_security_policy("NONCE", EMULATOR)
    for directive in STRIPE_SOURCES:
        assert not csp_allows(without, directive, f"{EMULATOR}/x")
        assert csp_allows(with_emulator, directive, f"{EMULATOR}/x")
        assert not csp_allows(with_emulator, directive, "http://127.0.0.1:4243/x")
    assert not RequestPolicy().decide(f"{EMULATOR}/x").allowed
    assert RequestPolicy(emulator_origin=EMULATOR).decide(f"{EMULATOR}/x").allowed
    assert not RequestPolicy(emulator_origin=EMULATOR).decide("http://127.0.0.1:4243/x").allowed
    # Directives without Stripe hosts never name the emulator either.
    for directive, sources in directives(with_emulator).items():
        if directive not in STRIPE_SOURCES:
            assert EMULATOR not in sources, directive


def test_the_csp_keeps_inline_code_to_the_nonce() -> None:
    parsed = directives(content_security_policy("NONCE", None))
    assert parsed["default-src"] == ["'none'"]
    assert parsed["script-src"][0] == parsed["style-src"][0] == "'nonce-NONCE'"
    assert parsed["style-src"] == ["'nonce-NONCE'"]
    for directive in ("font-src", "object-src", "base-uri", "form-action"):
        assert parsed[directive] == ["'none'"]
    assert not any("unsafe" in s for sources in parsed.values() for s in sources)


# -- a card issuer's 3-D Secure page ----------------------------------------------------------

ACS = "https://acs.bank.example"
PAGE = PAGE_URL.rstrip("/")
#: Stripe's frame that opens the issuer's page, and Stripe's card frame.
STRIPE_3DS = "https://hooks.stripe.com"
CARD_FRAME = "https://js.stripe.com"


def opened() -> RequestPolicy:
    """A policy after Stripe's 3-D Secure frame framed the issuer's challenge page."""
    policy = RequestPolicy()
    verdict = policy.decide(f"{ACS}/challenge", initiator=STRIPE_3DS, kind=Kind.FRAME)
    assert verdict.allowed and verdict.opens == ACS
    assert policy.issuer_origins == {ACS}
    return policy


#: (url, the origin of the frame that asks, what it loads, allowed) once the issuer is open.
ISSUER_RULES = [
    # Its own frame: its own origin, what the page shows from elsewhere, Stripe.
    (f"{ACS}/challenge/next", ACS, Kind.FRAME, True),
    (f"{ACS}/api/status", ACS, Kind.OTHER, True),
    ("https://cdn.bank.example/logo.png", ACS, Kind.PASSIVE, True),
    ("https://cdn.bank.example/app.js", ACS, Kind.PASSIVE, True),
    ("https://hooks.stripe.com/3d_secure_2/complete", ACS, Kind.FRAME, True),
    # Its own frame sending elsewhere, over http, on another port, or leaving the page.
    ("https://evil.example/collect?n=4242", ACS, Kind.OTHER, False),
    ("https://cdn.bank.example/beacon", ACS, Kind.OTHER, False),
    ("http://cdn.bank.example/logo.png", ACS, Kind.PASSIVE, False),
    ("https://acs.bank.example:8443/api", ACS, Kind.OTHER, False),
    ("https://evil.example/", ACS, Kind.PAGE, False),
    # Other frames reaching the issuer, or what its page loads: the page, Stripe's card frame.
    (f"{ACS}/api", PAGE, Kind.OTHER, False),
    (f"{ACS}/challenge", PAGE, Kind.FRAME, False),
    (f"{ACS}/logo.png", PAGE, Kind.PASSIVE, False),
    (f"{ACS}/api", CARD_FRAME, Kind.OTHER, False),
    ("https://cdn.bank.example/logo.png", PAGE, Kind.PASSIVE, False),
    ("https://cdn.bank.example/logo.png", CARD_FRAME, Kind.PASSIVE, False),
    ("https://cdn.bank.example/logo.png", "", Kind.PASSIVE, False),
]


@pytest.mark.parametrize(
    ("url", "frame", "kind", "allowed"),
    ISSUER_RULES,
    ids=[f"{k.value} {u} from {f or 'the browser'}" for u, f, k, _ in ISSUER_RULES],
)
def test_the_issuers_page_and_what_it_loads_are_allowed_for_its_own_frame_only(
    url: str, frame: str, kind: Kind, allowed: bool
) -> None:
    policy = opened()
    assert policy.decide(url, initiator=frame, kind=kind).allowed is allowed
    assert policy.issuer_origins == {ACS}  # nothing else became an issuer


def test_only_stripes_own_3ds_frame_opens_an_issuers_page() -> None:
    for frame in (
        PAGE,
        "https://m.stripe.network",
        "http://hooks.stripe.com",
        "https://hooks.stripe.com:8443",
        "https://hooks.stripe.com.evil.example",
        "",
    ):
        policy = RequestPolicy()
        assert not policy.decide(f"{ACS}/challenge", initiator=frame, kind=Kind.FRAME).allowed
        assert policy.issuer_origins == set(), frame
    policy = RequestPolicy()
    # Opened as a frame only: Stripe's frame fetching a host does not make it an issuer.
    assert not policy.decide(f"{ACS}/challenge", initiator=STRIPE_3DS).allowed
    assert not policy.decide(
        "http://acs.bank.example/", initiator=STRIPE_3DS, kind=Kind.FRAME
    ).allowed
    assert policy.issuer_origins == set()
    # Before Stripe opens it, the issuer's own requests are nobody's.
    assert not policy.decide(f"{ACS}/api", initiator=ACS).allowed


def test_the_issuers_frame_may_move_on_and_the_next_page_is_its_own() -> None:
    policy = opened()
    otp = "https://otp.bank.example"
    assert policy.decide(f"{otp}/enter", initiator=ACS, kind=Kind.FRAME).allowed
    assert policy.issuer_origins == {ACS, otp}
    assert policy.decide(f"{otp}/verify", initiator=otp).allowed
    assert not policy.decide("https://evil.example/x", initiator=otp).allowed
    assert not policy.decide(f"{otp}/verify", initiator=PAGE).allowed


def test_the_decision_is_a_function_of_the_request_and_the_issuers_opened() -> None:
    opening = PageRequest(f"{ACS}/challenge", STRIPE_3DS, Kind.FRAME)
    fetch = PageRequest(f"{ACS}/api", ACS, Kind.OTHER)
    nobody: frozenset[str] = frozenset()

    assert decide(opening, None, nobody) == decide(opening, None, nobody)
    assert decide(opening, None, nobody).opens == ACS
    assert not decide(fetch, None, nobody).allowed
    assert decide(fetch, None, frozenset({ACS})).allowed
    assert decide(fetch, None, frozenset({ACS})).opens is None

"""The add-card page's two gates agree: its Content-Security-Policy and the request policy
behind the interceptor are both written from `STRIPE_SOURCES`, so whatever one lets the page
load, the other does too. Plain Python: no display, no browser.

The CSP side is read back from the CSP text with a small matcher of CSP host sources written
here, not with the code under test."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from ui.add_card_page import (
    STRIPE_HOSTS,
    STRIPE_SOURCES,
    RequestPolicy,
    content_security_policy,
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


@pytest.mark.parametrize("emulator", [None, EMULATOR])
def test_every_host_of_each_directive_is_allowed_by_the_csp_and_the_interceptor(
    emulator: str | None,
) -> None:
    csp = content_security_policy("NONCE", emulator)
    policy = RequestPolicy(emulator_origin=emulator)
    assert set(STRIPE_SOURCES) <= set(directives(csp))
    for directive, hosts in STRIPE_SOURCES.items():
        for host in hosts:
            url = f"https://{example_of(host)}/x"
            assert csp_allows(csp, directive, url), (directive, url)
            assert policy.decide(url).allowed, url
            plain = f"http://{example_of(host)}/x"
            assert not csp_allows(csp, directive, plain), (directive, plain)
            assert not policy.decide(plain).allowed, plain


@pytest.mark.parametrize("emulator", [None, EMULATOR])
def test_the_interceptor_allows_exactly_what_some_directive_of_the_csp_allows(
    emulator: str | None,
) -> None:
    csp = content_security_policy("NONCE", emulator)
    policy = RequestPolicy(emulator_origin=emulator)
    probes = [f"https://{example_of(host)}/x" for host in STRIPE_HOSTS]
    probes += [f"https://{host}/x" for host in OUTSIDE]
    probes += [f"https://{example_of(host)}:8443/x" for host in STRIPE_HOSTS]
    probes += [f"https://{example_of(host)}:443/x" for host in STRIPE_HOSTS]
    probes += ["http://127.0.0.1:4242/x", "http://127.0.0.1:4243/x", "https://127.0.0.1:4242/x"]
    for url in probes:
        by_csp = any(csp_allows(csp, directive, url) for directive in directives(csp))
        assert by_csp == policy.decide(url).allowed, url


@pytest.mark.parametrize("emulator", [None, EMULATOR])
def test_a_host_outside_the_table_is_refused_by_both(emulator: str | None) -> None:
    csp = content_security_policy("NONCE", emulator)
    policy = RequestPolicy(emulator_origin=emulator)
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

"""The add-card rules that need no browser and no display: which requests the page may make,
its Content-Security-Policy, the only two messages the page may send
(ui/add_card/add_card_page.py is Qt-free on purpose), and which publishable key the page
gets (app/operations/__init__.py)."""

from __future__ import annotations

import pytest


def test_the_request_policy_allows_stripe_the_emulator_and_issuer_pages_opened_by_stripe() -> None:
    from ui.add_card.add_card_page import Kind, RequestPolicy

    policy = RequestPolicy(emulator_origin="http://127.0.0.1:4242")
    allowed = [
        "https://js.stripe.com/v3/",
        "https://api.stripe.com/v1/setup_intents/seti_1/confirm",
        "https://m.stripe.network/inner.html",
        "https://hooks.stripe.com/3d_secure_2/hosted",
        "https://b.stripecdn.com/assets/x.js",
        "http://127.0.0.1:4242/js.stripe.com/v3/",
        "data:image/png;base64,AAAA",
    ]
    for url in allowed:
        assert policy.decide(url).allowed, url
    blocked = [
        "http://js.stripe.com/v3/",  # not https
        "https://js.stripe.com.evil.example/v3/",
        "https://evilstripe.com/",
        "http://127.0.0.1:4243/",  # another port than the emulator's
        "https://add-card.billing-admin.invalid/favicon.ico",
        "file:///etc/passwd",
        "https://bank.example/acs",  # not opened by Stripe
    ]
    for url in blocked:
        assert not policy.decide(url).allowed, url
    # A bank's 3-D Secure page framed by Stripe's 3-D Secure frame, and what it shows
    # (tests/ui/test_page_policy.py has the rest of the issuer's rules).
    assert not policy.decide("https://acs.bank.example/challenge", kind=Kind.FRAME).allowed
    assert policy.decide(
        "https://acs.bank.example/challenge",
        initiator="https://hooks.stripe.com",
        kind=Kind.FRAME,
    ).allowed
    assert policy.decide(
        "https://cdn.bank.example/logo.png", initiator="https://acs.bank.example", kind=Kind.PASSIVE
    ).allowed
    assert not policy.decide(
        "https://other.example/", initiator="http://hooks.stripe.com", kind=Kind.FRAME
    ).allowed


def test_the_csp_lists_the_same_hosts_and_the_emulator_only_when_configured() -> None:
    from ui.add_card.add_card_page import content_security_policy

    csp = content_security_policy("NONCE", None)
    assert "script-src 'nonce-NONCE' https://js.stripe.com https://*.js.stripe.com;" in csp
    assert "default-src 'none'" in csp and "unsafe-inline" not in csp
    assert "127.0.0.1" not in csp
    emulated = content_security_policy("NONCE", "http://127.0.0.1:4242")
    for directive in ("script-src", "connect-src", "frame-src"):
        part = next(p for p in emulated.split("; ") if p.startswith(directive))
        assert "http://127.0.0.1:4242" in part


def test_only_the_two_page_messages_are_accepted() -> None:
    from ui.add_card.add_card_page import PageMessage, parse_message

    assert parse_message('{"setup_intent": "seti_123abc"}') == PageMessage(
        setup_intent="seti_123abc"
    )
    assert parse_message('{"error": "Your card was declined.\\n"}') == PageMessage(
        error="Your card was declined."
    )
    for bad in (
        '{"setup_intent": "seti_1", "error": "x"}',
        '{"setup_intent": "seti_1_secret_abc"}',
        '{"setup_intent": 5}',
        '{"customer": "cus_1"}',
        "x" * 5000,
        None,
    ):
        with pytest.raises(ValueError):
            parse_message(bad)


@pytest.mark.parametrize(
    ("secret", "publishable", "problem"),
    [
        ("sk_test_abcdefgh1234", None, "needs the account's publishable key"),
        (
            "sk_test_abcdefgh1234",
            "pk_live_abcdefgh1234",
            "is a live key but the secret key is a test",
        ),
        (
            "sk_live_abcdefgh1234",
            "pk_test_abcdefgh1234",
            "is a test key but the secret key is a live",
        ),
        ("sk_test_abcdefgh1234", "sk_test_abcdefgh1234", "is not a publishable key"),
        ("sk_test_abcdefgh1234", "pk_test_abcdefgh1234", ""),
    ],
)
def test_the_publishable_key_must_match_the_secret_keys_mode(
    secret: str, publishable: str | None, problem: str
) -> None:
    from app.errors import UsageError
    from app.gateway import Gateway
    from app.operations import Operations
    from app.settings import Settings
    from app.settings.credentials import SecretKey

    gateway = Gateway(SecretKey(secret, "test"), Settings(publishable_key=publishable))
    ops = Operations(gateway, None, "default")  # type: ignore[arg-type]
    if problem:
        with pytest.raises(UsageError, match=problem):
            ops.publishable_key()
    else:
        assert ops.publishable_key() == publishable


def test_the_emulator_key_pairs_with_the_emulators_publishable_key() -> None:
    from app.demo.emulator import EMULATOR_KEY, EMULATOR_PUBLISHABLE_KEY
    from app.errors import UsageError
    from app.gateway import Gateway
    from app.operations import Operations
    from app.settings import Settings
    from app.settings.credentials import SecretKey

    emulated = Settings(api_base="http://127.0.0.1:4242")
    ops = Operations(Gateway(SecretKey(EMULATOR_KEY, "emulator"), emulated), None, "demo")  # type: ignore[arg-type]
    assert ops.publishable_key() == EMULATOR_PUBLISHABLE_KEY
    # Against Stripe itself the placeholder means nothing: a real key must be set.
    ops = Operations(Gateway(SecretKey(EMULATOR_KEY, "emulator"), Settings()), None, "demo")  # type: ignore[arg-type]
    with pytest.raises(UsageError):
        ops.publishable_key()

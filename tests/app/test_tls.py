"""Reaching Stripe over TLS as a company network has it: whose certificates are trusted, a
proxy that tunnels or refuses, and one sentence (exit 4) for each way it fails.

Stripe is stood in for by tests/support/standin.py: an HTTPS server on loopback, with a
certificate from a throwaway CA (trustme), answering in Stripe's published shapes. The
emulator cannot do this: it speaks plain http.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import stripe

from app.cache.models import Card, Customer, SyncState
from app.context import Context
from app.settings import Profile
from tests.support.standin import KEY, ConnectProxy, StandIn, serving

pytestmark = pytest.mark.sqlite_only  # about the network; the cache is only looked into


@pytest.fixture
def proxy() -> Iterator[ConnectProxy]:
    tunnel = ConnectProxy()
    tunnel.start()
    yield tunnel
    tunnel.listener.close()


def _rows() -> dict[str, int]:
    context = Context(Profile())
    try:
        context.cache()
        # The migrations make the one sync-state row; a sync that ran would fill it in.
        synced = SyncState.select().where(
            SyncState.event_cursor.is_null(False)
            | SyncState.last_sync.is_null(False)
            | SyncState.last_full_sync.is_null(False)
        )
        return {
            "customers": Customer.select().count(),
            "cards": Card.select().count(),
            "sync state": synced.count(),
        }
    finally:
        context.close()


NOTHING = {"customers": 0, "cards": 0, "sync state": 0}


def _no_bug(ran: Any) -> None:
    assert "(a bug)" not in ran.err and "Traceback" not in ran.err


def test_an_untrusted_certificate_is_named_and_writes_nothing(standin: StandIn, cli: Any) -> None:
    ran = cli("sync", "--full")

    assert ran.code == 4
    assert "the certificate of 127.0.0.1 is not trusted: " in ran.err
    assert "ca_file" in ran.err  # what to do about it
    _no_bug(ran)
    assert _rows() == NOTHING


@pytest.mark.parametrize("variable", ["SSL_CERT_FILE", "REQUESTS_CA_BUNDLE"])
def test_the_environment_names_the_ca_file_to_trust(
    standin: StandIn, ca: Path, cli: Any, monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    monkeypatch.setenv(variable, str(ca / "ca.pem"))

    assert cli("sync", "--full").code == 0
    listed = json.loads(cli("customers", "--json").out)["customers"]
    assert [c["name"] for c in listed] == [f"Stand-in customer {n}" for n in (1, 2, 3)]


def test_the_environment_s_file_replaces_the_default_anchors(
    standin: StandIn, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As with OpenSSL and requests: the file named is what is trusted, not an addition."""
    monkeypatch.setenv("SSL_CERT_FILE", stripe.ca_bundle_path)  # Stripe's CA, not ours

    ran = cli("sync", "--full")
    assert ran.code == 4 and "is not trusted" in ran.err


def test_the_ca_file_setting_adds_a_company_ca(standin: StandIn, ca: Path, cli: Any) -> None:
    assert cli("config", "set", "ca_file", str(ca / "ca.pem")).code == 0

    assert cli("sync", "--full").code == 0
    assert _rows()["customers"] == 3


@pytest.mark.parametrize(
    ("content", "why"),
    [(None, "cannot be read: No such file or directory"), ("not a PEM", "holds no PEM")],
)
def test_a_ca_file_setting_that_is_no_pem_file_is_refused(
    home: Path, cli: Any, tmp_path: Path, content: str | None, why: str
) -> None:
    path = tmp_path / "company-ca.pem"
    if content is not None:
        path.write_text(content)

    ran = cli("config", "set", "ca_file", str(path))
    assert ran.code == 2 and why in ran.err
    assert "ca_file =     # default" in cli("config", "show").out  # nothing stored


def test_a_ca_file_gone_since_it_was_set_is_named_when_loaded(
    standin: StandIn, ca: Path, cli: Any, tmp_path: Path
) -> None:
    path = tmp_path / "moved.pem"
    path.write_bytes((ca / "ca.pem").read_bytes())
    assert cli("config", "set", "ca_file", str(path)).code == 0
    path.unlink()

    ran = cli("sync", "--full")
    assert ran.code == 2 and "ca_file" in ran.err and "No such file" in ran.err
    _no_bug(ran)


def test_stripe_s_own_ca_file_missing_is_a_sentence_not_a_bug(
    standin: StandIn, cli: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The bundle once shipped without it: requests then raised an OSError ("a bug")."""
    monkeypatch.setattr(stripe, "ca_bundle_path", str(tmp_path / "ca-certificates.crt"))

    ran = cli("sync", "--full")
    assert ran.code == 4
    assert f"the CA file {tmp_path / 'ca-certificates.crt'}" in ran.err
    assert "cannot be read" in ran.err
    _no_bug(ran)
    assert _rows() == NOTHING


def test_a_failed_handshake_is_named(home: Path, cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A server that does not speak TLS where TLS is expected."""
    plain = StandIn(1)  # http only
    with serving(plain):
        monkeypatch.setenv("STRIPE_API_BASE", plain.url.replace("http:", "https:"))
        monkeypatch.setenv("STRIPE_API_KEY", KEY)
        ran = cli("sync", "--full")
    assert ran.code == 4 and "the TLS handshake with 127.0.0.1 failed: " in ran.err
    _no_bug(ran)


def test_a_connect_proxy_carries_the_sync(
    standin: StandIn, ca: Path, proxy: ConnectProxy, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(ca / "ca.pem"))
    monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{proxy.port}")

    assert cli("sync", "--full").code == 0
    assert _rows()["customers"] == 3
    port = standin.server_address[1]
    assert proxy.seen and all(line.startswith(f"CONNECT 127.0.0.1:{port} ") for line in proxy.seen)


def test_no_proxy_keeps_a_host_off_the_proxy(
    standin: StandIn, ca: Path, proxy: ConnectProxy, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(ca / "ca.pem"))
    monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{proxy.port}")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")

    assert cli("sync", "--full").code == 0
    assert proxy.seen == []


def test_a_proxy_that_refuses_is_named_without_its_password(
    standin: StandIn, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    refusing = ConnectProxy(refuse=True)
    refusing.start()
    monkeypatch.setenv("HTTPS_PROXY", f"http://alice:s3cret@127.0.0.1:{refusing.port}")

    ran = cli("sync", "--full")
    refusing.listener.close()
    assert ran.code == 4
    assert f"the proxy http://127.0.0.1:{refusing.port} would not connect to 127.0.0.1" in ran.err
    assert "403" in ran.err and "s3cret" not in ran.err
    _no_bug(ran)


def test_a_live_key_behind_a_proxy_is_still_addressed_to_stripe(
    home: Path, proxy: ConnectProxy, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The proxy (which tunnels to loopback only) is asked for api.stripe.com, nothing else."""
    monkeypatch.setenv("STRIPE_API_KEY", "sk_live_" + "L" * 24)
    monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{proxy.port}")
    monkeypatch.setenv("NO_PROXY", "")

    ran = cli("sync", "--full")
    assert ran.code == 4
    assert proxy.seen and all(line.startswith("CONNECT api.stripe.com:443 ") for line in proxy.seen)


def test_doctor_names_the_certificate_and_the_ca_setting(standin: StandIn, cli: Any) -> None:
    ran = cli("doctor", "--json")

    assert ran.code == 7
    checks = {c["name"]: c for c in json.loads(ran.out)["checks"]}
    assert checks["stripe"]["status"] == "failed"
    assert "the certificate of 127.0.0.1 is not trusted" in checks["stripe"]["detail"]
    assert "config set ca_file" in checks["stripe"]["fix"]
    assert "operating system's certificate store" in checks["stripe"]["fix"]


def test_doctor_says_which_ca_sources_are_in_use(
    standin: StandIn, ca: Path, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert cli("config", "set", "ca_file", str(ca / "ca.pem")).code == 0

    checks = {c["name"]: c for c in json.loads(cli("doctor", "--json").out)["checks"]}
    assert checks["stripe"]["status"] == "ok"
    assert checks["key accepted"]["status"] == "ok"
    detail = checks["stripe"]["detail"]
    assert stripe.ca_bundle_path in detail
    assert str(ca / "ca.pem") in detail and "the ca_file setting" in detail
    assert "operating system's certificate store" in detail


def test_stripe_s_request_id_is_in_the_log_and_in_doctor(
    standin: StandIn, ca: Path, cli: Any, monkeypatch: pytest.MonkeyPatch, caplog: Any
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(ca / "ca.pem"))
    monkeypatch.setenv("STRIPE_API_KEY", "sk_test_" + "R" * 20 + "Revoked")

    with caplog.at_level(logging.WARNING, logger="app.gateway"):
        assert cli("sync", "--full").code == 5
    assert any("Request-Id req_StandIn" in r.getMessage() for r in caplog.records)
    checks = {c["name"]: c for c in json.loads(cli("doctor", "--json").out)["checks"]}
    assert "(Request-Id req_StandIn" in checks["key accepted"]["detail"]

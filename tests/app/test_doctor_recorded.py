"""`billing-admin doctor` against what only Stripe says: a restricted key's permissions and a
billing portal never configured. The emulator accepts no restricted key and has no portal, so
a local HTTP server (pytest-httpserver) stands in for Stripe, answering with Stripe's recorded
bodies: a 403 for a permission the key lacks (Stripe's docs: an `invalid_request_error`, whose
message names the permission; stripe-python raises PermissionError for any 403), a 404
`resource_missing` for a write it may make, aimed at an object that does not exist."""

from __future__ import annotations

import re
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from app.doctor.permissions import NO_CUSTOMER, NO_PAYMENT_METHOD, NO_SETUP_INTENT
from tests.support.doctor import run_doctor

KEY = "rk_test_51RecordedDoctor0000abcd"


def empty_list(url: str) -> dict[str, Any]:
    return {"object": "list", "data": [], "has_more": False, "url": url}


def lacks(permission: str, label: str) -> dict[str, Any]:
    """Stripe's 403 for a restricted key without `permission` (recorded message form)."""
    return {
        "error": {
            "code": "more_permissions_required",
            "message": "Permission denied. The provided key 'rk_test_*****************abcd' does "
            "not have the required permissions for this endpoint on account "
            f"'acct_1RecordedExample'. Enabling \"{label}\" ('{permission}') permissions on "
            "this key would allow this request to continue.",
            "type": "invalid_request_error",
        }
    }


def missing(kind: str, object_id: str, param: str) -> dict[str, Any]:
    """Stripe's answer to a write aimed at an object that does not exist."""
    return {
        "error": {
            "code": "resource_missing",
            "doc_url": "https://stripe.com/docs/error-codes/resource-missing",
            "message": f"No such {kind}: '{object_id}'",
            "param": param,
            "type": "invalid_request_error",
        }
    }


#: The account's default portal configuration, as Stripe's own fixture shows it.
DEFAULT_PORTAL = {
    "object": "list",
    "data": [
        {
            "id": "bpc_1Pgc70B7WZ01zgkWSnFO04Vt",
            "object": "billing_portal.configuration",
            "active": True,
            "is_default": True,
            "livemode": False,
        }
    ],
    "has_more": False,
    "url": "/v1/billing_portal/configurations",
}
NO_DEFAULT_PORTAL_SESSION = {
    "error": {
        "message": "No configuration provided and your test mode default configuration has not "
        "been created. Provide a configuration or create your default by saving your customer "
        "portal settings in test mode at https://dashboard.stripe.com/test/settings/billing/portal.",
        "type": "invalid_request_error",
    }
}
WRITES = {
    f"/v1/customers/{NO_CUSTOMER}": missing("customer", NO_CUSTOMER, "id"),
    f"/v1/payment_methods/{NO_PAYMENT_METHOD}/detach": missing(
        "PaymentMethod", NO_PAYMENT_METHOD, "payment_method"
    ),
    f"/v1/setup_intents/{NO_SETUP_INTENT}/cancel": missing(
        "setup_intent", NO_SETUP_INTENT, "intent"
    ),
    "/v1/billing_portal/sessions": missing("customer", NO_CUSTOMER, "customer"),
}
READS = ("/v1/customers", "/v1/payment_methods", "/v1/events", "/v1/invoices", "/v1/subscriptions")


@pytest.fixture
def stripe(home: Any, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> HTTPServer:
    """The stand-in for Stripe, with a restricted test key that may do everything the app
    does: tests override single answers (pytest-httpserver takes the first handler that
    matches, so overrides are registered first by the test, then `serve_the_rest`)."""
    monkeypatch.setenv("STRIPE_API_BASE", httpserver.url_for("").rstrip("/"))
    monkeypatch.setenv("STRIPE_API_KEY", KEY)
    return httpserver


def serve_the_rest(server: HTTPServer, portal: dict[str, Any] = DEFAULT_PORTAL) -> None:
    for path in READS:
        server.expect_request(path, method="GET").respond_with_json(empty_list(path))
    for path, body in WRITES.items():
        server.expect_request(path, method="POST").respond_with_json(body, status=404)
    server.expect_request("/v1/billing_portal/configurations", method="GET").respond_with_json(
        portal
    )


def test_a_restricted_key_with_every_permission_passes(stripe: HTTPServer, cli: Any) -> None:
    serve_the_rest(stripe)

    code, checks, said = run_doctor(cli)

    assert code == 0, checks
    assert checks["secret key"]["detail"].startswith("Restricted key rk_test_…abcd, test mode")
    assert checks["permissions"]["status"] == "ok"
    assert (
        "Customers, Payment Methods, Setup Intents, Customer portal"
        in (checks["permissions"]["detail"])
    )
    assert checks["billing portal"] == {
        "name": "billing portal",
        "status": "ok",
        "detail": "The default configuration bpc_1Pgc70B7WZ01zgkWSnFO04Vt is active.",
        "fix": "",
    }
    assert KEY not in said


def test_missing_permissions_are_named_as_the_dashboard_names_them(
    stripe: HTTPServer, cli: Any
) -> None:
    stripe.expect_request(
        f"/v1/payment_methods/{NO_PAYMENT_METHOD}/detach", method="POST"
    ).respond_with_json(lacks("payment_method_write", "Payment Methods Write"), status=403)
    stripe.expect_request(
        f"/v1/setup_intents/{NO_SETUP_INTENT}/cancel", method="POST"
    ).respond_with_json(lacks("setup_intent_write", "Setup Intents Write"), status=403)
    stripe.expect_request("/v1/events", method="GET").respond_with_json(
        lacks("event_read", "Events Read"), status=403
    )
    serve_the_rest(stripe)

    code, checks, said = run_doctor(cli)

    assert code == 7
    assert checks["key accepted"]["status"] == "ok"
    assert checks["permissions"] == {
        "name": "permissions",
        "status": "failed",
        "detail": "The restricted key lacks Payment Methods: Write (payment_method_write), "
        "Setup Intents: Write (setup_intent_write), Events: Read (event_read).",
        "fix": "In Stripe's Dashboard (Developers → API keys), edit this restricted key: "
        "Payment Methods → Write, Setup Intents → Write, Events → Read; then run "
        "'billing-admin doctor' again.",
    }
    assert KEY not in said


def test_a_row_with_neither_read_nor_write_is_named_once_at_write(
    stripe: HTTPServer, cli: Any
) -> None:
    denied = lacks("customer_read", "Customers Read")
    stripe.expect_request("/v1/customers", method="GET").respond_with_json(denied, status=403)
    stripe.expect_request(f"/v1/customers/{NO_CUSTOMER}", method="POST").respond_with_json(
        lacks("customer_write", "Customers Write"), status=403
    )
    serve_the_rest(stripe)

    code, checks, _ = run_doctor(cli)

    assert code == 7
    assert checks["key accepted"]["status"] == "ok"  # a 403, not a 401: the key is known
    assert checks["permissions"]["detail"] == (
        "The restricted key lacks Customers: Write (customer_write)."
    )


def test_the_probes_change_nothing(stripe: HTTPServer, cli: Any) -> None:
    serve_the_rest(stripe)

    run_doctor(cli)

    posts = [request.path for request, _ in stripe.log if request.method == "POST"]
    assert sorted(posts) == sorted(WRITES)
    probe_ids = re.compile(r"_billingadmindoctorprobe")
    for request, _ in stripe.log:
        if request.method == "POST":
            assert probe_ids.search(request.path + request.get_data(as_text=True))


def test_a_portal_never_configured_fails_and_offers_the_login_link(
    stripe: HTTPServer, cli: Any
) -> None:
    serve_the_rest(stripe, portal=empty_list("/v1/billing_portal/configurations"))

    code, checks, _ = run_doctor(cli)

    assert code == 7
    portal = checks["billing portal"]
    assert portal["status"] == "failed"
    assert portal["detail"] == (
        "No portal sessions: no default configuration was ever saved, so 'Open billing "
        "portal' cannot work."
    )
    assert "https://dashboard.stripe.com/test/settings/billing/portal" in portal["fix"]
    assert "config set portal_login_link https://billing.stripe.com/p/login/" in portal["fix"]


def test_with_a_login_link_an_unconfigured_portal_is_a_warning(
    stripe: HTTPServer, cli: Any
) -> None:
    link = "https://billing.stripe.com/p/login/test_abc"
    assert cli("config", "set", "portal_login_link", link).code == 0
    serve_the_rest(stripe, portal=empty_list("/v1/billing_portal/configurations"))

    code, checks, _ = run_doctor(cli)

    assert code == 0
    assert checks["billing portal"]["status"] == "warning"
    assert "portal_login_link is offered instead" in checks["billing portal"]["detail"]


def test_stripes_own_sentence_about_a_missing_portal_is_understood(
    stripe: HTTPServer, cli: Any
) -> None:
    # The configurations cannot be read here; creating a session says what is missing.
    stripe.expect_request("/v1/billing_portal/configurations").respond_with_json(
        lacks("customer_portal_read", "Customer portal Read"), status=403
    )
    stripe.expect_request("/v1/billing_portal/sessions", method="POST").respond_with_json(
        NO_DEFAULT_PORTAL_SESSION, status=400
    )
    serve_the_rest(stripe)

    code, checks, _ = run_doctor(cli)

    assert code == 7
    portal = checks["billing portal"]
    assert portal["status"] == "failed"
    assert "default configuration has not been created" in portal["detail"]
    assert "portal_login_link" in portal["fix"]


def test_a_chosen_portal_configuration_that_stripe_lacks_fails(
    stripe: HTTPServer, cli: Any
) -> None:
    assert cli("config", "set", "portal_configuration", "bpc_1Gone").code == 0
    stripe.expect_request("/v1/billing_portal/configurations/bpc_1Gone").respond_with_json(
        missing("billing_portal.configuration", "bpc_1Gone", "configuration"), status=404
    )
    serve_the_rest(stripe)

    code, checks, _ = run_doctor(cli)

    assert code == 7
    assert "Stripe has no configuration bpc_1Gone" in checks["billing portal"]["detail"]


def test_a_network_lost_midway_stops_the_probes_at_once(stripe: HTTPServer, cli: Any) -> None:
    # A captive portal's page instead of Stripe's answer: no more requests are worth waiting for.
    stripe.expect_request(
        f"/v1/payment_methods/{NO_PAYMENT_METHOD}/detach", method="POST"
    ).respond_with_data("<html>Sign in to the hotel Wi-Fi</html>", content_type="text/html")
    serve_the_rest(stripe)

    code, checks, _ = run_doctor(cli)

    assert code == 0
    permissions = checks["permissions"]
    assert permissions["status"] == "warning"
    assert permissions["detail"].startswith(
        "Could not tell for Payment Methods: Write and the rest (The answer from"
    )
    sent = [request.path for request, _ in stripe.log]
    assert f"/v1/setup_intents/{NO_SETUP_INTENT}/cancel" not in sent

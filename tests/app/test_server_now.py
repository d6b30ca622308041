"""A full sync's opening request: the server's clock from the Date header, and the ids of the
events created in that very second (the next incremental sync skips them). Read from Stripe's
published event object (tests/support's shapes), served by a local HTTP server
(pytest-httpserver) standing in for Stripe, whose Date header is its own clock: the events are
dated by that clock when the request comes (the emulator dates events itself)."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from app.context import Context
from app.settings import Profile
from tests.support.billing_account import shape

pytestmark = pytest.mark.sqlite_only  # no cache is read


def test_the_events_of_the_sync_s_first_second_are_noted_as_seen(
    home: Any, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STRIPE_API_BASE", httpserver.url_for("").rstrip("/"))
    monkeypatch.setenv("STRIPE_API_KEY", "sk_test_" + "0" * 24)
    dated: list[int] = []

    def newest_events(request: Request) -> Response:
        if time.time() % 1 > 0.9:  # the Date header (written just after) in the same second
            time.sleep(0.15)
        now = int(time.time())
        dated.append(now)
        events = [
            shape("event", id="evt_same_second_b", created=now),
            shape("event", id="evt_same_second_a", created=now),
            shape("event", id="evt_a_second_before", created=now - 1),
        ]
        page = {"object": "list", "data": events, "has_more": True, "url": "/v1/events"}
        return Response(json.dumps(page), content_type="application/json")

    httpserver.expect_request("/v1/events", method="GET").respond_with_handler(newest_events)
    ctx = Context(Profile())
    try:
        at, seen = ctx.gateway().server_now()
    finally:
        ctx.close()

    assert at == dated[0]
    assert seen == {"evt_same_second_a", "evt_same_second_b"}
    (request, _), *_ = httpserver.log
    assert request.args["limit"] == "100"  # one page of the newest, in the one request

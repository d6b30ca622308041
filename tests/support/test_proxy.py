"""The test proxy itself: counting, latency and each fault, against a tiny local server."""

from __future__ import annotations

import http.client
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.support.proxy import Proxy, RecordedRequest


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like Stripe and the emulator

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        server: _Server = self.server  # type: ignore[assignment]
        with server.lock:
            server.seen.append(f"{self.command} {self.path} {body.decode()}".strip())
        reply = f"you asked {self.command} {self.path}".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    do_GET = _answer
    do_POST = _answer

    def log_message(self, format: str, *args: object) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lock = threading.Lock()
        self.seen: list[str] = []


@pytest.fixture
def server() -> Iterator[_Server]:
    srv = _Server()
    thread = threading.Thread(target=srv.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


@pytest.fixture
def proxy(server: _Server) -> Iterator[Proxy]:
    with Proxy("127.0.0.1", server.server_address[1], max_lifetime=60) as running:
        yield running


def _connect(proxy: Proxy) -> http.client.HTTPConnection:
    return http.client.HTTPConnection("127.0.0.1", proxy.port, timeout=10)


def _get(conn: http.client.HTTPConnection, path: str) -> str:
    conn.request("GET", path)
    return conn.getresponse().read().decode()


def _get_once(proxy: Proxy, path: str) -> str:
    """One request on a new connection."""
    conn = _connect(proxy)
    try:
        return _get(conn, path)
    finally:
        conn.close()


def test_counts_every_request_on_a_keep_alive_connection(proxy: Proxy, server: _Server) -> None:
    conn = _connect(proxy)
    answers = [_get(conn, f"/v1/customers?n={i}") for i in range(3)]
    conn.request("POST", "/v1/customers", body=b"name=Ada", headers={"Idempotency-Key": "k-1"})
    assert conn.getresponse().read() == b"you asked POST /v1/customers"
    conn.close()
    assert answers == [f"you asked GET /v1/customers?n={i}" for i in range(3)]
    assert proxy.count == 4 == len(server.seen)
    recorded = proxy.requests
    assert {r.connection for r in recorded} == {1}  # one connection, four request lines
    assert [r.method for r in recorded] == ["GET", "GET", "GET", "POST"]
    assert recorded[-1].header("idempotency-key") == "k-1"
    assert recorded[-1].body == b"name=Ada"
    assert proxy.timestamps == sorted(proxy.timestamps)
    proxy.reset()
    assert proxy.count == 0


def test_latency_is_added_before_each_response(proxy: Proxy) -> None:
    proxy.latency = 0.2
    conn = _connect(proxy)
    for _ in range(2):
        started = time.monotonic()
        assert _get(conn, "/slow") == "you asked GET /slow"
        assert time.monotonic() - started >= 0.2
    conn.close()


def test_max_in_any_window_counts_a_half_open_window() -> None:
    proxy = Proxy("127.0.0.1", 9)
    for at in (0.0, 0.5, 0.99, 1.0, 1.2, 3.0):
        proxy._records.append(RecordedRequest(at, "GET", "/", {}, b"", 1))
    assert proxy.max_in_any_window(1.0) == 4  # 0.5, 0.99, 1.0, 1.2
    assert proxy.max_in_any_window(0.1) == 2
    assert proxy.max_in_any_window(10.0) == 6


def test_refuse_closes_connections_until_lifted(proxy: Proxy, server: _Server) -> None:
    conn = _connect(proxy)
    assert _get(conn, "/before") == "you asked GET /before"
    proxy.refuse = True
    with pytest.raises((ConnectionError, http.client.HTTPException)):
        _get(conn, "/during")
    conn.close()
    with pytest.raises((ConnectionError, http.client.HTTPException)):
        _get_once(proxy, "/during")
    assert proxy.refused_connections >= 1
    proxy.refuse = False
    assert _get_once(proxy, "/after") == "you asked GET /after"
    assert server.seen == ["GET /before", "GET /after"]


def test_cut_after_requests_answers_n_then_drops_the_network(proxy: Proxy, server: _Server) -> None:
    proxy.cut_after_requests(2)
    conn = _connect(proxy)
    assert _get(conn, "/1") == "you asked GET /1"
    assert _get(conn, "/2") == "you asked GET /2"
    with pytest.raises((ConnectionError, http.client.HTTPException)):
        _get(conn, "/3")
    conn.close()
    with pytest.raises((ConnectionError, http.client.HTTPException)):
        _get_once(proxy, "/4")
    assert server.seen == ["GET /1", "GET /2"]
    proxy.restore()
    assert _get_once(proxy, "/5") == "you asked GET /5"


def test_drop_next_response_lets_the_server_act_but_loses_the_answer(
    proxy: Proxy, server: _Server
) -> None:
    proxy.drop_next_response()
    conn = _connect(proxy)
    conn.request("POST", "/v1/detach", body=b"x=1", headers={"Idempotency-Key": "same-key"})
    with pytest.raises((ConnectionError, http.client.HTTPException)):
        conn.getresponse().read()
    conn.close()
    assert server.seen == ["POST /v1/detach x=1"]  # Stripe applied it
    assert proxy.requests[0].header("Idempotency-Key") == "same-key"
    assert _get_once(proxy, "/next") == "you asked GET /next"  # only one was dropped


def test_forwards_to_loopback_only() -> None:
    with pytest.raises(ValueError, match="loopback"):
        Proxy("api.stripe.com", 443)
    assert Proxy.to("http://127.0.0.1:12345").target == ("127.0.0.1", 12345)

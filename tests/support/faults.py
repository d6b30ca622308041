"""Servers that misbehave on demand: a Stripe in front of the emulator that forwards every
request, except those it is told to answer with 429 or a 5xx instead; and a server that
answers one byte at a time."""

from __future__ import annotations

import json
import re
import socket
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.support.proxy import max_in_any_window

_FORWARDED = ("Authorization", "Content-Type", "Idempotency-Key", "Stripe-Version")


@dataclass
class Seen:
    at: float
    method: str
    path: str
    status: int
    idempotency_key: str | None


@dataclass
class FaultyStripe:
    upstream: str
    server: HTTPServer = field(init=False)
    #: (method or None for any, status) to answer with, in order, before forwarding again.
    planned: deque[tuple[str | None, int]] = field(default_factory=deque)
    seen: list[Seen] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return self.server.url_for("").rstrip("/")

    def answer_next(self, *statuses: int, method: str | None = None) -> None:
        """Answer the next requests (only those of `method`, if given) with `statuses`."""
        with self._lock:
            self.planned.extend((method, status) for status in statuses)

    def max_in_any_second(self, seen: list[Seen] | None = None) -> int:
        return max_in_any_window(s.at for s in (self.seen if seen is None else seen))

    def handle(self, request: Request) -> Response:
        status = None
        with self._lock:
            for planned in self.planned:
                if planned[0] in (None, request.method):
                    self.planned.remove(planned)
                    status = planned[1]
                    break
        key = request.headers.get("Idempotency-Key")
        if status is not None:
            self.seen.append(Seen(time.monotonic(), request.method, request.path, status, key))
            kind = "rate_limit_error" if status == 429 else "api_error"
            body = {"error": {"type": kind, "message": f"Injected {status} for a test."}}
            return Response(json.dumps(body), status=status, content_type="application/json")
        url = self.upstream + request.full_path.rstrip("?")
        headers = {h: request.headers[h] for h in _FORWARDED if h in request.headers}
        forward = urllib.request.Request(
            url, data=request.get_data() or None, headers=headers, method=request.method
        )
        try:
            with urllib.request.urlopen(forward, timeout=30) as answer:
                code, payload, content_type = (
                    answer.status,
                    answer.read(),
                    answer.headers.get("Content-Type"),
                )
        except urllib.error.HTTPError as error:
            code, payload = error.code, error.read()
            content_type = error.headers.get("Content-Type")
        self.seen.append(Seen(time.monotonic(), request.method, request.path, code, key))
        return Response(payload, status=code, content_type=content_type)


@contextmanager
def faulty_stripe(upstream: str) -> Iterator[FaultyStripe]:
    faulty = FaultyStripe(upstream)
    faulty.server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    faulty.server.expect_request(re.compile(".*")).respond_with_handler(faulty.handle)
    faulty.server.start()
    try:
        yield faulty
    finally:
        faulty.server.clear()
        faulty.server.stop()


class Trickle:
    """A loopback server that answers every request with `response`, one byte every
    `interval` seconds: from its first byte, or from the body on (`head_at_once`). It gives
    up on a connection after `max_seconds`, so that a client without a deadline fails a
    test instead of hanging it."""

    def __init__(
        self,
        response: bytes,
        *,
        head_at_once: bool = False,
        interval: float = 0.5,
        max_seconds: float = 30.0,
    ) -> None:
        self.response = response
        self.at_once = response.index(b"\r\n\r\n") + 4 if head_at_once else 0
        self.interval = interval
        self.max_seconds = max_seconds
        #: Connections accepted so far.
        self.connections = 0
        self._stopping = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)
        self._threads = [threading.Thread(target=self._accept, daemon=True)]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._listener.getsockname()[1]}"

    def __enter__(self) -> Trickle:
        self._threads[0].start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopping.set()
        for thread in self._threads:
            thread.join(timeout=5)
        self._listener.close()

    def _accept(self) -> None:
        while not self._stopping.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            self.connections += 1
            thread = threading.Thread(target=self._answer, args=(conn,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _answer(self, conn: socket.socket) -> None:
        ends = time.monotonic() + self.max_seconds
        with conn:
            try:
                head = b""
                while b"\r\n\r\n" not in head:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    head += chunk
                conn.sendall(self.response[: self.at_once])
                for i in range(self.at_once, len(self.response)):
                    if self._stopping.wait(self.interval) or time.monotonic() > ends:
                        return
                    conn.sendall(self.response[i : i + 1])
            except OSError:
                return  # the client went away


class VirtualTime:
    """Stands in for the `time` module of app.gateway.ratelimit: a sleep returns at once and moves
    the clock to when it would have ended. Each thread sees the clock as it last read it,
    moved on by its own sleeps, so `woke()` is the slot the rate limiter gave that thread's
    request, whatever the other threads did meanwhile."""

    def __init__(self) -> None:
        self.now = 1000.0
        self._lock = threading.Lock()
        self._mine = threading.local()

    def monotonic(self) -> float:
        with self._lock:
            self._mine.at = self.now
            return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self._mine.at = getattr(self._mine, "at", self.now) + seconds
            self.now = max(self.now, self._mine.at)

    def woke(self) -> float:
        """When this thread's last sleep ended (or when it last read the clock)."""
        return float(getattr(self._mine, "at", self.now))

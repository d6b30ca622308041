"""A Stripe that misbehaves on demand: an HTTP server in front of the emulator that forwards
every request, except those it is told to answer with 429 or a 5xx instead."""

from __future__ import annotations

import json
import re
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

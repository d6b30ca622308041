"""A loopback HTTP/1.1 proxy for the benchmark and the reliability tests: it adds latency,
counts requests and can break the connection in the ways a real network does.

    with Proxy("127.0.0.1", emulator.port, latency=0.150) as proxy:
        settings = Settings(api_base=proxy.url)
        ...
        proxy.count                       # requests forwarded so far
        proxy.max_in_any_window(1.0)      # the most requests any one second held
        proxy.requests[-1].header("Idempotency-Key")

Faults:
  - `proxy.refuse = True`: every open connection is closed and new ones are accepted and closed
    at once (the server is unreachable) until `proxy.refuse = False` or `restore()`;
  - `proxy.cut_after_requests(n)`: the next n requests are answered, then the network goes
    away as with `refuse = True` (a sync cut in the middle);
  - `proxy.drop_next_response()`: the next request reaches the server, which acts on it, but
    the client's connection is closed before the answer comes back.

Standard library only. One thread per client connection; every request is read whole and its
response read whole before it is sent back (after `latency` seconds), so each request line
on a keep-alive connection is counted once. Listens on 127.0.0.1 only, forwards to a loopback
address only, holds at most `max_connections` connections and stops itself after
`max_lifetime` seconds.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import BinaryIO
from urllib.parse import urlsplit

LOOPBACK = ("127.0.0.1", "localhost", "::1")
_MAX_HEAD = 64 * 1024


@dataclass(frozen=True)
class RecordedRequest:
    """One request as it went through the proxy."""

    #: time.monotonic() when the proxy had read the request's head.
    at: float
    method: str
    path: str
    #: Header names in lower case.
    headers: Mapping[str, str]
    body: bytes
    #: Which client connection carried it (1, 2, ...): keep-alive reuse is visible.
    connection: int

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


def max_in_any_window(timestamps: Iterable[float], seconds: float = 1.0) -> int:
    """The most of `timestamps` that any window [t, t + seconds) holds."""
    times = sorted(timestamps)
    best = first = 0
    for last, at in enumerate(times):
        while at - times[first] >= seconds:
            first += 1
        best = max(best, last - first + 1)
    return best


class _Closed(Exception):
    """The peer closed the connection (or the proxy is cutting it)."""


class Proxy:
    def __init__(
        self,
        target_host: str,
        target_port: int,
        *,
        latency: float = 0.0,
        timeout: float = 30.0,
        max_connections: int = 64,
        max_lifetime: float = 1800.0,
    ) -> None:
        if target_host not in LOOPBACK:
            raise ValueError(f"the proxy forwards to loopback addresses only, not {target_host}")
        self.target = (target_host, target_port)
        #: Seconds added before each response is sent back to the client.
        self.latency = latency
        self.timeout = timeout
        self.max_connections = max_connections
        self.max_lifetime = max_lifetime
        self.port = 0
        #: Connections accepted and closed at once because of `refuse` or a cut.
        self.refused_connections = 0
        self._lock = threading.Lock()
        self._records: list[RecordedRequest] = []
        self._refuse = False
        self._cut_after: int | None = None
        #: Drop the answer to the next request of this method (None: of any method).
        self._drop_next: str | bool | None = False
        self._stopping = threading.Event()
        self._listener: socket.socket | None = None
        self._threads: list[threading.Thread] = []
        self._open: set[socket.socket] = set()
        self._connections = 0
        self._watchdog: threading.Timer | None = None

    @classmethod
    def to(cls, url: str, **kwargs: float) -> Proxy:
        """A proxy in front of `url` (http://127.0.0.1:PORT)."""
        parts = urlsplit(url)
        if parts.hostname is None or parts.port is None:
            raise ValueError(f"{url!r} names no host and port")
        return cls(parts.hostname, parts.port, **kwargs)  # type: ignore[arg-type]

    # -- running ------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Proxy:
        if self._listener is not None:
            return self
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen(128)
        listener.settimeout(0.1)
        self._listener = listener
        self.port = listener.getsockname()[1]
        self._spawn(self._accept_loop, "proxy-accept")
        self._watchdog = threading.Timer(self.max_lifetime, self.stop)
        self._watchdog.daemon = True
        self._watchdog.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._watchdog is not None:
            self._watchdog.cancel()
        self._close_all()
        current = threading.current_thread()
        for thread in list(self._threads):
            if thread is not current:
                thread.join(timeout=5)
        if self._listener is not None:
            self._listener.close()

    def __enter__(self) -> Proxy:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- what went through --------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._records)

    @property
    def count(self) -> int:
        with self._lock:
            return len(self._records)

    @property
    def timestamps(self) -> list[float]:
        return [r.at for r in self.requests]

    def reset(self) -> None:
        """Forget the requests recorded so far (faults stay as they are)."""
        with self._lock:
            self._records.clear()

    def max_in_any_window(self, seconds: float = 1.0) -> int:
        """The most recorded requests that any window [t, t + seconds) holds."""
        return max_in_any_window(self.timestamps, seconds)

    # -- faults -------------------------------------------------------------------------------

    @property
    def refuse(self) -> bool:
        return self._refuse

    @refuse.setter
    def refuse(self, on: bool) -> None:
        with self._lock:
            self._refuse = on
            if on:
                self._cut_after = None
        if on:
            self._close_all(keep_listener=True)

    def cut_after_requests(self, n: int) -> None:
        """Answer `n` more requests, then close every connection and refuse new ones."""
        if n < 0:
            raise ValueError("n must be 0 or more")
        if n == 0:
            self.refuse = True
            return
        with self._lock:
            self._cut_after = n

    def drop_next_response(self, method: str | None = None) -> None:
        """Forward the next request (the next `method` one, if given), then close its
        connection instead of answering."""
        with self._lock:
            self._drop_next = method

    def restore(self) -> None:
        """No more faults: accept connections and answer every request again."""
        with self._lock:
            self._refuse = False
            self._cut_after = None
            self._drop_next = False

    # -- the work -----------------------------------------------------------------------------

    def _spawn(self, target: object, name: str, *args: object) -> None:
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)  # type: ignore[arg-type]
        with self._lock:
            self._threads = [t for t in self._threads if t.is_alive()]
            self._threads.append(thread)
        thread.start()

    def _close_all(self, *, keep_listener: bool = False) -> None:
        with self._lock:
            sockets = list(self._open)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                sock.close()
        if not keep_listener and self._listener is not None:
            with contextlib.suppress(OSError):
                self._listener.close()

    def _accept_loop(self) -> None:
        assert self._listener is not None
        while not self._stopping.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                turned_away = self._refuse or len(self._open) >= self.max_connections
                if turned_away:
                    self.refused_connections += 1
                else:
                    self._connections += 1
                    number = self._connections
                    self._open.add(client)
            if turned_away:
                client.close()
                continue
            self._spawn(self._serve, f"proxy-conn-{number}", client, number)

    def _serve(self, client: socket.socket, number: int) -> None:
        upstream: socket.socket | None = None
        from_client: BinaryIO | None = None
        from_server: BinaryIO | None = None
        try:
            client.settimeout(self.timeout)
            from_client = client.makefile("rb")
            while not self._stopping.is_set():
                head = _read_head(from_client)
                if head is None:
                    return
                method, path, headers = _parse_request_head(head)
                at = time.monotonic()
                body = _read_body(from_client, headers, request=True)
                with self._lock:
                    if self._refuse:
                        return
                    self._records.append(RecordedRequest(at, method, path, headers, body, number))
                    armed = self._drop_next
                    drop = armed is not False and armed in (None, method)
                    if drop:
                        self._drop_next = False
                if upstream is None:
                    upstream = socket.create_connection(self.target, timeout=self.timeout)
                    with self._lock:
                        self._open.add(upstream)
                    from_server = upstream.makefile("rb")
                assert from_server is not None
                upstream.sendall(head + body)
                status_head = _read_head(from_server)
                if status_head is None:
                    return
                status, response_headers = _parse_response_head(status_head)
                no_body = method == "HEAD" or status in (204, 304) or 100 <= status < 200
                response_body = (
                    b"" if no_body else _read_body(from_server, response_headers, request=False)
                )
                if drop:
                    return
                if self.latency > 0 and self._stopping.wait(self.latency):
                    return
                with self._lock:
                    if self._refuse:
                        return
                client.sendall(status_head + response_body)
                cut = False
                with self._lock:
                    if self._cut_after is not None:
                        self._cut_after -= 1
                        if self._cut_after <= 0:
                            self._cut_after = None
                            self._refuse = cut = True
                if cut:
                    self._close_all(keep_listener=True)
                    return
                if _last_on_connection(status_head, response_headers, headers, no_body=no_body):
                    return
        except (_Closed, OSError, ValueError):
            return
        finally:
            for stream in (from_client, from_server):
                if stream is not None:
                    with contextlib.suppress(OSError):
                        stream.close()
            for sock in (client, upstream):
                if sock is None:
                    continue
                with self._lock:
                    self._open.discard(sock)
                with contextlib.suppress(OSError):
                    sock.close()


def _read_head(stream: BinaryIO) -> bytes | None:
    """The request or status line and headers, up to and including the blank line."""
    lines: list[bytes] = []
    size = 0
    while True:
        line = stream.readline(_MAX_HEAD)
        if not line:
            if lines:
                raise _Closed
            return None
        if not lines and line in (b"\r\n", b"\n"):
            continue  # stray blank line between requests
        lines.append(line)
        size += len(line)
        if size > _MAX_HEAD:
            raise ValueError("head too large")
        if line in (b"\r\n", b"\n"):
            return b"".join(lines)


def _headers(lines: list[bytes]) -> dict[str, str]:
    out: dict[str, str] = {}
    for raw in lines:
        name, _, value = raw.decode("latin-1").partition(":")
        if name.strip():
            out[name.strip().lower()] = value.strip()
    return out


def _parse_request_head(head: bytes) -> tuple[str, str, dict[str, str]]:
    first, *rest = head.split(b"\r\n")
    method, path, _version = first.decode("latin-1").split(" ", 2)
    return method, path, _headers(rest)


def _parse_response_head(head: bytes) -> tuple[int, dict[str, str]]:
    first, *rest = head.split(b"\r\n")
    status = int(first.split(b" ", 2)[1])
    return status, _headers(rest)


def _read_body(stream: BinaryIO, headers: Mapping[str, str], *, request: bool) -> bytes:
    """The body exactly as sent (chunked bodies keep their framing)."""
    if "chunked" in headers.get("transfer-encoding", "").lower():
        parts: list[bytes] = []
        while True:
            size_line = stream.readline(_MAX_HEAD)
            if not size_line:
                raise _Closed
            parts.append(size_line)
            size = int(size_line.split(b";")[0].strip(), 16)
            if size == 0:
                while True:  # trailers, then the blank line
                    trailer = stream.readline(_MAX_HEAD)
                    if not trailer:
                        raise _Closed
                    parts.append(trailer)
                    if trailer in (b"\r\n", b"\n"):
                        return b"".join(parts)
            data = stream.read(size + 2)
            if len(data) < size + 2:
                raise _Closed
            parts.append(data)
    if "content-length" in headers:
        length = int(headers["content-length"])
        data = stream.read(length)
        if len(data) < length:
            raise _Closed
        return data
    if request:
        return b""
    return stream.read()  # the server closes the connection to end the body


def _last_on_connection(
    status_head: bytes, response: Mapping[str, str], request: Mapping[str, str], *, no_body: bool
) -> bool:
    """Whether the connection ends after this exchange (then the client's ends too)."""
    if "close" in (response.get("connection", "").lower(), request.get("connection", "").lower()):
        return True
    if status_head.startswith(b"HTTP/1.0") and response.get("connection", "").lower() != (
        "keep-alive"
    ):
        return True
    framed = (
        no_body
        or "content-length" in response
        or "chunked" in response.get("transfer-encoding", "").lower()
    )
    return not framed

"""The HTTP client under stripe-python: every request ends by a deadline, and an answer that
is not Stripe's (a captive portal's page, a proxy's) is told apart from Stripe's refusals.

stripe-python's `RequestsClient` has per-read timeouts only, so a server that sends a byte
a second keeps a request alive for ever, in the headers as in the body. Here each request
has a watchdog that shuts its connection's socket down when the time is up, wherever the
request is blocked, and stripe-python's own network retries of the request (which keep its
idempotency key) share the same deadline.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import ssl
import threading
import time
from collections.abc import Mapping
from typing import Any, TypeVar
from urllib.parse import urlsplit

import requests
import stripe
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.poolmanager import PoolManager
from urllib3.response import HTTPResponse

from app.errors import UsageError
from app.gateway.trust import TrustSetupError, TrustSources
from app.settings import LIVE_ON_LOOPBACK_FOR_TESTS, STRIPE_API_BASE, is_loopback
from app.settings.credentials import Mode, SecretKey

#: Statuses with which a network, not Stripe, asks to sign in: any body then is not Stripe's.
_SIGN_IN_STATUSES = (407, 511)


class NotStripesAnswer(stripe.APIConnectionError):
    """An answer no Stripe API gives: a success or a redirect whose body is not a JSON
    object, or a network's request to sign in."""


class DeadlinePassed(stripe.APIConnectionError):
    """The request, retries included, took longer than its deadline."""


class ConnectionProblem(stripe.APIConnectionError):
    """A cause worth naming: a certificate that is not trusted, a failed TLS handshake, a
    proxy that refused, a CA file that cannot be used. `sentence` says it to the operator,
    `fix` what to do about it."""

    def __init__(self, sentence: str, fix: str) -> None:
        super().__init__(sentence, should_retry=False)
        self.sentence = sentence
        self.fix = fix


#: What to do about a certificate or a handshake, and about a proxy.
TRUST_FIX = (
    "if the network inspects TLS, add its CA with 'billing-admin config set ca_file FILE' or "
    "to the system's certificate store"
)
PROXY_FIX = (
    "check HTTPS_PROXY and NO_PROXY, or ask IT whether the proxy lets this computer reach Stripe"
)


class _Watchdog:
    """Shuts down the socket of this thread's request once `seconds` have passed."""

    current = threading.local()

    def __init__(self, seconds: float) -> None:
        self.fired = False
        self._lock = threading.Lock()
        self._socket: socket.socket | None = None
        self._over = False
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True

    def watch(self, sock: object) -> None:
        """The connection's socket, once the request is sent and its answer awaited."""
        # Behind an HTTPS proxy, TLS runs inside TLS: the socket is one level down.
        raw = sock if isinstance(sock, socket.socket) else getattr(sock, "socket", None)
        if not isinstance(raw, socket.socket):
            return
        with self._lock:
            self._socket = raw
            if self.fired:
                _shut(raw)

    def _fire(self) -> None:
        with self._lock:
            if self._over:  # the answer was read in time: the socket may be reused
                return
            self.fired = True
            if self._socket is not None:
                _shut(self._socket)

    def __enter__(self) -> _Watchdog:
        _Watchdog.current.dog = self
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self._over = True
        self._timer.cancel()
        _Watchdog.current.dog = None


def _shut(sock: socket.socket) -> None:
    # shutdown() wakes a read blocked in another thread (close() would not); the plain
    # socket's, so that an SSL object in use by that read is left alone.
    with contextlib.suppress(OSError):
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


class _WatchedConnection(HTTPConnection):
    """Hands its socket to the thread's watchdog before waiting for the answer."""

    def getresponse(self) -> HTTPResponse:  # type: ignore[override]  # as urllib3's own
        dog: _Watchdog | None = getattr(_Watchdog.current, "dog", None)
        if dog is not None:
            dog.watch(self.sock)
        return super().getresponse()


class _WatchedTLSConnection(_WatchedConnection, HTTPSConnection):
    pass


class _WatchedPool(HTTPConnectionPool):
    ConnectionCls = _WatchedConnection


class _WatchedTLSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedTLSConnection


_POOLS: dict[str, type[HTTPConnectionPool]] = {"http": _WatchedPool, "https": _WatchedTLSPool}


class _WatchedAdapter(requests.adapters.HTTPAdapter):
    """requests' adapter, with connections a watchdog can cut (directly or through an
    HTTP(S) proxy; a SOCKS proxy has connections of its own, cut only between reads), that
    verifies certificates against one SSL context (`trust`) and nothing else."""

    def __init__(self, context: ssl.SSLContext) -> None:
        self._context = context  # read by init_poolmanager, which the base __init__ calls
        super().__init__()

    def init_poolmanager(
        self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: Any
    ) -> None:
        pool_kwargs["ssl_context"] = self._context
        super().init_poolmanager(connections, maxsize, block, **pool_kwargs)
        self.poolmanager.pool_classes_by_scheme = _POOLS

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        proxy_kwargs.setdefault("ssl_context", self._context)
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if not proxy.lower().startswith("socks") and isinstance(manager, PoolManager):
            manager.pool_classes_by_scheme = _POOLS
        return manager

    def cert_verify(self, conn: Any, url: str, verify: Any, cert: Any) -> None:
        # requests would point the connection at certifi's file (or fail when that file is
        # missing, as in a bundle without it); the context already holds every anchor.
        conn.cert_reqs = "CERT_REQUIRED"
        conn.ca_certs = None
        conn.ca_cert_dir = None


class _Session(requests.Session):
    """requests' session, proxies from the environment included, except that the CA file
    variables are left to `trust` (requests would let them replace the context's anchors
    and add certifi's)."""

    def merge_environment_settings(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        merged: dict[str, Any] = super().merge_environment_settings(*args, **kwargs)
        merged["verify"] = True
        return merged


def _looks_like_stripes(status: int, body: bytes) -> bool:
    """Stripe answers with a JSON object. Error statuses are left to stripe-python, which
    says what they mean (the emulator answers a route it lacks with a 404 in plain text)."""
    if status >= 400 and status not in _SIGN_IN_STATUSES:
        return True
    try:
        return isinstance(json.loads(body.decode("utf-8")), dict)
    except ValueError:  # UnicodeDecodeError is one
        return False


class DeadlineClient(stripe.HTTPClient):
    """stripe-python's HTTP client interface over requests, with a deadline per request.

    Args:
        deadline: seconds a request may take in all, stripe-python's retries included.
        timeout: seconds to connect, and the most any one read may wait.
    """

    name = "billing-admin"

    def __init__(self, *, deadline: float, timeout: float, trust: TrustSources) -> None:
        super().__init__()
        self.deadline = deadline
        self.timeout = timeout
        self.trust = trust
        self._context: ssl.SSLContext | None = None  # made at the first request
        self._context_lock = threading.Lock()
        self._local = threading.local()  # each thread: its session, its request's end

    def request_with_retries(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        post_data: Any = None,
        max_network_retries: int | None = None,
        *,
        _usage: list[str] | None = None,
    ) -> tuple[str, int, Mapping[str, str]]:
        self._local.ends = time.monotonic() + self.deadline
        return super().request_with_retries(
            method, url, headers, post_data, max_network_retries, _usage=_usage
        )

    def request(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str] | None,
        post_data: Any = None,
        *,
        _usage: list[str] | None = None,
    ) -> tuple[str, int, Mapping[str, str]]:
        left = getattr(self._local, "ends", time.monotonic() + self.deadline) - time.monotonic()
        if left <= 0:
            raise DeadlinePassed(f"no time left for {method.upper()} {url}")
        with _Watchdog(left) as dog:
            try:
                # Stripe's API never redirects: a redirect is a portal's or a proxy's, and
                # following it would send the request elsewhere.
                answer = self._session().request(
                    method,
                    url,
                    headers=headers,
                    data=post_data,
                    timeout=self.timeout,
                    allow_redirects=False,
                )
                body = answer.content
            except requests.RequestException as exc:
                if dog.fired:
                    raise DeadlinePassed(f"{self.deadline:g} s passed") from exc
                raise _connection_error(exc, url) from exc
        if dog.fired:
            raise DeadlinePassed(f"{self.deadline:g} s passed")
        status = answer.status_code
        if not _looks_like_stripes(status, body):
            kind = answer.headers.get("Content-Type", "no content type")
            raise NotStripesAnswer(f"HTTP {status}, {kind[:60]}, {len(body)} bytes")
        return body.decode("utf-8", errors="replace"), status, answer.headers

    def context(self) -> ssl.SSLContext:
        """The SSL context of every connection, made once (it reads the CA files)."""
        with self._context_lock:
            if self._context is None:
                try:
                    self._context = self.trust.context()
                except TrustSetupError as exc:
                    raise ConnectionProblem(str(exc), TRUST_FIX) from exc
            return self._context

    def _session(self) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = _Session()
            adapter = _WatchedAdapter(self.context())
            session.mount("https://", adapter)
            session.mount("http://", adapter)
            self._local.session = session
        return session

    def close(self) -> None:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is not None:
            session.close()


def _connection_error(exc: requests.RequestException, url: str) -> stripe.APIConnectionError:
    """As stripe-python's RequestsClient says it: timeouts and lost connections may be
    retried (with the same idempotency key), a certificate that does not verify may not.
    A cause the operator can act on (trust, TLS, a proxy) is named in a sentence."""
    host = urlsplit(url).hostname or url
    if isinstance(exc, requests.exceptions.ProxyError):
        proxy = requests.utils.select_proxy(url, requests.utils.get_environ_proxies(url))
        where = _without_credentials(proxy) if proxy else "the proxy"
        return ConnectionProblem(
            f"the proxy {where} would not connect to {host}: {_innermost(exc)}", PROXY_FIX
        )
    if isinstance(exc, requests.exceptions.SSLError):
        cause = _find(exc, ssl.SSLCertVerificationError)
        if cause is not None:
            why = cause.verify_message or cause.reason or str(cause)
            return ConnectionProblem(f"the certificate of {host} is not trusted: {why}", TRUST_FIX)
        tls = _find(exc, ssl.SSLError)
        why = (tls.reason or str(tls)) if tls is not None else _innermost(exc)
        return ConnectionProblem(f"the TLS handshake with {host} failed: {why}", TRUST_FIX)
    retry = isinstance(exc, (requests.Timeout, requests.ConnectionError))
    return stripe.APIConnectionError(
        f"Network error: {type(exc).__name__}: {exc}", should_retry=retry
    )


_E = TypeVar("_E", bound=BaseException)


def _causes(exc: BaseException) -> list[BaseException]:
    """The exception and what it wraps (urllib3 and requests wrap in args and `reason`)."""
    seen: list[BaseException] = []
    todo: list[object] = [exc]
    while todo and len(seen) < 20:
        item = todo.pop(0)
        if not isinstance(item, BaseException) or any(item is s for s in seen):
            continue
        seen.append(item)
        todo += [*item.args, getattr(item, "reason", None), item.__cause__, item.__context__]
    return seen


def _find(exc: BaseException, kind: type[_E]) -> _E | None:
    return next((e for e in _causes(exc) if isinstance(e, kind)), None)


def _innermost(exc: BaseException) -> str:
    text = str(_causes(exc)[-1])
    return text.rstrip(".") or type(exc).__name__


def _without_credentials(proxy: str) -> str:
    parts = urlsplit(proxy)
    if parts.username or parts.password:
        host = parts.hostname or ""
        return f"{parts.scheme}://{host}" + (f":{parts.port}" if parts.port else "")
    return proxy


def check_live_key_destination(key: SecretKey, api_base: str) -> None:
    """A live key goes to Stripe's own API and nowhere else (an emulator, a proxy, a typo'd
    host would receive real credentials); the live-mode tests alone may use the emulator."""
    if key.mode is not Mode.LIVE or api_base == STRIPE_API_BASE:
        return
    if os.environ.get(LIVE_ON_LOOPBACK_FOR_TESTS) == "1" and is_loopback(
        urlsplit(api_base).hostname
    ):
        return
    raise UsageError(
        f"A live key is only ever sent to Stripe's own API ({STRIPE_API_BASE}), and this "
        f"profile's api_base is {api_base}: remove it with 'billing-admin config unset api_base' "
        "(or unset STRIPE_API_BASE)."
    )
